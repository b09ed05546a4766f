"""Catalogue pages and endpoints beyond CRUD: the BOM tab, fault codes of a category, mileage
bands on the fee standard's page, the trial calculation page and the quote API — with their
permissions."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiuhao.core.models import AuditEvent
from xiuhao.core.registry import registry
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, UserFactory, grant

from .factories import (
    BomLineFactory,
    FaultCodeFactory,
    FeeStandardFactory,
    MileageBandFactory,
    PartFactory,
    ProductCategoryFactory,
    ProductModelFactory,
)

pytestmark = pytest.mark.django_db

PRODUCT = registry.configs["catalog.productmodel"]
CATEGORY = registry.configs["catalog.productcategory"]
FEES = registry.configs["catalog.feestandard"]


def login(client, *perms, **user_kwargs):
    user = UserFactory(**user_kwargs)
    grant(user, *perms, data_scope="self")
    client.force_login(user)
    return user


@pytest.fixture
def product():
    product = ProductModelFactory()
    top = BomLineFactory(product_model=product, part=PartFactory(code="FRAME", cost=Decimal("100.00")))
    BomLineFactory(product_model=product, parent=top, part=PartFactory(code="TUBE", cost=Decimal("7.50")),
                   quantity=Decimal("4"))
    return product


def bom_tab(client, product):
    return client.get(PRODUCT.url("detail", product) + "?tab=bom", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")


def test_the_bom_tab_shows_the_tree_with_extended_quantities_and_cost(client, product):
    # Catalogue data is company-wide: even a user who sees only their own records sees it.
    login(client, "catalog.view_productmodel", "catalog.view_bomline", "catalog.view_cost_part")
    html = bom_tab(client, product).content.decode()
    assert 'data-depth="1" data-part="TUBE"' in html
    assert "¥30.00" in html  # 4 × 7.50, the roll-up of the frame


def test_without_the_cost_permission_the_bom_tab_and_api_show_no_cost(client, product):
    login(client, "catalog.view_productmodel", "catalog.view_bomline")
    html = bom_tab(client, product).content.decode()
    assert 'data-depth="1" data-part="TUBE"' in html
    assert "30.00" not in html and "7.50" not in html and 'data-testid="bom-total"' not in html
    body = client.get(f"/api/v1/catalog/productmodel/{product.pk}/bom/").json()
    assert "total_cost" not in body
    assert [line["part_code"] for line in body["lines"]] == ["FRAME", "TUBE"]
    assert not {"extended_cost", "rollup_cost"} & {key for line in body["lines"] for key in line}


def test_the_bom_tab_costs_the_same_queries_for_a_small_and_a_big_bom(client, product):
    login(client, "catalog.view_productmodel", "catalog.view_bomline")
    bom_tab(client, product)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert bom_tab(client, product).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(10):
        BomLineFactory(product_model=product)
    assert count() == few


def test_without_the_bom_permission_there_is_no_bom_tab(client, product):
    login(client, "catalog.view_productmodel")
    assert 'data-tab="bom"' not in client.get(PRODUCT.url("detail", product)).content.decode()
    assert client.get(PRODUCT.url("detail", product) + "?tab=bom").status_code == 404
    assert client.get(f"/api/v1/catalog/productmodel/{product.pk}/bom/").status_code == 403


def test_an_outlet_user_with_the_view_permission_reads_the_catalogue(client, product):
    outlet = OutletFactory(branch=BranchFactory())
    login(client, "catalog.view_productmodel", "catalog.view_bomline", kind="outlet", outlet=outlet)
    assert client.get(PRODUCT.url("list")).status_code == 200
    body = client.get(f"/api/v1/catalog/productmodel/{product.pk}/bom/").json()
    assert [(line["part_code"], line["depth"], line["extended_quantity"]) for line in body["lines"]] == [
        ("FRAME", 0, "1.000000000"), ("TUBE", 1, "4.000000000")]
    assert "total_cost" not in body  # the parts' cost is internal (catalog.view_cost_part)


def test_a_category_lists_its_own_and_inherited_fault_codes(client):
    parent = ProductCategoryFactory()
    child = ProductCategoryFactory(parent=parent)
    FaultCodeFactory(category=parent, kind="symptom", code="P1", name="继承的现象")
    FaultCodeFactory(category=child, kind="cause", code="C1", name="自己的原因")
    FaultCodeFactory(category=ProductCategoryFactory(), kind="symptom", code="O1", name="别的分类")
    login(client, "catalog.view_productcategory", "catalog.view_faultcode")
    html = client.get(CATEGORY.url("detail", child) + "?tab=fault-codes").content.decode()
    assert "继承的现象" in html and "自己的原因" in html and "别的分类" not in html
    codes = client.get(f"/api/v1/catalog/productcategory/{child.pk}/fault-codes/?kind=symptom").json()
    assert [c["code"] for c in codes] == ["P1"]
    assert client.get(f"/api/v1/catalog/productcategory/{child.pk}/fault-codes/?kind=bogus").status_code == 400


def test_the_fault_code_list_filters_by_category_and_type(client):
    category = ProductCategoryFactory()
    FaultCodeFactory(category=category, kind="symptom", name="要的")
    FaultCodeFactory(category=category, kind="action", name="类型不对")
    FaultCodeFactory(kind="symptom", name="分类不对")
    login(client, "catalog.view_faultcode")
    html = client.get("/catalog/faultcode/", {"category": category.pk, "kind": "symptom"}).content.decode()
    assert "要的" in html and "类型不对" not in html and "分类不对" not in html


@pytest.fixture
def standard():
    standard = FeeStandardFactory(door_fee=Decimal("150.00"), labour_per_hour=Decimal("120.00"),
                                  formula="round(base * 0.1, 2)")
    MileageBandFactory(fee_standard=standard, from_km=Decimal("0"), to_km=Decimal("30"), per_km=Decimal("0"))
    MileageBandFactory(fee_standard=standard, from_km=Decimal("30"), to_km=None, per_km=Decimal("3.00"))
    return standard


def test_the_fee_standard_page_shows_its_mileage_bands_with_edit_links(client, standard):
    login(client, "catalog.view_feestandard", "catalog.change_mileageband")
    html = client.get(FEES.url("detail", standard) + "?tab=mileage").content.decode()
    band = standard.mileage_bands.get(from_km=30)
    assert f"/catalog/mileageband/{band.pk}/edit/" in html and "∞" in html


def test_the_trial_calculation_page_shows_the_lines_and_the_total_and_writes_nothing(client, standard):
    login(client, "catalog.view_feestandard")
    page = client.get(FEES.url("detail", standard)).content.decode()
    assert FEES.url("quote", standard) in page
    events = AuditEvent.objects.count()
    response = client.post(FEES.url("quote", standard), {"hours": "2", "km": "40", "parts_amount": "0", "visits": "1",
                                                         "tier": "standard"})
    html = response.content.decode()
    assert response.status_code == 200
    # door 150 + labour 240 + mileage 30 = 420; custom 42.00; total 462.00
    assert 'data-testid="quote-total">¥462.00' in html
    assert AuditEvent.objects.count() == events
    bad = client.post(FEES.url("quote", standard), {"hours": "-1", "km": "x", "visits": "1", "tier": "standard"})
    assert bad.status_code == 400 and 'data-testid="form-errors"' in bad.content.decode()


def test_the_quote_api_answers_lines_and_total(client, standard):
    login(client, "catalog.view_feestandard")
    url = f"/api/v1/catalog/feestandard/{standard.pk}/quote/"
    body = client.post(url, {"hours": "2", "km": "40", "tier": "gold"}, content_type="application/json").json()
    assert [line["key"] for line in body["lines"]] == ["door", "labour", "mileage", "custom"]
    assert body["total"] == "462.00"
    bad = client.post(url, {"hours": "-2", "km": "1"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"
    gap = FeeStandardFactory()
    MileageBandFactory(fee_standard=gap, from_km=Decimal("10"), to_km=None)
    response = client.post(f"/api/v1/catalog/feestandard/{gap.pk}/quote/", {"hours": "1", "km": "5"},
                           content_type="application/json")
    assert response.status_code == 400 and "km" in response.json()["error"]["fields"]


def test_the_quote_needs_the_view_permission(client, standard):
    login(client, "catalog.view_productmodel")
    assert client.post(FEES.url("quote", standard), {"hours": "1", "km": "1"}).status_code == 403
    response = client.post(f"/api/v1/catalog/feestandard/{standard.pk}/quote/", {"hours": "1", "km": "1"},
                           content_type="application/json")
    assert response.status_code == 403


def test_a_bad_formula_on_the_edit_page_is_shown_on_the_field_and_not_saved(client, standard):
    user = login(client, "catalog.view_feestandard", "catalog.change_feestandard")
    form = FEES.form(instance=standard, user=user)
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data["formula"] = "base.__class__"
    response = client.post(FEES.url("edit", standard), data)
    assert response.status_code == 400
    assert "__class__" in response.content.decode()
    standard.refresh_from_db()
    assert standard.formula == "round(base * 0.1, 2)"


def test_mileage_band_overlap_is_refused_on_the_page(client, standard):
    login(client, "catalog.view_mileageband", "catalog.add_mileageband", "catalog.view_feestandard")
    response = client.post("/catalog/mileageband/add/", {"fee_standard": standard.pk, "from_km": "20", "to_km": "40",
                                                         "fixed_fee": "0", "per_km": "1"})
    assert response.status_code == 400
    assert standard.mileage_bands.count() == 2
    assert "30.0" in response.content.decode()  # the message names the band it overlaps


junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
                 st.decimals(allow_nan=False, allow_infinity=False).map(str))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.dictionaries(st.sampled_from(["hours", "km", "parts_amount", "visits", "tier", "x"]), junk))
def test_the_quote_api_answers_any_payload_with_a_result_or_a_coded_error(client, standard, payload):
    login(client, "catalog.view_feestandard")
    response = client.post(f"/api/v1/catalog/feestandard/{standard.pk}/quote/", payload,
                           content_type="application/json")
    assert response.status_code in (200, 400), response.content
    body = response.json()
    assert ("total" in body) if response.status_code == 200 else body["error"]["message"]
