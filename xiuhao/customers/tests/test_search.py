"""The one search box: name fragment, pinyin initials, full pinyin, phone tail, device serial —
the same on the list page, in the API (?q= and ?search=) and in global search."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.customers import services, text
from xiuhao.customers.models import Customer
from xiuhao.customers.selectors import customer_search
from xiuhao.customers.services import ChildChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(manager):
    def make(name, phone="", contacts=()):
        return services.customer_create(actor=manager, data={"name": name, "phone": phone}, check=False,
                                        contacts=[ChildChange(data=c) for c in contacts])

    return {
        "szrm": make("深圳人民医院", "0755-2553 1387", [{"name": "王芳", "mobile": "13912345678"}]),
        "cq": make("重庆长安精密机械有限公司", "023-68801234"),
        "xm": make("厦门大学附属第一医院", "0592-2137777"),
        "ge": make("GE医疗（上海）有限公司", "021-38777888"),
    }


def found(value):
    return {c.name for c in customer_search(Customer.objects.all(), value)}


def test_a_name_fragment_finds_the_customer(customers):
    assert found("人民医院") == {"深圳人民医院"}
    assert found("医院") == {"深圳人民医院", "厦门大学附属第一医院"}


def test_pinyin_initials_and_full_pinyin_find_the_customer(customers):
    assert found("szrm") == {"深圳人民医院"}
    assert found("SZRMYY") == {"深圳人民医院"}
    assert found("shenzhen") == {"深圳人民医院"}
    assert found("chongqing") == {"重庆长安精密机械有限公司"}  # 重 as chong, from the phrase 重庆
    assert found("cqca") == {"重庆长安精密机械有限公司"}
    assert found("xmdx") == found("smdx") == {"厦门大学附属第一医院"}  # either reading of 厦
    assert found("gyl") == {"GE医疗（上海）有限公司"}


def test_a_phone_tail_of_the_customer_or_a_contact_finds_it(customers):
    assert found("1387") == {"深圳人民医院"}
    assert found("5678") == {"深圳人民医院"}  # the contact's mobile
    assert found("0755-25531387") == {"深圳人民医院"}
    assert found("1234") == {"重庆长安精密机械有限公司"}
    assert found("123") == set()  # three digits are too short for a tail
    assert found("3456") == set()  # in the middle of a number, not its tail


def test_a_device_serial_finds_its_customer(customers):
    DeviceFactory(customer=customers["xm"], serial="XR20260001")
    assert found("XR20260001") == {"厦门大学附属第一医院"}
    assert found("xr2026") == {"厦门大学附属第一医院"}  # prefix, any case
    assert found("20260001") == set()  # serials are matched from their start


def test_the_list_page_the_api_and_global_search_use_the_same_search(client, manager, customers):
    client.force_login(manager)
    szrm = customers["szrm"]
    page = client.get("/customers/customer/", {"q": "szrm"}).content.decode()
    assert f"/customers/customer/{szrm.pk}/" in page and "重庆" not in page.split("<tbody")[1]
    for param in ("q", "search"):
        rows = client.get("/api/v1/customers/customer/", {param: "5678"}).json()["results"]
        assert [r["id"] for r in rows] == [szrm.pk]
    result = client.get("/search/", {"q": "szrm"}).content.decode()
    assert f'href="/customers/customer/{szrm.pk}/"' in result


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789 -+()", min_size=0, max_size=20))
def test_phone_digits_keep_every_digit_in_order(phone):
    digits = text.digits_of(phone)
    assert digits == re.sub(r"\D", "", phone)
    stored = text.phone_digits([phone])
    if len(digits) >= text.MIN_PHONE_DIGITS:
        assert stored == f" {digits} " and f"{digits[-4:]} " in stored
    else:
        assert stored == ""


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12))
def test_initials_and_pinyin_of_any_chinese_name_agree(name):
    readings = text.name_pinyin(name).split()
    initials = text.name_initials(name).split()
    assert readings and initials
    assert all(re.fullmatch(r"[a-z]+", r) for r in readings + initials)
    assert len(initials[0]) == len(name)  # one initial per character in the contextual reading
    assert readings[0].startswith(initials[0][0])


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_name_normalisation_ignores_spaces_brackets_and_company_form(name):
    norm = text.normalize_name(name)
    assert text.normalize_name(f" {name} ") == norm
    assert " " not in norm
    if norm and not norm.endswith(("有限公司", "公司", "集团", "co", "ltd", "inc", "corp", "company", "limited")):
        assert text.normalize_name(f"{name}有限公司") == norm
        assert text.normalize_name(f"{name}股份有限公司") == norm
