"""Data scope of customers (and their contacts and addresses) on pages, API, export, search and
the map's points; the map component itself."""

import io
import json

import pytest
from openpyxl import load_workbook

from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.customers.models import Customer
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, UserFactory, grant

from .conftest import customer_manager
from .factories import AddressFactory, ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    a, b = BranchFactory(), BranchFactory()
    x, y = OutletFactory(branch=a), OutletFactory(branch=a)
    return {
        "a": CustomerFactory(branch=a, name="甲分公司客户", lat="22.5", lng="114.0", tier="gold"),
        "b": CustomerFactory(branch=b, name="乙分公司客户", lat="31.2", lng="121.4"),
        "x": CustomerFactory(branch=a, outlet=x, name="网点X客户", lat="23.0", lng="113.1"),
        "y": CustomerFactory(branch=a, outlet=y, name="网点Y客户", lat="23.1", lng="113.2"),
        "branch_a": a, "outlet_x": x,
    }


def points(client, key="customers", **params):
    response = client.get(f"/maps/{key}/points/", params)
    assert response.status_code == 200
    return {p[0]: p for p in json.loads(response.content)["points"]}


def test_a_branch_user_sees_and_exports_only_the_branch(client, world):
    user = customer_manager(branch=world["branch_a"], scope="branch")
    client.force_login(user)
    assert set(points(client)) == {world["a"].pk, world["x"].pk, world["y"].pk}
    api = {r["id"] for r in client.get("/api/v1/customers/customer/").json()["results"]}
    assert world["b"].pk not in api
    sheet = load_workbook(io.BytesIO(client.get("/customers/customer/export/").content), read_only=True).active
    assert "乙分公司客户" not in [row[1] for row in sheet.iter_rows(values_only=True)]
    assert client.get(f"/maps/customers/{world['b'].pk}/").status_code == 404
    assert "乙分公司客户" not in client.get("/search/", {"q": "分公司客户"}).content.decode()


def test_an_outlet_user_sees_only_the_outlets_customers_contacts_and_addresses(client, world):
    ContactFactory(customer=world["y"], name="Y的联系人")
    AddressFactory(customer=world["y"], label="Y的地址")
    ContactFactory(customer=world["x"], name="X的联系人")
    user = UserFactory(kind="outlet", outlet=world["outlet_x"])
    grant(user, "customers.view_customer", "customers.view_contact", "customers.view_address", data_scope="all")
    client.force_login(user)
    assert set(points(client)) == {world["x"].pk}
    assert [r["name"] for r in client.get("/api/v1/customers/contact/").json()["results"]] == ["X的联系人"]
    assert client.get("/api/v1/customers/address/").json()["count"] == 0
    assert client.get(f"/customers/customer/{world['y'].pk}/").status_code == 404


def test_the_points_follow_the_list_filters_and_carry_the_colour_key(client, world):
    client.force_login(customer_manager())
    only_gold = points(client, tier="gold")
    assert set(only_gold) == {world["a"].pk}
    pk, lat, lng, title, colour = only_gold[world["a"].pk]
    assert (lat, lng, title, colour) == (22.5, 114.0, "甲分公司客户", "gold")
    assert set(points(client, q="网点X")) == {world["x"].pk}
    CustomerFactory(name="无坐标")  # customers without coordinates stay off the map
    assert len(points(client)) == 4


def test_a_popup_has_the_key_fields_and_the_records_link(client, world, english):
    client.force_login(customer_manager())
    body = client.get(f"/maps/customers/{world['a'].pk}/").json()
    assert body["title"] == "甲分公司客户" and body["url"] == f"/customers/customer/{world['a'].pk}/"
    assert body["fields"][:2] == [["customer code", world["a"].code], ["service tier", "Gold"]]


def test_the_map_page_needs_the_view_permission_and_offers_the_filters(client, world, settings):
    settings.MAP_TILE_URL = "https://tiles{s}.example.com/{z}/{x}/{y}.png"
    user = UserFactory()
    client.force_login(user)
    assert client.get("/maps/customers/").status_code == 403
    assert client.get("/maps/customers/points/").status_code == 403
    client.force_login(customer_manager())
    html = client.get("/maps/customers/", {"tier": "gold"}).content.decode()
    assert 'data-points-url="/maps/customers/points/?tier=gold"' in html
    assert 'data-tile-url="https://tiles{s}.example.com/{z}/{x}/{y}.png"' in html
    assert 'name="tier"' in html and "leaflet.markercluster.js" in html
    assert client.get("/maps/nowhere/").status_code == 404


def test_without_a_tile_url_the_map_has_no_tiles(client, world):
    client.force_login(customer_manager())
    assert 'data-tile-url=""' in client.get("/maps/customers/").content.decode()


def test_the_device_map_uses_the_device_pages_scope(client, world):
    mine = DeviceFactory(customer=world["a"], branch=world["branch_a"], lat="22.6", lng="114.1", serial="SN-A-1")
    DeviceFactory(customer=world["b"], branch=world["b"].branch, lat="31.3", lng="121.5", serial="SN-B-1")
    user = UserFactory(branch=world["branch_a"])
    grant(user, "assets.view_device", data_scope="branch")
    client.force_login(user)
    assert set(points(client, "devices")) == {mine.pk}
    assert client.get("/maps/devices/").status_code == 200


def test_the_points_cost_the_same_queries_for_20_or_2000_customers(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    branch = BranchFactory()
    client.force_login(customer_manager())

    def add(n, start):
        Customer.objects.bulk_create([Customer(code=f"M{i:05d}", name=f"客户{i}", branch=branch, lat=22 + i / 10000,
                                               lng=113 + i / 10000) for i in range(start, start + n)])

    def measured():
        client.get("/maps/customers/points/")
        with CaptureQueriesContext(connection) as ctx:
            count = len(points(client))
        return count, len(ctx.captured_queries)

    add(20, 0)
    few = measured()
    add(1980, 20)
    many = measured()
    assert (few[0], many[0]) == (20, 2000) and few[1] == many[1]
