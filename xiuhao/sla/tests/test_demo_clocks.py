"""The demo SLA clocks: on the demo tasks, in every state (on time, warning, overdue, paused waiting
for parts, met), their warnings and escalations sent once; 我的任务 shows them; a second load adds
nothing."""

import datetime

import pytest
from django.utils import timezone

from xiuhao.core.models import AuditEvent
from xiuhao.core.registry import registry
from xiuhao.org.management.commands.load_demo import load_all
from xiuhao.org.models import User
from xiuhao.sla import demo_clocks, services
from xiuhao.sla.models import SlaAlert, SlaClock, SlaPause
from xiuhao.sla.selectors import remaining
from xiuhao.tasks import selectors as task_selectors
from xiuhao.tasks.models import Message

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_demo_clocks_come_in_every_state_and_a_second_load_adds_nothing(django_capture_on_commit_callbacks):
    order = [step.name for step in registry.demo_order()]
    assert order.index("sla_clocks") > order.index("tasks")
    with django_capture_on_commit_callbacks(execute=True):  # the alerts' notices after the commit
        load_all()
    now = timezone.now()
    clocks = list(SlaClock.objects.select_related("calendar", "owner", "policy"))
    assert len(clocks) == len(demo_clocks.CLOCKS)
    states = {(c.status, remaining(c, now).state if c.is_open else None) for c in clocks}
    assert {("running", "on_time"), ("running", "warning"), ("running", "overdue"), ("met", None)} <= states
    assert any(status == "paused" for status, _state in states)
    assert all(c.policy_id and c.calendar_id and c.calendar.branch_id == c.owner.branch_id for c in clocks)
    assert all(str(c.target.pk) == c.object_id and c.target.assignee == c.owner for c in clocks)

    paused = SlaClock.objects.get(status="paused")
    pause = paused.pauses.get()
    assert pause.reason == SlaPause.Reason.WAITING_PARTS and pause.ended_at is None
    assert pause.actor == paused.owner and paused.paused_at < now

    # the alert job ran once: warnings and escalations that came due, to the chain, each once
    alerts = set(SlaAlert.objects.values_list("clock__target_label", "level"))
    assert ("回访深圳市人民医院 CT 室", "warn_1") in alerts and ("回访深圳市人民医院 CT 室", "warn_2") not in alerts
    complaint = {level for label, level in alerts if label == "跟进宝安区客户投诉"}
    assert complaint == {"warn_1", "warn_2", "breach", "escalate_1", "escalate_2"}
    assert not SlaAlert.objects.filter(clock__status__in=["paused", "met"]).exists()
    assert services.alerts_send(now=now) == 0
    engineer = User.objects.get(username="engineer")
    assert Message.objects.filter(recipient=engineer, kind="sla_alert").exists()

    # 我的任务: the engineer's open tasks carry their clocks
    mine = task_selectors.attach_marks(task_selectors.my_open_tasks(engineer))
    shown = {m.object.status for t in mine for m in t.marks if m.name == "sla"}
    assert shown == {"running", "paused"}
    assert sum(len(t.marks) for t in mine) >= 3

    counts = (SlaClock.objects.count(), SlaPause.objects.count(), SlaAlert.objects.count(), AuditEvent.objects.count(),
              Message.objects.count())
    assert demo_clocks.load().total == 0
    assert load_all() == {}
    assert (SlaClock.objects.count(), SlaPause.objects.count(), SlaAlert.objects.count(), AuditEvent.objects.count(),
            Message.objects.count()) == counts


@pytest.mark.parametrize("end", [
    at(2026, 12, 2, 12, 55),  # the lunch break: the count ends at 12:00
    at(2026, 12, 6, 10, 0),  # a Sunday
    at(2026, 10, 8, 9, 30),  # after National Day
    at(2026, 12, 2, 8, 0),  # the opening minute
])
def test_business_ago_goes_back_in_working_time(calendar, end):
    cal = services.work_calendar(calendar)
    for minutes in (1, 59, 180, 600, 16 * 60, 75 * 60):
        start = demo_clocks.business_ago(cal, end, minutes)
        assert cal.business_time_between(start, end) == datetime.timedelta(minutes=minutes)
        assert start.second == 0 and start.microsecond == 0
        assert cal.business_time_between(start + datetime.timedelta(minutes=1), end) < datetime.timedelta(
            minutes=minutes)
