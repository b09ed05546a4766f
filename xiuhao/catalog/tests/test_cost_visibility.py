"""A spare part's cost is internal: outlet users and engineers see parts and their price but not
their cost — not on pages, in the API, exports, imports, the history or the operation log, and
they cannot find, filter or sort by it. A service manager (and the warehouse) see it."""

import io
from decimal import Decimal

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from xiuhao.core.imports import RowsInvalid, import_bulk
from xiuhao.core.models import AuditEvent
from xiuhao.core.registry import registry
from xiuhao.org.tests.factories import user_in_demo_role, user_with

from .factories import PartFactory

pytestmark = pytest.mark.django_db

PART = registry.configs["catalog.part"]
LOG = registry.configs["core.auditevent"]
COST, NEW_COST = "4321.98", "5555.55"


@pytest.fixture
def part():
    return PartFactory(code="P-SECRET", cost=Decimal(COST), price=Decimal("120.00"))


@pytest.fixture(params=["outlet", "engineer"])
def outsider(request):
    return user_in_demo_role(request.param)


@pytest.fixture
def manager():
    return user_in_demo_role("dispatcher")


def sheet_text(response):
    ws = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row)


def test_outlet_users_and_engineers_see_the_price_but_not_the_cost(client, part, outsider):
    client.force_login(outsider)
    pages = [client.get(PART.url("list")), client.get(PART.url("detail", part)),
             client.get("/api/v1/catalog/part/"), client.get(f"/api/v1/catalog/part/{part.pk}/")]
    for response in pages:
        assert response.status_code == 200
        assert "120.00" in response.content.decode()
        assert COST not in response.content.decode()
    assert "cost" not in client.get(f"/api/v1/catalog/part/{part.pk}/").json()


def test_a_service_manager_and_the_warehouse_see_the_cost(client, part, manager):
    for user in (manager, user_in_demo_role("warehouse")):
        client.force_login(user)
        assert COST in client.get(PART.url("list")).content.decode()
        assert COST in client.get(PART.url("detail", part)).content.decode()
        assert client.get(f"/api/v1/catalog/part/{part.pk}/").json()["cost"] == COST
        assert COST in sheet_text(client.get(PART.url("export")))


def test_the_export_of_a_user_without_the_cost_permission_has_no_cost_column(client, part, english):
    client.force_login(user_with("catalog.view_part", "catalog.export_part"))
    for response in (client.get(PART.url("export")), client.get("/api/v1/catalog/part/export/")):
        text = sheet_text(response)
        assert "P-SECRET" in text and "120" in text
        assert COST not in text and "cost" not in text.split()


def test_sorting_and_filtering_by_a_hidden_cost_are_ignored(client, english):
    cheap_last = [PartFactory(code="A-1", cost=Decimal("900")), PartFactory(code="B-2", cost=Decimal("1"))]
    client.force_login(user_in_demo_role("outlet"))
    codes = [r["code"] for r in client.get("/api/v1/catalog/part/", {"ordering": "cost"}).json()["results"]]
    assert codes == [p.code for p in cheap_last]  # code order, not cost order
    html = client.get(PART.url("list"), {"sort": "cost"}).content.decode()
    assert html.index("A-1") < html.index("B-2")

    probe = type("ProbeConfig", (type(PART),), {"filter_fields": ["cost", "status"], "search_fields": ["code", "cost"]})()
    request = RequestFactory().get("/")
    request.user = user_in_demo_role("outlet")
    filters = probe.filterset({"cost": "900", "q": "900"}, queryset=PART.base_queryset(), request=request)
    assert "cost" not in filters.filters and "status" in filters.filters
    assert list(filters.qs) == []  # "900" is no part's code: the search did not look at the cost
    request.user = user_in_demo_role("dispatcher")
    filters = probe.filterset({"cost": "900"}, queryset=PART.base_queryset(), request=request)
    assert [p.code for p in filters.qs] == ["A-1"]


def test_the_global_search_does_not_match_a_hidden_field(client, part, monkeypatch):
    monkeypatch.setattr(PART, "search_fields", ["code", "cost"])
    client.force_login(user_in_demo_role("outlet"))
    assert "P-SECRET" not in client.get("/search/", {"q": COST}).content.decode()
    client.force_login(user_in_demo_role("dispatcher"))
    assert "P-SECRET" in client.get("/search/", {"q": COST}).content.decode()


def test_the_history_and_the_operation_log_show_a_cost_change_as_hidden(client, part, manager, english):
    PART.update(actor=user_in_demo_role("warehouse"), obj=part, data={"cost": Decimal(NEW_COST), "name": "改名"})
    event = AuditEvent.objects.filter(object_id=str(part.pk), action="update").latest("at")
    assert event.changes["cost"] == [COST, NEW_COST]

    client.force_login(user_in_demo_role("outlet"))
    html = client.get(PART.url("detail", part) + "?tab=history").content.decode()
    assert "改名" in html and "hidden" in html
    assert COST not in html and NEW_COST not in html

    reader = user_with("core.view_auditevent", "core.export_auditevent", data_scope="all")
    client.force_login(reader)
    log = [client.get(LOG.url("detail", event) + "?tab=changes").content.decode(),
           sheet_text(client.get(LOG.url("export"))),
           client.get(f"/api/v1/core/auditevent/{event.pk}/").content.decode(),
           client.get("/api/v1/core/auditevent/").content.decode()]
    for text in log:
        assert "改名" in text
        assert COST not in text and NEW_COST not in text
    assert "cost" not in client.get(f"/api/v1/core/auditevent/{event.pk}/").json()["changes"]

    client.force_login(manager)
    assert client.get(f"/api/v1/core/auditevent/{event.pk}/").json()["changes"]["cost"] == [COST, NEW_COST]
    assert NEW_COST in client.get(PART.url("detail", part) + "?tab=history").content.decode()


def test_an_edit_by_a_user_without_the_cost_permission_keeps_the_cost(client, part):
    clerk = user_with("catalog.view_part", "catalog.change_part")
    client.force_login(clerk)
    form = client.get(PART.url("edit", part)).content.decode()
    assert 'name="price"' in form and 'name="cost"' not in form
    response = client.post(PART.url("edit", part), {"code": part.code, "name": "新名称", "unit": "个", "price": "130.00",
                                                    "cost": "1.00", "safety_stock": 0, "warranty_months": 3,
                                                    "status": "active"})
    assert response.status_code == 302
    response = client.patch(f"/api/v1/catalog/part/{part.pk}/", {"cost": "2.00", "price": "140.00"},
                            content_type="application/json")
    assert response.status_code == 200 and "cost" not in response.json()
    part.refresh_from_db()
    assert (part.name, part.price, part.cost) == ("新名称", Decimal("140.00"), Decimal(COST))


def test_an_import_by_a_user_without_the_cost_permission_cannot_write_the_cost(part, english):
    row = {"code": part.code, "name": part.name, "unit": "个", "cost": "1.00"}
    clerk = user_with("catalog.view_part", "catalog.change_part", "catalog.import_part")
    with pytest.raises(RowsInvalid) as refused:
        import_bulk(actor=clerk, config=PART, rows=[row])
    assert [e["field"] for e in refused.value.rows] == ["cost"]
    warehouse = user_in_demo_role("warehouse")
    import_bulk(actor=warehouse, config=PART, rows=[row])
    part.refresh_from_db()
    assert part.cost == Decimal("1.00")


def test_an_import_preview_leaves_the_cost_out_for_a_user_without_the_permission(client):
    from xiuhao.core.models import ImportJob

    values = {"code": "P-NEW", "name": "新备件", "cost": COST}
    job = ImportJob.objects.create(model_label="catalog.part", original_name="parts.xlsx", status="preview",
                                   preview=[{"row": 2, "action": "create", "ok": True, "values": values}])
    for perms, shown in ((("catalog.import_part",), {"code", "name"}),
                         (("catalog.import_part", "catalog.view_cost_part"), {"code", "name", "cost"})):
        client.force_login(user_with(*perms, data_scope="all"))
        body = client.get(f"/api/v1/imports/{job.pk}/").json()
        assert set(body["preview"][0]["values"]) == shown
