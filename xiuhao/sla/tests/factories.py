import datetime

from django.utils import timezone

from xiuhao.org.tests.factories import UserFactory
from xiuhao.sla import services
from xiuhao.sla.models import BusinessCalendar, Holiday, WorkingPeriod

T = datetime.time
MORNING, AFTERNOON = (T(8, 30), T(12)), (T(13, 30), T(17, 30))


def office_calendar(*, code="office", branch=None, is_default=False, saturday=True, holidays=()):
    """Mon–Fri 08:30–12:00 and 13:30–17:30, Saturday morning; `holidays`: [(date, weekday|None)]."""
    calendar = BusinessCalendar.objects.create(code=code, name=f"日历 {code}", branch=branch, is_default=is_default)
    rows = [WorkingPeriod(calendar=calendar, weekday=d, start_time=s, end_time=e)
            for d in range(6 if saturday else 5) for s, e in ([MORNING] if d == 5 else [MORNING, AFTERNOON])]
    WorkingPeriod.objects.bulk_create(rows)
    for day, like in holidays:
        Holiday.objects.create(calendar=calendar, date=day, name="假日" if like is None else "调休",
                               kind=Holiday.Kind.HOLIDAY if like is None else Holiday.Kind.WORKDAY,
                               works_as=like or 0)
    return calendar


def calendar_in(branch):
    """The branch's calendar (made once per branch)."""
    existing = BusinessCalendar.objects.filter(branch=branch).first()
    return existing or office_calendar(code=f"cal-{branch.pk}", branch=branch)


def clock_in(branch, outlet=None, *, minutes=240, now=None, kind="response", owner=None):
    """A running clock of `branch`, owned by a user of `outlet` (an outlet user) if given."""
    if owner is None:
        owner = (UserFactory(branch=branch, kind="outlet", outlet=outlet) if outlet is not None
                 else UserFactory(branch=branch))
    return services.clock_start(actor=None, target=owner, kind=kind, minutes=minutes, calendar=calendar_in(branch),
                                owner=owner, branch=branch, now=now or timezone.now())
