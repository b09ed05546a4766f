"""Warnings at 50/80/100 % and escalation along the chain assignee → manager → branch head:
each level exactly once per clock — run twice, by racing workers, or after hours of downtime."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection

from xiuhao.sla import services
from xiuhao.sla.jobs import sla_alerts
from xiuhao.sla.models import SlaAlert, SlaClock

from .conftest import at

ALL = ["warn_1", "warn_2", "breach", "escalate_1", "escalate_2", "escalate_3"]


def start(calendar, owner, now, minutes=240):
    return services.clock_start(actor=None, target=owner, kind="response", minutes=minutes, calendar=calendar,
                                owner=owner, now=now)


def levels(clock):
    return list(SlaAlert.objects.filter(clock=clock).order_by("pk").values_list("level", flat=True))


def test_warnings_come_at_50_and_80_percent_and_the_breach_at_100(calendar, chain):
    engineer, _leader, _head = chain
    clock = start(calendar, engineer, at(2026, 5, 6, 9, 0))  # 240 min: 50 % at 11:00, 80 % at 13:42, due 14:30
    assert services.alerts_send(now=at(2026, 5, 6, 10, 59)) == 0
    assert services.alerts_send(now=at(2026, 5, 6, 11, 0)) == 1
    assert levels(clock) == ["warn_1"]
    assert services.alerts_send(now=at(2026, 5, 6, 14, 0)) == 1  # 80 % = 192 min → 13:42
    assert services.alerts_send(now=at(2026, 5, 6, 14, 30)) == 1
    assert levels(clock) == ["warn_1", "warn_2", "breach"]
    alert = SlaAlert.objects.get(clock=clock, level="breach")
    assert (alert.recipient, alert.percent) == (engineer, 100)


def test_running_the_job_again_sends_nothing_twice(calendar, chain):
    clock = start(calendar, chain[0], at(2026, 5, 6, 9, 0))
    now = at(2026, 5, 6, 14, 0)
    assert services.alerts_send(now=now) == 2
    assert services.alerts_send(now=now) == 0
    assert services.alerts_send(now=now + datetime.timedelta(minutes=5)) == 0
    assert levels(clock) == ["warn_1", "warn_2"]


def test_after_hours_of_downtime_every_level_due_fires_once_in_order_along_the_chain(
        calendar, chain, django_capture_on_commit_callbacks):
    engineer, leader, head = chain
    clock = start(calendar, engineer, at(2026, 5, 6, 9, 0))  # due 14:30; escalations 30/120/480 min overdue
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.alerts_send(now=at(2026, 5, 8, 9, 0))  # the runner was down for two days
    assert sent == 6 and levels(clock) == ALL
    recipients = dict(SlaAlert.objects.filter(clock=clock).values_list("level", "recipient"))
    assert recipients == {"warn_1": engineer.pk, "warn_2": engineer.pk, "breach": engineer.pk,
                          "escalate_1": engineer.pk, "escalate_2": leader.pk, "escalate_3": head.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["engineer@example.com"] * 4 + ["leader@example.com",
                                                                                            "head@example.com"])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alerts_send(now=at(2026, 5, 9, 9, 0)) == 0
    assert len(mail.outbox) == 6
    assert SlaClock.objects.get(pk=clock.pk).next_alert_at is None


def test_downtime_fires_only_the_levels_due_by_then(calendar, chain):
    clock = start(calendar, chain[0], at(2026, 5, 6, 9, 0))
    assert services.alerts_send(now=at(2026, 5, 6, 16, 0)) == 4  # 90 min overdue: escalation 1 (30) but not 2 (120)
    assert levels(clock) == ["warn_1", "warn_2", "breach", "escalate_1"]
    assert services.alerts_send(now=at(2026, 5, 7, 9, 0)) == 1  # 120 min overdue at 08:30+30: manager
    assert levels(clock)[-1] == "escalate_2"


def test_a_paused_or_stopped_clock_is_not_escalated(calendar, chain):
    paused = start(calendar, chain[0], at(2026, 5, 6, 9, 0))
    services.clock_pause(actor=None, clock=paused, reason="waiting_parts", now=at(2026, 5, 6, 10, 0))
    stopped = services.clock_start(actor=None, target=chain[1], kind="response", minutes=60, calendar=calendar,
                                   owner=chain[0], now=at(2026, 5, 6, 9, 0))
    services.clock_stop(actor=None, clock=stopped, now=at(2026, 5, 6, 9, 20))
    assert services.alerts_send(now=at(2026, 5, 20, 9, 0)) == 0
    services.clock_resume(actor=None, clock=paused, now=at(2026, 5, 7, 8, 30))  # 60 min used; 50 % at 120 min
    assert services.alerts_send(now=at(2026, 5, 7, 9, 29)) == 0
    assert services.alerts_send(now=at(2026, 5, 7, 9, 30)) == 1
    assert levels(paused) == ["warn_1"]


def test_a_missing_link_of_the_chain_is_recorded_without_a_notice(calendar, branch, django_capture_on_commit_callbacks):
    from xiuhao.org.tests.factories import UserFactory

    loner = UserFactory(branch=branch, email="loner@example.com")  # no department, no branch head
    clock = start(calendar, loner, at(2026, 5, 6, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_send(now=at(2026, 5, 8, 9, 0))
    assert levels(clock) == ALL
    assert SlaAlert.objects.filter(clock=clock, recipient__isnull=True).count() == 2
    assert len(mail.outbox) == 4


def test_the_periodic_job_is_registered_every_minute():
    from xiuhao.core.jobs import PERIODIC_JOBS

    assert PERIODIC_JOBS["sla-alerts"]["schedule"] == {"minute": "*"}
    assert callable(sla_alerts)


@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_the_same_clocks_send_each_level_once(transactional_db):
    from xiuhao.org.tests.factories import BranchFactory, UserFactory

    from .factories import office_calendar

    branch = BranchFactory()
    calendar = office_calendar(code="race", branch=branch)
    owners = [UserFactory(branch=branch) for _ in range(5)]
    clocks = [start(calendar, owner, at(2026, 5, 6, 9, 0)) for owner in owners]
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        barrier.wait()
        try:
            results.append(services.alerts_send(now=at(2026, 5, 8, 9, 0)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 6 * len(clocks)
    for clock in clocks:
        assert sorted(levels(clock)) == sorted(ALL)
