"""Expiry alerts: the account manager (else the branch head) hears of a contract's end 60, 30 and
7 days ahead — each alert once, the most urgent only after downtime."""

import datetime

import pytest
from django.core import mail
from django.db import transaction

from xiuhao.contracts.jobs import contract_alerts, send_contract_alerts
from xiuhao.contracts.models import Contract, ContractAlert
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import BranchFactory, UserFactory

from .factories import ContractFactory

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = datetime.date(2026, 11, 23)


def ending_in(days, **kwargs):
    branch = kwargs.pop("branch", None) or BranchFactory()
    kwargs.setdefault("owner", UserFactory(email="manager@example.com", branch=branch))
    return ContractFactory(customer=CustomerFactory(branch=branch), branch=branch, start_date=datetime.date(2026, 1, 1),
                           end_date=TODAY + datetime.timedelta(days=days), **kwargs)


def run(on=TODAY):
    with transaction.atomic():
        return send_contract_alerts(on=on)


def test_the_account_manager_is_alerted_once_when_the_end_comes_within_60_days():
    contract = ending_in(60)
    assert run() == 1
    assert run() == 0
    alert = ContractAlert.objects.get()
    assert (alert.contract, alert.days_before, alert.recipient) == (contract, 60, contract.owner)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["manager@example.com"]
    assert contract.code in mail.outbox[0].subject and f"/contracts/contract/{contract.pk}/" in mail.outbox[0].body


def test_each_threshold_alerts_once_as_the_end_approaches():
    contract = ending_in(61)
    sent_on = {}
    for offset in range(0, 62):
        day = TODAY + datetime.timedelta(days=offset)
        if run(on=day):
            sent_on[offset] = ContractAlert.objects.filter(contract=contract).latest("pk").days_before
    assert sent_on == {1: 60, 31: 30, 54: 7}
    assert len(mail.outbox) == 3


def test_after_downtime_only_the_most_urgent_alert_goes_out():
    ending_in(5)
    assert run() == 1
    assert list(ContractAlert.objects.values_list("days_before", flat=True)) == [7]
    assert len(mail.outbox) == 1


def test_without_an_account_manager_the_branch_head_is_alerted():
    branch = BranchFactory()
    branch.manager = UserFactory(email="head@example.com", branch=branch)
    branch.save()
    ending_in(30, branch=branch, owner=None)
    run()
    assert mail.outbox[0].to == ["head@example.com"]


def test_an_alert_already_claimed_by_another_run_sends_nothing():
    contract = ending_in(20)
    ContractAlert.objects.create(contract=contract, days_before=30, end_date=contract.end_date)
    assert run() == 0
    assert mail.outbox == []


def test_an_extension_arms_the_thresholds_again():
    contract = ending_in(7)
    run()
    Contract.objects.filter(pk=contract.pk).update(end_date=TODAY + datetime.timedelta(days=59))
    assert run() == 1
    assert sorted(ContractAlert.objects.values_list("days_before", flat=True)) == [7, 60]


def test_only_active_contracts_are_alerted():
    ending_in(10, status=Contract.Status.DRAFT)
    ending_in(10, status=Contract.Status.TERMINATED)
    assert run() == 0


def test_thresholds_come_from_the_settings(settings):
    settings.CONTRACT_ALERT_DAYS = [90]
    ending_in(80)
    run()
    assert list(ContractAlert.objects.values_list("days_before", flat=True)) == [90]


def test_the_periodic_job_runs_the_alerts():
    from django.utils import timezone

    branch = BranchFactory()
    ContractFactory(customer=CustomerFactory(branch=branch), branch=branch, owner=UserFactory(branch=branch),
                    start_date=datetime.date(2026, 1, 1), end_date=timezone.localdate() + datetime.timedelta(days=3))
    contract_alerts.call_local()
    assert ContractAlert.objects.count() == 1


def test_three_or_more_contracts_of_one_manager_make_one_digest_notice():
    from xiuhao.tasks.models import Message

    owner = UserFactory(email="busy@example.com")
    contracts = [ending_in(days, owner=owner) for days in (5, 20, 50)]
    ending_in(10)  # another manager: his own notice
    assert run() == 4
    mine = Message.objects.filter(recipient=owner)
    assert mine.count() == 1
    digest = mine.get()
    assert "3" in digest.subject and all(c.code in digest.body for c in contracts)
    assert digest.url.startswith("/contracts/contract/?")
    assert len(mail.outbox) == 2
    assert run() == 0 and Message.objects.filter(recipient=owner).count() == 1
