"""Customers in the browser: create one with a contact and an address (rows added with htmx,
region suggested from the address), try to create it again and get the duplicate warning
(cancel, then create anyway); the 360° page; the customer map with clusters and a popup.
Data: the demo company (e2e/conftest.py)."""

import pytest
from playwright.sync_api import expect

from xiuhao.customers.models import Customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "深圳市南山区蛇口人民医院"


def fill_customer(page, name):
    page.fill("#id_name", name)
    page.select_option("#id_tier", "gold")
    page.fill("#id_phone", "0755-26888777")
    page.fill("#id_address", "深圳市南山区蛇口工业八路1号")
    page.press("#id_address", "Tab")  # a changed address proposes its region


def test_a_customer_is_created_with_a_contact_and_an_address_and_a_second_entry_is_warned(
        page, live_server, login, settings):
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/customers/customer/")
    page.click('a[href="/customers/customer/add/"]')
    fill_customer(page, NAME)
    # The region picker follows the address text (org.regions.suggest_region).
    expect(page.locator("#id_region_county")).to_have_value("440305")
    contacts = page.locator('[data-testid="contacts-row"]')
    contacts.nth(0).locator('input[name$="-name"]').fill("陈建华")
    contacts.nth(0).locator('input[name$="-mobile"]').fill("13922220001")
    page.click('[data-testid="add-contacts"]')  # htmx: a second, numbered row
    expect(contacts).to_have_count(2)
    contacts.nth(1).locator('input[name="contacts-1-name"]').fill("刘敏")
    addresses = page.locator('[data-testid="addresses-row"]')
    addresses.nth(0).locator('input[name$="-label"]').fill("院本部")
    addresses.nth(0).locator('input[name$="-address"]').fill("深圳市南山区蛇口工业八路1号")
    page.click('[data-testid="save"]')

    expect(page.locator('[data-testid="customer-summary"]')).to_contain_text(NAME)
    customer = Customer.objects.get(name=NAME)
    assert customer.code.startswith("C") and customer.tier == "gold" and customer.region.code == "440305"
    assert sorted(customer.contacts.values_list("name", "is_primary")) == [("刘敏", False), ("陈建华", True)]
    assert customer.addresses.get().is_default
    page.click('[data-tab="contacts"]')
    expect(page.locator('[data-testid="contacts"]')).to_contain_text("陈建华")

    # The same customer again (spaces and the company form do not hide it): the form warns.
    page.goto(f"{live_server.url}/customers/customer/add/")
    fill_customer(page, "深圳市南山区 蛇口人民医院有限公司")
    page.click('[data-testid="save"]')
    warning = page.locator('[data-testid="duplicates"]')
    expect(warning).to_be_visible()
    expect(warning.locator('[data-testid="duplicate-candidate"]')).to_contain_text(customer.code)
    page.click('[data-testid="cancel-duplicate"]')
    expect(page).to_have_url(f"{live_server.url}/customers/customer/")
    assert Customer.objects.filter(name__contains="蛇口人民医院").count() == 1

    page.goto(f"{live_server.url}/customers/customer/add/")
    fill_customer(page, "深圳市南山区 蛇口人民医院有限公司")
    page.click('[data-testid="save"]')
    page.click('[data-testid="create-anyway"]')
    expect(page.locator('[data-testid="customer-summary"]')).to_be_visible()
    assert Customer.objects.filter(name__contains="蛇口人民医院").count() == 2


def inside(page, selector):
    """The first element of `selector` whose centre lies inside the map (Leaflet keeps markers
    of the area just outside the view in the page, under the menu)."""
    box = page.locator('[data-testid="map"]').bounding_box()
    items = page.locator(selector)
    for i in range(items.count()):
        b = items.nth(i).bounding_box()
        if b and box["x"] + 20 < b["x"] + b["width"] / 2 < box["x"] + box["width"] - 20 \
                and box["y"] + 20 < b["y"] + b["height"] / 2 < box["y"] + box["height"] - 20:
            return items.nth(i)
    return None


def test_the_customer_map_shows_clusters_that_split_and_a_popup(page, live_server, login):
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/customers/customer/")
    page.click('[data-testid="list-link-map"]')
    the_map = page.locator('[data-testid="map"]')
    expect(the_map).to_have_attribute("data-points", str(Customer.objects.exclude(lat=None).count()))
    expect(page.locator('[data-testid="map-count"]')).to_contain_text(str(Customer.objects.exclude(lat=None).count()))
    clusters = page.locator(".marker-cluster")
    expect(clusters.first).to_be_visible()
    sizes = [int(t) for t in clusters.all_inner_texts()]
    biggest = max(sizes)
    clusters.filter(has_text=str(biggest)).first.click()  # zooms into the cluster: it splits
    markers = page.locator(".xh-map-marker")
    page.wait_for_timeout(1000)
    after = [int(t) for t in page.locator(".marker-cluster").all_inner_texts()]
    assert max(after, default=0) < biggest and len(after) + markers.count() >= 2
    while inside(page, ".xh-map-marker") is None:  # down to single markers
        inside(page, ".marker-cluster").click()
        page.wait_for_timeout(800)
    inside(page, ".xh-map-marker").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    link = popup.locator('[data-testid="map-popup-link"]')
    assert link.get_attribute("href").startswith("/customers/customer/")
    link.click()
    expect(page.locator('[data-testid="customer-summary"]')).to_be_visible()


def test_an_outlet_user_sees_only_the_outlets_customers_on_the_map(page, live_server, login):
    login(page, live_server, "outlet")
    page.goto(f"{live_server.url}/maps/customers/")
    served = Customer.objects.filter(outlet__code="fs-shunda").exclude(lat=None).count()
    assert 0 < served < Customer.objects.count()
    expect(page.locator('[data-testid="map"]')).to_have_attribute("data-points", str(served))
