"""Two clerks acting on one contract at the same moment: the database picks exactly one winner
(a conditional UPDATE … WHERE status = …; on SQLite, BEGIN IMMEDIATE queues the second, which
then finds the move already made)."""

import datetime
from decimal import Decimal

import pytest

from xiuhao.contracts import services
from xiuhao.contracts.models import Contract, PaymentPlan
from xiuhao.core.errors import Conflict
from xiuhao.core.tests.races import at_once
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import BranchFactory, user_with

from .conftest import CLERK_PERMS, days
from .factories import ContractFactory, PaymentPlanFactory

THREADS = 4


def race(work):
    return at_once(work, THREADS, lambda exc: "conflict" if isinstance(exc, Conflict) else type(exc).__name__)


@pytest.fixture
def clerk(transactional_db):
    branch = BranchFactory()
    return user_with(*CLERK_PERMS, branch=branch)


@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_terminations_exactly_one_wins(clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch,
                               start_date=days(-100), end_date=days(100))
    outcomes = race(lambda i: services.contract_terminate(actor=clerk, contract=contract, reason=f"clerk {i}"))
    assert outcomes == ["conflict"] * (THREADS - 1) + ["ok"]
    change = contract.changes.get()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED and contract.terminated_reason == change.reason


@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_activations_exactly_one_is_recorded(clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch,
                               status=Contract.Status.DRAFT, start_date=days(-10), end_date=days(300))
    outcomes = race(lambda i: services.contract_activate(actor=clerk, contract=contract))
    assert outcomes == ["conflict"] * (THREADS - 1) + ["ok"]
    assert contract.changes.filter(kind="activate").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_renewals_create_one_successor(clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch,
                               start_date=days(-300), end_date=days(60))
    outcomes = race(lambda i: services.contract_renew(actor=clerk, contract=contract))
    assert outcomes == ["conflict"] * (THREADS - 1) + ["ok"]
    assert Contract.objects.filter(renewed_from=contract).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_receipt_entered_by_several_clerks_is_counted_once(clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch)
    plan = PaymentPlanFactory(contract=contract, amount=Decimal("6000.00"))
    outcomes = race(lambda i: services.payment_record(actor=clerk, plan=plan, amount=Decimal("2500.00"),
                                                      paid_on=datetime.date(2026, 4, 1), expected_paid=Decimal("0")))
    assert outcomes == ["conflict"] * (THREADS - 1) + ["ok"]
    assert PaymentPlan.objects.get(pk=plan.pk).paid_amount == Decimal("2500.00")


@pytest.mark.django_db(transaction=True)
def test_alert_jobs_running_at_once_send_each_alert_once(clerk):
    from django.core import mail

    from xiuhao.contracts.jobs import send_contract_alerts
    from xiuhao.contracts.models import ContractAlert

    clerk.email = "clerk@example.com"
    clerk.save()
    ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch, owner=clerk,
                    start_date=days(-300), end_date=days(20))
    outcomes = race(lambda i: send_contract_alerts())
    assert outcomes == ["ok"] * THREADS
    assert ContractAlert.objects.count() == 1
    assert len(mail.outbox) == 1
