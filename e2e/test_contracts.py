"""Contracts in the browser: the coverage engine on a device page, and extending a contract.
Data: the demo company with its customers, devices and contracts (e2e/conftest.py)."""

import datetime

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from xiuhao.contracts.coverage import coverage_for
from xiuhao.contracts.models import Contract, ContractDevice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def zh(text):
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def covered_by_maintenance():
    """A demo device out of its manufacturer warranty, covered today by an active maintenance contract."""
    today = timezone.localdate()
    link = (ContractDevice.objects.filter(contract__kind=Contract.Kind.MAINTENANCE, contract__status="active",
                                          contract__start_date__lte=today, contract__end_date__gte=today,
                                          contract__response_hours__isnull=False, device__status="registered",
                                          device__warranty_end__lt=today)
            .select_related("contract", "device").order_by("contract__code").first())
    assert link is not None, "the demo has no device covered by a maintenance contract"
    return link.device, link.contract


def test_the_device_page_shows_the_maintenance_contract_covering_it_with_percentages_sla_and_reasons(
        page, live_server, login):
    device, contract = covered_by_maintenance()
    with translation.override("zh-hans"):
        expected = coverage_for(device)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/assets/device/{device.pk}/")
    page.click('[data-tab="coverage"]')

    coverage = page.locator('[data-testid="coverage"]')
    expect(coverage.locator('[data-testid="warranty-kind"]')).to_have_attribute("data-kind", "contract")
    expect(coverage.locator('[data-testid="coverage-contracts"]')).to_contain_text(contract.code)
    parts = f"{expected.parts_pct.normalize():f}"
    expect(coverage.locator('[data-testid="coverage-pct"]')).to_contain_text(f"{parts}%")
    expect(coverage.locator('[data-testid="coverage-sla"]')).to_have_text(
        f"{expected.response_hours} / {expected.onsite_hours} / {expected.repair_hours}")
    reasons = coverage.locator('[data-testid="coverage-reasons"] li')
    expect(reasons.first).to_contain_text(f"合同 {contract.code}")
    expect(reasons.first).to_contain_text(f"响应 {contract.response_hours} 小时")

    # As of the day after the contract ends, it no longer applies.
    after = contract.end_date + datetime.timedelta(days=1)
    page.fill("#coverage-at", after.isoformat())
    page.click('[data-testid="coverage-as-of"] button[type=submit]')
    expect(coverage.locator('[data-testid="coverage-contracts"]')).not_to_contain_text(contract.code)
    expect(page.locator('[data-testid="warranty-kind"]')).not_to_have_attribute("data-kind", "contract")


def test_extending_a_contract_with_a_reason_shows_the_new_end_and_the_history_entry(page, live_server, login):
    contract = Contract.objects.filter(status="active", kind="maintenance").order_by("code").first()
    new_end = contract.end_date + datetime.timedelta(days=92)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/contracts/contract/{contract.pk}/")
    page.get_by_role("link", name=zh("Extend"), exact=True).click()
    page.fill("input[name=new_end]", new_end.isoformat())
    page.fill("input[name=reason]", "客户申请顺延一个季度")
    page.click('[data-testid="save"]')

    expect(page).to_have_url(f"{live_server.url}/contracts/contract/{contract.pk}/")
    with translation.override("zh-hans"):
        shown = formats.date_format(new_end)
    expect(page.locator("#tab-content")).to_contain_text(shown)
    page.click('[data-tab="changes"]')
    row = page.locator('[data-testid="contract-changes"] tr[data-kind="extend"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(contract.end_date.isoformat())
    expect(row).to_contain_text(new_end.isoformat())
    expect(row).to_contain_text("客户申请顺延一个季度")
