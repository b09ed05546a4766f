"""The demo contracts: every kind and status over the demo customers, deterministic, idempotent."""

import datetime
from collections import Counter

import pytest
from django.db import models
from django.utils import timezone

from xiuhao.contracts import demo
from xiuhao.contracts.models import Contract, ContractChange, ContractDevice, CounterReading, PaymentPlan
from xiuhao.core.models import AuditEvent
from xiuhao.org.management.commands.load_demo import load_all

pytestmark = pytest.mark.django_db


def test_the_demo_has_contracts_of_every_kind_and_status_and_a_second_load_adds_nothing():
    load_all()
    kinds = Counter(Contract.objects.values_list("kind", flat=True))
    statuses = Counter(Contract.objects.values_list("status", flat=True))
    assert set(kinds) == set(Contract.Kind.values)
    assert kinds["outsourcing"] == 5 and kinds["rental"] == 10
    assert set(statuses) == set(Contract.Status.values)
    assert statuses["terminated"] == 1 and statuses["draft"] == 4
    assert Contract.objects.filter(renewed_from__isnull=False).count() == 1
    assert ContractChange.objects.filter(kind="extend").count() == 1
    assert set(PaymentPlan.objects.values_list("status", flat=True)) == set(PaymentPlan.Status.values)
    assert CounterReading.objects.filter(contract__kind="rental").values("device").distinct().count() >= 10
    assert ContractDevice.objects.filter(device__customer=models.F("contract__customer")).count() == \
        ContractDevice.objects.count() > 60
    soon = timezone.localdate() + datetime.timedelta(days=30)
    assert Contract.objects.filter(status="active", end_date__lte=soon).count() >= 5
    assert Contract.objects.filter(kind="outsourcing", provider__isnull=False).count() == 5
    counts = (Contract.objects.count(), PaymentPlan.objects.count(), AuditEvent.objects.count())

    assert demo.load().total == 0
    assert (Contract.objects.count(), PaymentPlan.objects.count(), AuditEvent.objects.count()) == counts


def test_the_demo_contracts_load_on_top_of_the_apps_they_build_on():
    from xiuhao.core.registry import registry

    steps = registry.demo_order()
    for step in steps[:[s.name for s in steps].index("contracts")]:  # what the contracts build on
        step.load()
    result = demo.load()
    assert result.created["contracts"] == 61
