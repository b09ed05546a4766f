"""The customer form with contact and address rows, the "add another" row, and the 360° page."""

import pytest

from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.core.models import AuditEvent
from xiuhao.customers.models import Address, Contact, Customer
from xiuhao.org.models import Region

from .factories import AddressFactory, ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def management(prefix, total, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def customer_post(**extra):
    return {"name": "南方医科大学深圳医院", "kind": "company", "tier": "gold", "status": "active",
            **management("contacts", 2), **management("addresses", 1),
            "contacts-0-name": "王医生", "contacts-0-mobile": "13800001111", "contacts-0-is_primary": "on",
            "contacts-1-name": "李工", "contacts-1-phone": "0755-23360000",
            "addresses-0-label": "院本部", "addresses-0-address": "深圳市宝安区新湖路1333号",
            "addresses-0-lat": "22.560000", "addresses-0-lng": "113.880000", **extra}


def test_the_form_creates_the_customer_with_its_contacts_and_addresses(client, manager):
    client.force_login(manager)
    response = client.post("/customers/customer/add/", customer_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(name="南方医科大学深圳医院")
    assert response["Location"] == f"/customers/customer/{customer.pk}/"
    assert customer.code.startswith("C")
    assert list(customer.contacts.order_by("name").values_list("name", "is_primary")) == [("李工", False), ("王医生", True)]
    address = customer.addresses.get()
    assert address.is_default and address.region.code == "440306"  # 宝安区, from the address text
    assert " 13800001111 " in customer.phone_digits and " 075523360000 " in customer.phone_digits
    assert AuditEvent.objects.filter(action="create", content_type__model="contact").count() == 2


def test_two_primary_contacts_are_refused_and_nothing_is_saved(client, manager):
    client.force_login(manager)
    response = client.post("/customers/customer/add/", customer_post(**{"contacts-1-is_primary": "on"}))
    assert response.status_code == 400
    assert "只能有一位主联系人。" in response.content.decode()
    assert not Customer.objects.exists() and not Contact.objects.exists()


def test_the_edit_form_changes_removes_and_adds_rows(client, manager):
    customer = CustomerFactory(branch=manager.branch)
    keep = ContactFactory(customer=customer, name="留下", is_primary=True)
    drop = ContactFactory(customer=customer, name="删除")
    site = AddressFactory(customer=customer, label="旧址", is_default=True)
    client.force_login(manager)
    data = {"code": customer.code, "name": customer.name, "kind": "company", "tier": "silver", "status": "active",
            **management("contacts", 3, initial=2), **management("addresses", 1, initial=1),
            "contacts-0-id": keep.pk, "contacts-0-name": "留下", "contacts-0-is_primary": "on",
            "contacts-1-id": drop.pk, "contacts-1-name": "删除", "contacts-1-DELETE": "on",
            "contacts-2-name": "新人", "contacts-2-mobile": "13911112222",
            "addresses-0-id": site.pk, "addresses-0-label": "新址", "addresses-0-address": site.address,
            "addresses-0-is_default": "on"}
    response = client.post(f"/customers/customer/{customer.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(customer.contacts.values_list("name", flat=True)) == {"留下", "新人"}
    assert Address.objects.get(pk=site.pk).label == "新址"
    customer.refresh_from_db()
    assert customer.tier == "silver" and "13911112222" in customer.phone_digits


def test_add_another_row_comes_numbered_and_raises_the_count(client, manager):
    client.force_login(manager)
    html = client.get("/customers/customer/rows/addresses/", {"addresses-TOTAL_FORMS": "2"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'name="addresses-2-label"' in html and 'data-region-picker' in html
    assert 'id="id_addresses-TOTAL_FORMS" value="3" hx-swap-oob="true"' in html
    assert client.get("/customers/customer/rows/nonsense/").status_code == 404


def test_the_360_page_shows_tier_region_manager_and_counts(client, manager):
    customer = CustomerFactory(branch=manager.branch, tier="gold", owner=manager,
                               region=Region.objects.get(code="440305"))
    ContactFactory(customer=customer, name="主联系人", is_primary=True, mobile="13500000000")
    ContactFactory(customer=customer)
    AddressFactory(customer=customer)
    client.force_login(manager)
    html = client.get(f"/customers/customer/{customer.pk}/").content.decode()
    assert 'data-testid="customer-summary"' in html
    assert "广东省 / 深圳市 / 南山区" in html and str(manager) in html and "主联系人" in html
    assert 'data-count="contacts"' in html and '<div class="fs-2 fw-bold">2</div>' in html
    tab = client.get(f"/customers/customer/{customer.pk}/?tab=contacts", HTTP_HX_REQUEST="true",
                     HTTP_HX_TARGET="tab-content").content.decode()
    assert "主联系人" in tab and "<html" not in tab


def test_the_360_page_counts_only_devices_the_user_may_see(client, manager):
    from xiuhao.org.tests.factories import grant

    customer = CustomerFactory(branch=manager.branch)
    DeviceFactory(customer=customer, branch=manager.branch)
    grant(manager, "assets.view_device", data_scope="all")
    client.force_login(manager)
    html = client.get(f"/customers/customer/{customer.pk}/").content.decode()
    assert 'data-count="devices"' in html


def test_the_list_page_links_the_customer_map(client, manager):
    client.force_login(manager)
    assert 'href="/maps/customers/"' in client.get("/customers/customer/").content.decode()
