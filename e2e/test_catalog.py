"""The catalogue in a browser: a product model's BOM tree and a fee standard's trial calculation.
Data: the demo company and its catalogue (xiuhao/catalog/demo.py)."""

from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from xiuhao.catalog import selectors, services
from xiuhao.catalog.models import FeeStandard, ProductModel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def zh(text):
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def test_the_bom_tab_shows_the_tree_with_extended_quantities(page, live_server, login):
    product = ProductModel.objects.get(code="HY-DR7000")
    lines = selectors.bom_lines(product)
    deepest = max(lines, key=lambda line: (line.depth, line.extended_quantity))
    login(page, live_server, "admin")

    page.goto(f"{live_server.url}/catalog/productmodel/")
    page.fill("#filter-form input[name=q]", "HY-DR7000")
    page.click("[data-testid=search]")
    expect(page.locator("#list-table [data-total]")).to_have_attribute("data-total", "1")
    page.locator("#list-table").get_by_role("link", name="HY-DR7000").first.click()
    page.locator("[data-tab=bom]").click()

    tree = page.locator("[data-testid=bom-tree]")
    expect(tree).to_be_visible()
    expect(tree.locator("tbody tr")).to_have_count(len(lines))
    row = tree.locator(f"tr[data-depth='{deepest.depth}'][data-part='{deepest.part.code}']").first
    expect(row.locator("[data-testid=extended-quantity]")).to_have_text(f"{deepest.extended_quantity.normalize():f}")
    expect(page.locator("[data-testid=bom-total]")).to_contain_text(
        f"¥{selectors.bom_total_cost(lines).quantize(Decimal('0.01'))}")


def test_a_trial_calculation_shows_the_fee_lines_and_the_total(page, live_server, login):
    standard = FeeStandard.objects.get(code="FS-XRAY")
    expected = services.fee_quote(standard, hours=Decimal("3"), km=Decimal("72.5"), tier="standard")
    login(page, live_server, "admin")

    page.goto(f"{live_server.url}/catalog/feestandard/{standard.pk}/")
    page.get_by_role("link", name=zh("Trial calculation")).click()
    page.fill("input[name=hours]", "3")
    page.fill("input[name=km]", "72.5")
    page.select_option("select[name=tier]", "standard")
    page.get_by_role("button", name=zh("Calculate")).click()

    quote = page.locator("[data-testid=quote]")
    expect(quote.locator("tr[data-line=custom]")).to_be_visible()
    expect(page.locator("[data-testid=quote-total]")).to_have_text(f"¥{expected.total}")
