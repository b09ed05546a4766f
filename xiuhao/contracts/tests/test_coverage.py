"""The coverage engine: for a device at a moment, the warranty kind, the contracts that apply,
what they pay for, the SLA hours and provider that follow, and why."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiuhao.assets.models import Device
from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts.coverage import coverage_for
from xiuhao.contracts.models import Contract
from xiuhao.customers.models import Customer
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import OutletFactory

from .factories import ContractDeviceFactory, ContractFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 15)


def device(**kwargs):
    kwargs.setdefault("customer", CustomerFactory(tier=Customer.Tier.STANDARD))
    kwargs.setdefault("warranty_kind", Device.WarrantyKind.MANUFACTURER)
    kwargs.setdefault("warranty_start", datetime.date(2025, 1, 1))
    kwargs.setdefault("warranty_end", datetime.date(2025, 12, 31))
    return DeviceFactory(**kwargs)


def cover(dev, *, kind=Contract.Kind.MAINTENANCE, status=Contract.Status.ACTIVE, start=datetime.date(2026, 1, 1),
          end=datetime.date(2026, 12, 31), link_start=None, link_end=None, **terms):
    contract = ContractFactory(customer=dev.customer, kind=kind, status=status, start_date=start, end_date=end,
                               **terms)
    ContractDeviceFactory(contract=contract, device=dev, start_date=link_start, end_date=link_end)
    return contract


def test_within_its_own_warranty_a_device_has_the_manufacturer_warranty_covering_everything(english):
    dev = device(warranty_end=datetime.date(2027, 3, 1))
    result = coverage_for(dev, at=DAY)
    assert result.warranty_kind == "manufacturer" and result.in_warranty
    assert (result.parts_pct, result.labour_pct, result.travel_pct) == (100, 100, 100)
    assert "Manufacturer warranty until 2027-03-01" in result.reasons


def test_settings_can_narrow_what_the_manufacturer_warranty_pays(settings):
    settings.WARRANTY_COVERAGE_PCT = {"manufacturer": {"parts": 100, "labour": 100, "travel": 0}}
    result = coverage_for(device(warranty_end=datetime.date(2027, 3, 1)), at=DAY)
    assert result.travel_pct == 0


def test_an_active_maintenance_contract_covers_with_its_percentages_and_sla(english):
    dev = device()
    contract = cover(dev, response_hours=4, onsite_hours=24, repair_hours=48, visits_included=4,
                     parts_pct=Decimal("80"), labour_pct=Decimal("100"), travel_pct=Decimal("50"))
    result = coverage_for(dev, at=DAY)
    assert result.warranty_kind == "contract"
    assert result.contracts == [contract]
    assert (result.parts_pct, result.labour_pct, result.travel_pct) == (80, 100, 50)
    assert (result.response_hours, result.onsite_hours, result.repair_hours) == (4, 24, 48)
    assert result.visits_included == 4
    assert result.reasons == [f"Contract {contract.code} (Maintenance) covers it until 2026-12-31, response 4 h, "
                              "on-site 24 h, repair 48 h, parts 80%, labour 100%, travel 50%"]


@pytest.mark.parametrize("status", [Contract.Status.DRAFT, Contract.Status.EXPIRED, Contract.Status.TERMINATED])
def test_draft_expired_and_terminated_contracts_never_cover(status):
    dev = device()
    cover(dev, status=status)
    result = coverage_for(dev, at=DAY)
    assert result.warranty_kind == "out" and result.contracts == []
    assert (result.parts_pct, result.labour_pct, result.travel_pct) == (0, 0, 0)


def test_the_links_own_dates_narrow_the_contract_period():
    dev = device()
    cover(dev, link_start=datetime.date(2026, 7, 1))
    assert coverage_for(dev, at=DAY).warranty_kind == "out"
    assert coverage_for(dev, at=datetime.date(2026, 7, 1)).warranty_kind == "contract"


def test_a_repair_warranty_applies_within_its_end_when_nothing_else_does(english):
    dev = device(warranty_kind=Device.WarrantyKind.REPAIR, warranty_start=datetime.date(2026, 5, 1),
                 warranty_end=datetime.date(2026, 8, 1))
    result = coverage_for(dev, at=DAY)
    assert result.warranty_kind == "repair"
    assert "Repair warranty until 2026-08-01" in result.reasons
    assert coverage_for(dev, at=datetime.date(2026, 8, 2)).warranty_kind == "out"


def test_the_most_generous_percentages_and_the_tightest_sla_win():
    dev = device()
    cover(dev, response_hours=8, onsite_hours=24, parts_pct=Decimal("50"), labour_pct=Decimal("100"))
    cover(dev, kind=Contract.Kind.WARRANTY_EXTENSION, response_hours=2, onsite_hours=None,
          parts_pct=Decimal("100"), labour_pct=Decimal("60"))
    result = coverage_for(dev, at=DAY)
    assert (result.parts_pct, result.labour_pct) == (100, 100)
    assert (result.response_hours, result.onsite_hours) == (2, 24)


def test_sla_hours_no_contract_sets_come_from_the_customers_tier(settings, english):
    settings.SLA_DEFAULTS_BY_TIER = {"gold": {"response": 1, "onsite": 6, "repair": 12}}
    dev = device(customer=CustomerFactory(tier=Customer.Tier.GOLD))
    cover(dev, response_hours=4, onsite_hours=None, repair_hours=None)
    result = coverage_for(dev, at=DAY)
    assert (result.response_hours, result.onsite_hours, result.repair_hours) == (4, 6, 12)
    assert result.sla_source == {"response": result.contracts[0].code, "onsite": "tier", "repair": "tier"}
    assert result.reasons[-1] == "Service level of the customer tier Gold, on-site 6 h, repair 12 h"


def test_an_outsourcing_contract_names_the_provider_but_is_no_warranty(english):
    dev = device()
    outlet = OutletFactory(name="佛山顺达")
    contract = cover(dev, kind=Contract.Kind.OUTSOURCING, provider=outlet, response_hours=6)
    result = coverage_for(dev, at=DAY)
    assert result.provider == outlet and result.warranty_kind == "out"
    assert result.response_hours == 6
    assert f"Serviced by the provider 佛山顺达 (outsourcing contract {contract.code})" in result.reasons


def test_manufacturer_warranty_comes_first_but_contract_sla_still_applies():
    dev = device(warranty_end=datetime.date(2027, 1, 1))
    cover(dev, response_hours=3, parts_pct=Decimal("50"))
    result = coverage_for(dev, at=DAY)
    assert result.warranty_kind == "manufacturer" and len(result.contracts) == 1
    assert result.parts_pct == 100 and result.response_hours == 3


def test_an_invalid_device_is_not_serviceable():
    dev = device(status=Device.Status.INVALID, invalid_reason="已报废", warranty_end=datetime.date(2027, 1, 1))
    cover(dev)
    result = coverage_for(dev, at=DAY)
    assert not result.serviceable and result.warranty_kind == "out" and result.contracts == []
    assert "已报废" in result.reasons[0]


def test_it_costs_the_same_few_queries_however_many_contracts_apply():
    def queries(dev):
        dev = Device.objects.get(pk=dev.pk)
        with CaptureQueriesContext(connection) as ctx:
            coverage_for(dev, at=DAY)
        return len(ctx.captured_queries)

    one, many = device(), device()
    cover(one)
    for _ in range(6):
        cover(many, kind=Contract.Kind.OUTSOURCING, provider=OutletFactory())
    assert queries(one) == queries(many) <= 2


# -- properties over random warranties and contract periods ---------------------------------------------------
offsets = st.integers(min_value=-400, max_value=400)
pcts = st.decimals(min_value=0, max_value=100, places=2)
contract_specs = st.lists(st.fixed_dictionaries({
    "kind": st.sampled_from(Contract.Kind.values), "status": st.sampled_from(Contract.Status.values),
    "start": offsets, "length": st.integers(min_value=0, max_value=500),
    "link_start": st.none() | offsets, "link_end": st.none() | offsets,
    "parts": pcts, "labour": pcts, "travel": pcts,
    "response": st.none() | st.integers(min_value=1, max_value=72),
}), max_size=3)


def _d(offset):
    return DAY + datetime.timedelta(days=offset)


def _maybe(offset):
    return None if offset is None else _d(offset)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(warranty_kind=st.sampled_from(Device.WarrantyKind.values), w_start=offsets, w_length=st.integers(0, 800),
       specs=contract_specs, moment=offsets)
def test_coverage_properties(db, warranty_kind, w_start, w_length, specs, moment):
    with transaction.atomic():
        dev = device(warranty_kind=warranty_kind, warranty_start=_d(w_start), warranty_end=_d(w_start + w_length))
        outlet = OutletFactory()
        for spec in specs:
            cover(dev, kind=spec["kind"], status=spec["status"], start=_d(spec["start"]),
                  end=_d(spec["start"] + spec["length"]), link_start=_maybe(spec["link_start"]),
                  link_end=_maybe(spec["link_end"]), parts_pct=spec["parts"],
                  labour_pct=spec["labour"], travel_pct=spec["travel"], response_hours=spec["response"],
                  provider=outlet if spec["kind"] == Contract.Kind.OUTSOURCING else None)
        day = _d(moment)
        result = coverage_for(dev, at=day)

        own = dev.warranty_start <= day <= dev.warranty_end
        granting = [c for c in result.contracts if c.kind in Contract.WARRANTY_KINDS]
        # Never both out of warranty and covered by an active warranty-granting contract.
        assert not (result.warranty_kind == "out" and granting)
        assert all(c.status == Contract.Status.ACTIVE and c.start_date <= day <= c.end_date for c in result.contracts)
        # Outside every contract period only the device's own warranty counts.
        if not any(s["status"] == "active" and s["start"] <= moment <= s["start"] + s["length"] for s in specs):
            expected = "out"
            if own and warranty_kind == "manufacturer":
                expected = "manufacturer"
            elif own and warranty_kind == "repair":
                expected = "repair"
            assert result.warranty_kind == expected
        for value in (result.parts_pct, result.labour_pct, result.travel_pct):
            assert 0 <= value <= 100
        if result.warranty_kind == "out":
            assert (result.parts_pct, result.labour_pct, result.travel_pct) == (0, 0, 0)
        assert result.response_hours and result.onsite_hours and result.repair_hours
        assert result.reasons
        transaction.set_rollback(True)
