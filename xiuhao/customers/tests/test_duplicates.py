"""Duplicate warning 重复客户: on the form (candidates with links, "Create anyway") and in the
API (409 with the candidates unless confirm_duplicate), on create and on edit."""

import pytest

from xiuhao.customers import services
from xiuhao.customers.models import Customer
from xiuhao.customers.selectors import duplicate_candidates
from xiuhao.customers.services import ChildChange
from xiuhao.org.tests.factories import BranchFactory

from .conftest import customer_manager

pytestmark = pytest.mark.django_db

API = "/api/v1/customers/customer/"


@pytest.fixture
def existing(manager):
    return services.customer_create(actor=manager, check=False, data={
        "name": "深圳迈瑞生物医疗电子股份有限公司", "phone": "0755-8188 8999", "tax_no": "91440300 7084 6729 0L"},
        contacts=[ChildChange(data={"name": "张三", "mobile": "13800138000"})])


def test_names_differing_in_spaces_brackets_and_company_form_are_the_same():
    assert (services.text.normalize_name("深圳迈瑞（南山）生物医疗 有限公司")
            == services.text.normalize_name("深圳迈瑞(南山)生物医疗股份有限公司")
            == "深圳迈瑞南山生物医疗")


@pytest.mark.parametrize("data, reason", [
    ({"name": "深圳 迈瑞生物医疗电子有限公司"}, "same name"),
    ({"name": "另一家公司", "phone": "075581888999"}, "same phone number"),
    ({"name": "另一家公司", "tax_no": "914403007084672 90l"}, "same unified social credit code"),
])
def test_it_finds_the_existing_customer_by_name_phone_or_credit_code(existing, data, reason, english):
    [(customer, reasons)] = duplicate_candidates(name=data["name"], phones=[data.get("phone", "")],
                                                 tax_no=data.get("tax_no", ""))
    assert customer == existing and reason in [str(r) for r in reasons]


def test_a_contact_phone_counts_too(existing):
    assert duplicate_candidates(name="别的名字", phones=["138-0013-8000"])[0][0] == existing
    assert duplicate_candidates(name="别的名字", phones=["8000"]) == []  # a tail is not a phone number


def test_the_form_shows_the_candidates_and_creates_only_when_confirmed(client, manager, existing):
    client.force_login(manager)
    data = {"name": "深圳迈瑞生物医疗电子有限公司", "kind": "company", "tier": "standard", "status": "active"}
    response = client.post("/customers/customer/add/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="duplicates"' in html
    assert f'href="/customers/customer/{existing.pk}/"' in html and 'data-testid="create-anyway"' in html
    assert Customer.objects.count() == 1
    response = client.post("/customers/customer/add/", {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Customer.objects.count() == 2


def test_the_api_answers_409_with_the_candidates_unless_confirmed(client, manager, existing):
    client.force_login(manager)
    body = {"name": "深圳迈瑞生物医疗电子有限公司"}
    response = client.post(API, body, content_type="application/json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_suspected"
    assert [c["code"] for c in error["candidates"]] == [existing.code]
    assert Customer.objects.count() == 1
    response = client.post(API, {**body, "confirm_duplicate": True}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["code"].startswith("C")


def test_editing_checks_too_but_not_against_itself(client, manager, existing):
    other = services.customer_create(actor=manager, data={"name": "广州某医院"}, check=False)
    client.force_login(manager)
    assert client.patch(f"{API}{existing.pk}/", {"remark": "改备注"}, content_type="application/json").status_code == 200
    assert client.patch(f"{API}{existing.pk}/", {"name": "深圳迈瑞生物医疗电子有限公司"},
                        content_type="application/json").status_code == 200  # the same customer
    response = client.patch(f"{API}{other.pk}/", {"name": "深圳迈瑞生物医疗电子"}, content_type="application/json")
    assert response.status_code == 409
    other.refresh_from_db()
    assert other.name == "广州某医院"
    form = client.get(f"/customers/customer/{other.pk}/edit/")
    assert form.status_code == 200


def test_candidates_outside_the_data_scope_are_counted_not_shown(client, existing):
    user = customer_manager(branch=BranchFactory(), scope="branch")  # the existing one is of another branch
    client.force_login(user)
    error = client.post(API, {"name": "深圳迈瑞生物医疗电子"}, content_type="application/json").json()["error"]
    assert error["candidates"] == [] and error["hidden_candidates"] == 1
    html = client.post("/customers/customer/add/", {"name": "深圳迈瑞生物医疗电子", "kind": "company",
                                                    "tier": "standard", "status": "active"}).content.decode()
    assert existing.name not in html and 'data-testid="create-anyway"' in html


def test_imports_do_not_ask(manager, existing):
    from xiuhao.core.registry import registry

    config = registry.configs["customers.customer"]
    created = config.create(actor=manager, data={"name": existing.name})  # what an import row does
    assert created.pk != existing.pk
