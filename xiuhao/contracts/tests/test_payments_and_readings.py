"""Covered devices, the payment plan 收款计划 and rental counter readings 抄表."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiuhao.assets.models import Device
from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts import services
from xiuhao.contracts.models import Contract, ContractDevice, CounterReading, PaymentPlan
from xiuhao.core.errors import Conflict, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.customers.tests.factories import CustomerFactory

from .factories import ContractDeviceFactory, ContractFactory, PaymentPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(clerk):
    return ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch)


# -- covered devices ----------------------------------------------------------------------------------------
def test_a_device_of_the_customer_is_covered_once(clerk, contract):
    dev = DeviceFactory(customer=contract.customer)
    services.contract_device_add(actor=clerk, data={"contract": contract, "device": dev})
    with pytest.raises(ValidationFailed):
        services.contract_device_add(actor=clerk, data={"contract": contract, "device": dev})
    assert ContractDevice.objects.filter(contract=contract).count() == 1


def test_another_customers_device_or_an_invalid_one_is_refused(clerk, contract, english):
    with pytest.raises(ValidationFailed) as caught:
        services.contract_device_add(actor=clerk, data={"contract": contract,
                                                        "device": DeviceFactory(customer=CustomerFactory(branch=clerk.branch))})
    assert "does not belong to the contract's customer" in caught.value.fields["device"][0]
    invalid = DeviceFactory(customer=contract.customer, status=Device.Status.INVALID)
    with pytest.raises(ValidationFailed) as caught:
        services.contract_device_add(actor=clerk, data={"contract": contract, "device": invalid})
    assert "is invalid" in caught.value.fields["device"][0]
    assert not ContractDevice.objects.exists()


def test_the_covered_period_lies_within_the_contract(clerk, contract):
    dev = DeviceFactory(customer=contract.customer)
    with pytest.raises(ValidationFailed):
        services.contract_device_add(actor=clerk, data={"contract": contract, "device": dev,
                                                        "end_date": contract.end_date + datetime.timedelta(days=1)})


# -- payment plan ----------------------------------------------------------------------------------------------
def test_recording_payments_moves_the_instalment_to_partly_paid_then_paid(clerk, contract):
    plan = PaymentPlanFactory(contract=contract, amount=Decimal("6000.00"))
    plan = services.payment_record(actor=clerk, plan=plan, amount=Decimal("2000.50"), paid_on=datetime.date(2026, 4, 1))
    assert (plan.paid_amount, plan.status) == (Decimal("2000.50"), PaymentPlan.Status.PARTLY_PAID)
    plan = services.payment_record(actor=clerk, plan=plan, amount=Decimal("3999.50"), paid_on=datetime.date(2026, 4, 9))
    assert (plan.paid_amount, plan.status, plan.paid_on) == (Decimal("6000.00"), "paid", datetime.date(2026, 4, 9))
    assert AuditEvent.objects.filter(verb="payment", object_id=str(plan.pk)).count() == 2


def test_an_instalment_is_never_overpaid(clerk, contract, english):
    plan = PaymentPlanFactory(contract=contract, amount=Decimal("1000.00"))
    with pytest.raises(ValidationFailed) as caught:
        services.payment_record(actor=clerk, plan=plan, amount=Decimal("1000.01"), paid_on=datetime.date(2026, 4, 1))
    assert caught.value.fields["amount"] == ["Only 1000.00 of this instalment is still open."]
    plan.refresh_from_db()
    assert plan.paid_amount == 0


def test_a_second_clerk_entering_the_same_receipt_is_told_to_reload(clerk, contract):
    plan = PaymentPlanFactory(contract=contract, amount=Decimal("6000.00"))
    seen = plan.paid_amount  # both clerks opened the form showing 0 received
    services.payment_record(actor=clerk, plan=plan, amount=Decimal("3000"), paid_on=datetime.date(2026, 4, 1),
                            expected_paid=seen)
    with pytest.raises(Conflict):
        services.payment_record(actor=clerk, plan=plan, amount=Decimal("3000"), paid_on=datetime.date(2026, 4, 1),
                                expected_paid=seen)
    plan.refresh_from_db()
    assert plan.paid_amount == Decimal("3000")


def test_the_database_refuses_an_overpaid_instalment_too(contract):
    from django.db import IntegrityError, transaction

    plan = PaymentPlanFactory(contract=contract, amount=Decimal("100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentPlan.objects.filter(pk=plan.pk).update(paid_amount=Decimal("100.01"))


def test_an_instalment_with_money_received_cannot_be_deleted(clerk, contract):
    plan = PaymentPlanFactory(contract=contract)
    services.payment_record(actor=clerk, plan=plan, amount=Decimal("1"), paid_on=datetime.date(2026, 4, 1))
    with pytest.raises(Conflict):
        services.payment_plan_delete(actor=clerk, obj=plan)


# -- counter readings -------------------------------------------------------------------------------------------
@pytest.fixture
def rental(clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch,
                               kind=Contract.Kind.RENTAL, monthly_quota=1000, excess_price=Decimal("0.0500"))
    link = ContractDeviceFactory(contract=contract)
    return contract, link.device


def read(clerk, contract, dev, day, value):
    return services.counter_reading_create(actor=clerk, data={"contract": contract, "device": dev,
                                                              "read_on": day, "value": value})


def test_usage_over_the_monthly_quota_is_charged_at_the_excess_price(clerk, rental):
    contract, dev = rental
    first = read(clerk, contract, dev, datetime.date(2026, 1, 31), 50_000)
    assert (first.usage, first.excess, first.excess_amount) == (0, 0, Decimal("0"))
    second = read(clerk, contract, dev, datetime.date(2026, 2, 28), 51_337)
    assert (second.usage, second.excess, second.excess_amount) == (1337, 337, Decimal("16.85"))


def test_a_counter_lower_than_the_previous_reading_is_refused(clerk, rental, english):
    contract, dev = rental
    read(clerk, contract, dev, datetime.date(2026, 1, 31), 50_000)
    with pytest.raises(ValidationFailed) as caught:
        read(clerk, contract, dev, datetime.date(2026, 2, 28), 49_999)
    assert caught.value.fields["value"] == [
        "The counter reads 49999, less than the previous reading 50000 of 2026-01-31."]
    assert CounterReading.objects.count() == 1


def test_readings_belong_to_rental_contracts_and_their_devices(clerk, rental, contract):
    rental_contract, _dev = rental
    with pytest.raises(ValidationFailed):
        read(clerk, rental_contract, DeviceFactory(customer=rental_contract.customer), datetime.date(2026, 1, 31), 5)
    link = ContractDeviceFactory(contract=contract)
    with pytest.raises(ValidationFailed):
        read(clerk, contract, link.device, datetime.date(2026, 1, 31), 5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=5),
       quota=st.integers(min_value=0, max_value=10**6),
       price=st.decimals(min_value=0, max_value=10, places=4))
def test_reading_arithmetic(clerk, values, quota, price):
    """usage = value − previous; excess = usage over quota; charge = excess × price to the cent;
    any lower value is refused and changes nothing."""
    from django.db import transaction

    with transaction.atomic():
        contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch,
                                   kind=Contract.Kind.RENTAL, monthly_quota=quota, excess_price=price)
        dev = ContractDeviceFactory(contract=contract).device
        previous = None
        for month, value in enumerate(values, start=1):
            day = datetime.date(2026, 1, 1) + datetime.timedelta(days=31 * month)
            if previous is not None and value < previous:
                with pytest.raises(ValidationFailed):
                    read(clerk, contract, dev, day, value)
                continue
            reading = read(clerk, contract, dev, day, value)
            usage = value - previous if previous is not None else 0
            excess = max(0, usage - quota)
            assert (reading.usage, reading.excess) == (usage, excess)
            assert reading.excess_amount == (Decimal(excess) * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert isinstance(reading.excess_amount, Decimal)
            previous = value
        transaction.set_rollback(True)
