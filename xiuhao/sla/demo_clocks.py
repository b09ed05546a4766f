"""Demo SLA clocks (`manage.py load_demo`, after the SLA set-up and the demo tasks): clocks on a
handful of open demo tasks of the engineer, the dispatcher and a colleague, in every state — on
time, in warning, overdue and escalated, one paused waiting for parts, one met — so that 我的任务
shows remaining SLA time and the SLA clock and alert pages have content from the start.

Everything goes through the SLA services (`sla_targets` picks the demo policy and the branch's
calendar, `clock_start` / `clock_pause` / `clock_stop` with `now=` in the past), so the clocks have
their audit trail; then the alert job runs once, which sends the warnings and escalations that
have come due (each level once, as the periodic job would).

The start times are chosen backwards in **working time** of the clock's calendar: "3 hours used"
means three working hours before now, whatever the hour, weekday or holiday the demo is loaded.

Idempotent: when any demo task has a clock already, nothing is written (not even an alert)."""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from xiuhao.core import context
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result
from xiuhao.org.models import User

from . import services
from .models import ClockKind, SlaClock, SlaPause

H = 60  # minutes


@dataclass
class DemoClock:
    """A clock of `kind` on the open demo task `title` of `assignee`, `used` working minutes ago.

    `pause` = (reason, note, working minutes after the start): paused then, still paused now.
    `stop` = working minutes after the start when the timed thing happened (→ met or breached)."""

    assignee: str
    title: str
    kind: str
    used: int
    targets: dict = field(default_factory=dict)
    pause: tuple | None = None
    stop: int | None = None


CLOCKS = [
    # on time: 6 of 72 working hours used
    DemoClock("engineer", "整理南山区巡检报告", ClockKind.RESOLUTION, 6 * H),
    # warning: 3 of 4 hours (silver customer's response), the first warning sent
    DemoClock("engineer", "回访深圳市人民医院 CT 室", ClockKind.RESPONSE, 3 * H, {"customer_tier": "silver"}),
    # an urgent repair: on site within the target (met), the repair waits for the probe (paused)
    DemoClock("engineer", "确认福田区超声探头到货", ClockKind.ARRIVAL, 16 * H,
              {"request_type": "repair", "priority": "urgent"}, stop=5 * H),
    DemoClock("engineer", "确认福田区超声探头到货", ClockKind.RESOLUTION, 16 * H,
              {"request_type": "repair", "priority": "urgent"},
              pause=(SlaPause.Reason.WAITING_PARTS, "等待超声探头到货，型号待确认", 10 * H)),
    # on time: the dispatcher's own
    DemoClock("dispatcher", "审核本周工程师排班", ClockKind.RESPONSE, 1 * H),
    # overdue by 90 minutes: a complaint, escalated to the assignee and the manager
    DemoClock("dispatcher", "跟进宝安区客户投诉", ClockKind.RESPONSE, 3 * H + 30, {"request_type": "complaint"}),
    # overdue by 3 hours: a gold customer's 24 hours, breach, escalated to the assignee and the department leader
    DemoClock("chenhao", "龙岗区实验室设备年检", ClockKind.RESOLUTION, 27 * H, {"customer_tier": "gold"}),
]


def business_ago(cal, end, minutes):
    """The latest whole minute from which `minutes` working minutes have passed by `end` on the
    work calendar `cal` (the opening of a working period when that is where the count begins)."""
    amount = datetime.timedelta(minutes=minutes)
    end = end.replace(second=0, microsecond=0)
    span = max(amount, datetime.timedelta(hours=1))
    while cal.business_time_between(end - span, end) < amount:
        span *= 2
        if span > datetime.timedelta(days=800):
            raise ValueError("the calendar has no working time to go back over")
    lo, hi = 0, int(span / datetime.timedelta(minutes=1))  # minutes back: enough at hi, (maybe) not at lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cal.business_time_between(end - datetime.timedelta(minutes=mid), end) >= amount:
            hi = mid
        else:
            lo = mid
    return end - datetime.timedelta(minutes=hi)


class _Loader:
    def __init__(self):
        self.result = Result()
        self.now = timezone.now()
        self.users = User.objects.select_related("branch", "department").in_bulk(
            {c.assignee for c in CLOCKS}, field_name="username")

    def tasks(self):
        from xiuhao.tasks.models import Task

        return {(t.assignee_id, t.title): t for t in Task.objects.filter(
            data__demo=True, status=Task.Status.OPEN, title__in={c.title for c in CLOCKS})}

    def run(self):
        from xiuhao.tasks.models import Task

        demo_tasks = Task.objects.filter(data__demo=True).values_list("pk", flat=True)
        task_type = ContentType.objects.get_for_model(Task)
        if SlaClock.objects.filter(content_type=task_type, object_id__in=[str(pk) for pk in demo_tasks]).exists():
            return self.result
        tasks = self.tasks()
        for spec in CLOCKS:
            user = self.users.get(spec.assignee)
            task = tasks.get((user.pk, spec.title)) if user is not None else None
            if task is not None:
                self.clock(spec, task, user)
        if self.result.total:
            sent = services.alerts_send(now=self.now)
            if sent:
                self.result.created["SLA alerts"] = sent
        return self.result

    def clock(self, spec, task, user):
        targets = services.sla_targets(branch=user.branch, **spec.targets)
        cal = services.work_calendar(targets.calendar)
        start = business_ago(cal, self.now, spec.used)
        clock = services.clock_start(
            actor=None, target=task, kind=spec.kind, minutes=targets.minutes[spec.kind], calendar=targets.calendar,
            policy=targets.policy, owner=user, now=start, warn_pcts=targets.warn_pcts,
            escalate_after=targets.escalate_after, label=task.title)
        if spec.stop is not None:
            services.clock_stop(actor=user, clock=clock, now=cal.add_business(start, spec.stop))
        elif spec.pause is not None:
            reason, note, after = spec.pause
            services.clock_pause(actor=user, clock=clock, reason=reason, note=note,
                                 now=cal.add_business(start, after), check=False)
        self.result.count("SLA clocks")
        return clock


def load():
    """Start the demo SLA clocks (once); returns what was created."""
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _Loader().run()


registry.demo_step("sla_clocks", load, after=["sla", "tasks"])
