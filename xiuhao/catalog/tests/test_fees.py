"""Fee standards 收费标准: mileage bands, formula checked on save, the fee quote, and which
standard applies."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from xiuhao.catalog import selectors, services
from xiuhao.catalog.models import FeeStandard, MileageBand
from xiuhao.core.errors import ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.org.tests.factories import BranchFactory, user_with

from .factories import FeeStandardFactory, MileageBandFactory, ProductCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance():
    return user_with("catalog.view_feestandard", "catalog.add_feestandard", "catalog.change_feestandard",
                     "catalog.add_mileageband", "catalog.change_mileageband", data_scope="branch",
                     branch=BranchFactory())


def band(standard, start, end, fixed="0", per_km="0"):
    return MileageBandFactory(fee_standard=standard, from_km=Decimal(start), to_km=Decimal(end) if end else None,
                              fixed_fee=Decimal(fixed), per_km=Decimal(per_km))


def test_the_quote_adds_door_labour_mileage_and_formula_lines_rounded_half_up():
    standard = FeeStandardFactory(door_fee=Decimal("150.00"), labour_per_hour=Decimal("120.00"),
                                  formula='round(base * 0.1, 2) if tier == "standard" else 0')
    band(standard, "0", "30")
    band(standard, "30", "100", per_km="3.00")
    band(standard, "100", None, fixed="210.00", per_km="2.00")

    quote = services.fee_quote(standard, hours=Decimal("2.5"), km=Decimal("45.5"))

    assert quote.amount("door") == Decimal("150.00")
    assert quote.amount("labour") == Decimal("300.00")
    assert quote.amount("mileage") == Decimal("46.50")  # 0 + 3 × (45.5 − 30)
    assert quote.amount("custom") == Decimal("49.65")  # 10 % of 496.50
    assert quote.total == Decimal("546.15")
    gold = services.fee_quote(standard, hours=Decimal("2.5"), km=Decimal("45.5"), tier="gold")
    assert gold.amount("custom") == Decimal("0.00") and gold.total == Decimal("496.50")


def test_the_open_last_band_and_visits_multiply_the_per_visit_lines():
    standard = FeeStandardFactory(door_fee=Decimal("100.00"), labour_per_hour=Decimal("0.00"))
    band(standard, "0", "100")
    band(standard, "100", None, fixed="210.00", per_km="2.00")
    quote = services.fee_quote(standard, hours=0, km=Decimal("150"), visits=2)
    assert quote.amount("door") == Decimal("200.00")
    assert quote.amount("mileage") == Decimal("620.00")  # 2 × (210 + 2 × 50)
    assert [line.key for line in quote.lines] == ["door", "labour", "mileage"]


def test_half_a_cent_rounds_up():
    standard = FeeStandardFactory(door_fee=Decimal("0"), labour_per_hour=Decimal("0.01"))
    assert services.fee_quote(standard, hours=Decimal("0.5"), km=0).total == Decimal("0.01")


def test_a_distance_in_a_gap_between_bands_is_an_error():
    standard = FeeStandardFactory()
    band(standard, "0", "10")
    band(standard, "20", None, per_km="1")
    with pytest.raises(ValidationFailed) as exc:
        services.fee_quote(standard, hours=1, km=Decimal("15"))
    assert "km" in exc.value.fields


@pytest.mark.parametrize("bad", [{"hours": "-1"}, {"km": "abc"}, {"visits": 0}, {"visits": "1.5"}])
def test_bad_quote_input_is_a_validation_error(bad):
    standard = FeeStandardFactory()
    kwargs = {"hours": "1", "km": "0", **bad}
    with pytest.raises(ValidationFailed):
        services.fee_quote(standard, **kwargs)


def test_overlapping_mileage_bands_are_refused(finance):
    standard = FeeStandardFactory()
    band(standard, "0", "30")
    band(standard, "50", None)
    for start, end in (("20", "40"), ("10", "20"), ("40", "60"), ("60", None)):
        with pytest.raises(ValidationFailed):
            services.mileage_band_create(actor=finance, data={
                "fee_standard": standard, "from_km": Decimal(start), "to_km": Decimal(end) if end else None,
                "fixed_fee": Decimal("0"), "per_km": Decimal("1")})
    assert services.mileage_band_create(actor=finance, data={
        "fee_standard": standard, "from_km": Decimal("30"), "to_km": Decimal("50"),
        "fixed_fee": Decimal("0"), "per_km": Decimal("1")}).pk
    assert MileageBand.objects.filter(fee_standard=standard).count() == 3


def test_a_bad_formula_is_refused_in_chinese_and_nothing_is_saved(finance):
    events = AuditEvent.objects.count()
    with translation.override("zh-hans"):
        with pytest.raises(ValidationFailed) as exc:
            services.fee_standard_create(actor=finance, data={
                "code": "BAD", "name": "坏公式", "door_fee": Decimal("1"), "labour_per_hour": Decimal("1"),
                "formula": "base * rate", "status": "active"})
        message = str(exc.value.fields["formula"][0])
    assert "rate" in message and "未知" in message
    assert not FeeStandard.objects.filter(code="BAD").exists()
    assert AuditEvent.objects.count() == events


def test_a_fee_standard_is_company_wide_unless_a_branch_is_chosen(finance):
    standard = services.fee_standard_create(actor=finance, data={
        "code": "GEN", "name": "通用", "door_fee": Decimal("1"), "labour_per_hour": Decimal("1"), "status": "active"})
    assert finance.branch_id and standard.branch_id is None


def test_the_most_specific_valid_standard_applies():
    branch, other_branch = BranchFactory(), BranchFactory()
    parent = ProductCategoryFactory()
    child = ProductCategoryFactory(parent=parent)
    general = FeeStandardFactory(code="GEN")
    by_branch = FeeStandardFactory(code="BR", branch=branch)
    by_parent = FeeStandardFactory(code="PARENT", category=parent)
    by_child = FeeStandardFactory(code="CHILD", category=child)
    by_child_branch = FeeStandardFactory(code="CHILD-BR", category=child, branch=branch)
    FeeStandardFactory(code="EXPIRED", category=child, branch=branch, valid_to=date(2020, 1, 1))
    FeeStandardFactory(code="INACTIVE", category=child, branch=branch, status="inactive")

    on = date(2026, 6, 1)
    assert selectors.fee_standard_for(child, branch, on=on) == by_child_branch
    assert selectors.fee_standard_for(child, other_branch, on=on) == by_child
    assert selectors.fee_standard_for(parent, branch, on=on) == by_parent
    assert selectors.fee_standard_for(None, branch, on=on) == by_branch
    assert selectors.fee_standard_for(None, other_branch, on=on) == general
    assert selectors.fee_standard_for(ProductCategoryFactory(), None, on=on) == general
    future = FeeStandardFactory(code="NEXT-YEAR", valid_from=date(2027, 1, 1))
    assert selectors.fee_standard_for(None, None, on=date(2027, 2, 1)) == future
    assert selectors.fee_standard_for(None, None, on=on) == general
