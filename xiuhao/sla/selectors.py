"""Reads of the SLA: what a clock has left (for tasks, lists and badges) and the clocks a user may see."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SlaAlert, SlaClock
from .services import used_at, work_calendar


@dataclass
class Remaining:
    status: str  # the clock's status (running, paused, met, breached, cancelled)
    state: str  # "on_time" | "warning" | "overdue"
    remaining: datetime.timedelta  # business time left; negative when overdue
    used: datetime.timedelta
    target: datetime.timedelta
    percent: int  # of the target used (may pass 100)
    due_at: datetime.datetime | None

    @property
    def minutes(self) -> int:
        """Whole business minutes left (rounded towards zero; negative when overdue)."""
        return int(self.remaining / datetime.timedelta(minutes=1))

    @property
    def is_open(self):
        return self.status in SlaClock.OPEN

    @property
    def label(self) -> str:
        """"3 h 20 min left" / "1 h 5 min overdue" in business time."""
        minutes = abs(self.minutes)
        hours, mins = divmod(minutes, 60)
        span = (_("%(h)s h %(m)s min") % {"h": hours, "m": mins}) if hours else (_("%(m)s min") % {"m": mins})
        if self.remaining < datetime.timedelta(0):
            return _("%(span)s overdue") % {"span": span}
        return _("%(span)s left") % {"span": span}


def remaining(clock: SlaClock, now=None) -> Remaining:
    """Business time left on `clock` at `now`, the percent of the target used and its state:
    on time until the first warning, warning until the target, overdue after it."""
    now = now or timezone.now()
    used = used_at(clock, now, work_calendar(clock.calendar))
    target = datetime.timedelta(minutes=clock.target_minutes)
    warn_at = next((seconds for level, seconds in clock.plan if level == SlaAlert.Level.WARN_1), None)
    if used >= target:
        state = "overdue"
    elif warn_at is not None and used >= datetime.timedelta(seconds=warn_at):
        state = "warning"
    else:
        state = "on_time"
    return Remaining(status=clock.status, state=state, remaining=target - used, used=used, target=target,
                     percent=int(used * 100 // target), due_at=clock.due_at)


def clock_list(*, user, status=None, kind=None):
    qs = (SlaClock.objects.restrict(user, "view").select_related("calendar", "owner", "branch")
          .prefetch_related("calendar__periods", "calendar__holidays"))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def clocks_of(target, *, user=None):
    """The clocks timing `target` (a request, a task), for its page."""
    from .services import clocks_for

    qs = clocks_for(target).select_related("calendar").prefetch_related("calendar__periods", "calendar__holidays")
    return qs.visible_to(user) if user is not None else qs


def clocks_of_tasks(tasks) -> dict:
    """{task pk: [open clocks]} — the open clocks timing each task or the record it is about (a
    service request's response clock shows on its tasks), soonest due first. One query for a page
    of tasks."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from xiuhao.tasks.models import Task

    task_ct = ContentType.objects.get_for_model(Task)
    wanted = {}
    for t in tasks:
        wanted.setdefault((task_ct.pk, str(t.pk)), []).append(t.pk)
        if t.content_type_id and t.object_id:
            wanted.setdefault((t.content_type_id, t.object_id), []).append(t.pk)
    if not wanted:
        return {}
    by_type = {}
    for ct_id, object_id in wanted:
        by_type.setdefault(ct_id, []).append(object_id)
    q = Q()
    for ct_id, ids in by_type.items():
        q |= Q(content_type_id=ct_id, object_id__in=ids)
    clocks = (SlaClock.objects.filter(q, status__in=SlaClock.OPEN).select_related("calendar")
              .prefetch_related("calendar__periods", "calendar__holidays").order_by("due_at"))
    found = {}
    for clock in clocks:
        for pk in wanted.get((clock.content_type_id, clock.object_id), []):
            found.setdefault(pk, []).append(clock)
    return found


def task_marks(tasks) -> dict:
    """The SLA's marks on tasks (tasks.hooks): each open clock as its badge, and on the phone its
    kind and due time."""
    from xiuhao.tasks.hooks import Mark

    return {pk: [Mark(name="sla", label=clock.get_kind_display(), at=clock.due_at,
                      template="sla/includes/task_mark.html", object=clock) for clock in clocks]
            for pk, clocks in clocks_of_tasks(tasks).items()}
