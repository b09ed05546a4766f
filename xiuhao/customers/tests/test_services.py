"""Rules of the customer services: codes, primary contact / default address, search columns,
region suggestion, audit."""

import threading

import pytest
from django.db import connection

from xiuhao.core.errors import PermissionDenied, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.customers import services
from xiuhao.customers.models import Address, Contact, Customer
from xiuhao.customers.services import ChildChange
from xiuhao.org.models import Region
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

from .conftest import customer_manager
from .factories import CustomerFactory

pytestmark = pytest.mark.django_db


def create(actor, name="深圳市人民医院", contacts=(), **data):
    return services.customer_create(actor=actor, data={"name": name, **data}, contacts=contacts, check=False)


def test_a_customer_left_without_a_code_is_numbered_after_the_highest_one(manager):
    CustomerFactory(code="C000041")
    CustomerFactory(code="VIP-9")  # codes of another shape do not count
    first = create(manager, "甲医院")
    second = create(manager, "乙医院")
    assert (first.code, second.code) == ("C000042", "C000043")
    assert create(manager, "丙医院", code="K-1").code == "K-1"


def test_a_number_typed_by_hand_is_not_handed_out_again(manager):
    first = create(manager, "丁医院")
    CustomerFactory(code=f"C{int(first.code[1:]) + 1:06d}")  # the next number, typed on another record
    second = create(manager, "戊医院")
    assert int(second.code[1:]) == int(first.code[1:]) + 2


def test_a_blanked_code_is_kept_on_edit(manager):
    customer = create(manager, "己医院")
    services.customer_update(actor=manager, obj=customer, data={"code": "", "name": "己医院分院"}, check=False)
    customer.refresh_from_db()
    assert customer.code.startswith("C") and customer.name == "己医院分院"


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_different_numbers():
    """Six threads, each its own connection: SQLite serialises the writers (IMMEDIATE), PostgreSQL
    queues them on the numbering counter row."""
    actor = customer_manager()
    codes, errors = [], []

    def worker(i):
        try:
            codes.append(create(actor, f"并发医院{i}").code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(codes)) == 6


def test_search_columns_follow_the_name_and_every_phone(manager):
    customer = create(manager, "重庆长安医院", phone="023-6888 1234",
                      contacts=[ChildChange(data={"name": "李雷", "mobile": "139 0000 5678"})])
    customer.refresh_from_db()
    assert customer.name_pinyin.split()[0] == "chongqingchanganyiyuan"  # 重 read as chong in 重庆
    assert "cqcayy" in customer.name_initials.split()
    assert customer.phone_digits == " 02368881234 13900005678 "
    contact = customer.contacts.get()
    services.contact_update(actor=manager, obj=contact, data={"mobile": "13700001111"})
    customer.refresh_from_db()
    assert "13700001111" in customer.phone_digits and "13900005678" not in customer.phone_digits
    services.customer_update(actor=manager, obj=customer, data={"name": "厦门大学附属医院"}, check=False)
    customer.refresh_from_db()
    assert customer.name_initials.split()[0] == "xmdxfsyy"
    assert "smdxfsyy" in customer.name_initials.split()  # 厦 also read sha


def test_the_first_contact_becomes_primary_and_a_new_primary_unsets_the_old(manager):
    customer = create(manager)
    a = services.contact_create(actor=manager, data={"customer": customer, "name": "甲"})
    b = services.contact_create(actor=manager, data={"customer": customer, "name": "乙"})
    assert Contact.objects.get(pk=a.pk).is_primary and not Contact.objects.get(pk=b.pk).is_primary
    services.contact_update(actor=manager, obj=b, data={"is_primary": True})
    assert list(customer.contacts.filter(is_primary=True)) == [b]
    moved = AuditEvent.objects.filter(object_id=str(a.pk), verb="is_primary_moved").get()
    assert moved.changes == {"is_primary": [True, False]} and moved.actor == manager
    services.contact_delete(actor=manager, obj=Contact.objects.get(pk=b.pk))
    assert Contact.objects.get(pk=a.pk).is_primary  # the remaining contact takes over


def test_one_default_address_per_customer(manager):
    customer = create(manager)
    first = services.address_create(actor=manager, data={"customer": customer, "label": "门诊楼", "address": "深圳市南山区桃园路1号"})
    second = services.address_create(actor=manager, data={"customer": customer, "label": "住院部", "address": "深圳市南山区桃园路3号",
                                                          "is_default": True})
    assert list(Address.objects.filter(customer=customer, is_default=True)) == [second]
    assert not Address.objects.get(pk=first.pk).is_default


def test_an_address_without_region_gets_the_one_its_text_names(manager):
    customer = create(manager, address="广东省深圳市南山区科技园科发路8号")
    address = services.address_create(actor=manager, data={"customer": customer, "label": "总部",
                                                           "address": "深圳市福田区深南大道1号"})
    assert customer.region.code == "440305"
    assert address.region.code == "440304"


def test_a_customer_form_saves_customer_contacts_and_addresses_together_or_nothing(manager):
    before = (Customer.objects.count(), Contact.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed):
        services.customer_create(actor=manager, data={"name": "某医院"}, check=False, contacts=[
            ChildChange(data={"name": "甲", "is_primary": True}),
            ChildChange(data={"name": "乙", "email": "not an e-mail"})])
    assert (Customer.objects.count(), Contact.objects.count(), AuditEvent.objects.count()) == before


def test_a_branch_user_cannot_create_a_customer_of_another_branch():
    mine, other = BranchFactory(), BranchFactory()
    user = customer_manager(branch=mine, scope="branch")
    with pytest.raises(PermissionDenied):
        create(user, branch=other)
    assert create(user).branch == mine  # left empty: the user's own branch


def test_the_services_need_the_permissions():
    user = UserFactory()
    grant(user, "customers.view_customer", data_scope="all")
    with pytest.raises(PermissionDenied):
        create(user)


def test_the_batch_load_keeps_the_same_rules(manager):
    region = Region.objects.get(code="440305")
    rows = [({"code": "D1", "name": "演示医院", "phone": "0755-1", "region": region},
             [{"name": "甲", "mobile": "13800000001"}, {"name": "乙"}],
             [{"label": "门诊", "address": "深圳市南山区桃园路1号"}])]
    [customer] = services.customer_bulk_load(actor=manager, rows=rows)
    assert customer.contacts.get(is_primary=True).name == "甲"
    assert customer.addresses.get().is_default and customer.addresses.get().region == region
    assert "13800000001" in Customer.objects.get(pk=customer.pk).phone_digits
    assert AuditEvent.objects.filter(verb="bulk_load").count() == 4
    with pytest.raises(ValidationFailed):
        services.customer_bulk_load(actor=manager, rows=[({"code": "D2", "name": "x"},
                                                          [{"name": "甲", "is_primary": True},
                                                           {"name": "乙", "is_primary": True}], [])])
    assert not Customer.objects.filter(code="D2").exists()


def test_the_demo_loads_once_and_then_adds_nothing(db):
    from xiuhao.customers import demo
    from xiuhao.org import demo as org_demo

    org_demo.load()
    first = demo.load()
    assert first.created["customers"] == demo.COUNT
    assert demo.load().created == {}
    assert Customer.objects.filter(outlet__isnull=False).exists()
    assert Customer.objects.values("tier").distinct().count() == 3
    assert all(c.contacts.filter(is_primary=True).count() == 1 for c in Customer.objects.prefetch_related("contacts")[:20])
    assert connection.vendor in ("sqlite", "postgresql")
