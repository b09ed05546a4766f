"""Business-time arithmetic on a work calendar — pure Python, no database.

    cal = WorkCalendar(periods={0: [(time(8, 30), time(12)), (time(13, 30), time(17, 30))], ...},
                       exceptions={date(2026, 10, 1): None,          # a holiday: no work
                                   date(2026, 10, 10): 0})           # 调休: works like a Monday
    due = cal.add_business(start, 240)                  # 240 working minutes after `start`
    left = cal.business_minutes_between(now, due)       # negative once `due` has passed

Rules:
* A day's working periods are those of its weekday, unless the day is an exception: a holiday
  (no work) or a make-up working day 调休 (the periods of another weekday).
* Time is counted on the wall clock of the calendar's time zone (Asia/Shanghai has no DST), to
  the microsecond, with integers: adding then measuring gives back exactly what was added.
* `add` lands on the moment the work is done: 60 minutes from 11:00 with a break 12:00–13:30
  is 12:00 exactly, not 13:30; the next minute after that is 13:30–13:31.
* Fast: whole weeks without exceptions are skipped in one step, so a target of years costs
  the same as a target of hours; measuring is O(exceptions in the interval).
* An `always` calendar (24×7) counts every instant.
"""

import bisect
import datetime
from collections.abc import Mapping

US_PER_MINUTE = 60_000_000
DAY_US = 86_400_000_000
ONE_DAY = datetime.timedelta(days=1)
ONE_US = datetime.timedelta(microseconds=1)


class NoWorkingTime(ValueError):
    """The calendar has no working time left in which to spend the amount."""


def time_us(value: datetime.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _default_tz():
    from django.utils import timezone

    return timezone.get_default_timezone()


class WorkCalendar:
    """Working periods per weekday (0 = Monday), exceptions per date, a time zone.

    `periods`: {weekday: [(start, end), ...]} with datetime.time values; an end of 00:00 means
    midnight at the end of the day. `exceptions`: {date: weekday or None}."""

    __slots__ = ("always", "tz", "periods", "day_total", "week_total", "exceptions", "exception_days")

    def __init__(self, periods: Mapping | None = None, exceptions: Mapping | None = None, *, always=False, tz=None):
        self.always = bool(always)
        self.tz = tz or _default_tz()
        week = []
        for weekday in range(7):
            spans = []
            for start, end in (periods or {}).get(weekday, ()):
                s = start if isinstance(start, int) else time_us(start)
                e = end if isinstance(end, int) else time_us(end)
                e = DAY_US if e == 0 else e
                if not 0 <= s < e <= DAY_US:
                    raise ValueError(f"bad working period {start}–{end} on weekday {weekday}")
                spans.append((s, e))
            spans.sort()
            for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
                if s2 < e1:
                    raise ValueError(f"overlapping working periods on weekday {weekday}")
            week.append(tuple(spans))
        self.periods = tuple(week)
        self.day_total = tuple(sum(e - s for s, e in spans) for spans in week)
        self.week_total = sum(self.day_total)
        self.exceptions = dict(exceptions or {})
        for day, like in self.exceptions.items():
            if like is not None and not 0 <= like <= 6:
                raise ValueError(f"{day}: a make-up day works like a weekday 0–6, not {like}")
        self.exception_days = sorted(self.exceptions)

    # -- days -------------------------------------------------------------------------------------
    def periods_on(self, day: datetime.date):
        if day in self.exceptions:
            like = self.exceptions[day]
            return () if like is None else self.periods[like]
        return self.periods[day.weekday()]

    def total_on(self, day: datetime.date) -> int:
        if day in self.exceptions:
            like = self.exceptions[day]
            return 0 if like is None else self.day_total[like]
        return self.day_total[day.weekday()]

    def _next_exception(self, day):
        i = bisect.bisect_left(self.exception_days, day)
        return self.exception_days[i] if i < len(self.exception_days) else None

    def _exceptions_in(self, first, stop):
        lo = bisect.bisect_left(self.exception_days, first)
        hi = bisect.bisect_left(self.exception_days, stop)
        return self.exception_days[lo:hi]

    def _worked(self, day, a, b):
        return sum(max(0, min(e, b) - max(s, a)) for s, e in self.periods_on(day))

    def _full_days(self, first, stop):
        """Working microseconds of the whole days first … stop-1."""
        n = (stop - first).days
        if n <= 0:
            return 0
        weeks, rest = divmod(n, 7)
        start_weekday = first.weekday()
        total = weeks * self.week_total + sum(self.day_total[(start_weekday + i) % 7] for i in range(rest))
        for day in self._exceptions_in(first, stop):
            total += self.total_on(day) - self.day_total[day.weekday()]
        return total

    # -- wall clock -----------------------------------------------------------------------------
    def _local(self, moment):
        if moment.tzinfo is None:
            raise ValueError("business time needs aware datetimes")
        local = moment.astimezone(self.tz)
        return local.date(), time_us(local.time())

    def _at(self, day, us):
        naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(microseconds=us)
        return naive.replace(tzinfo=self.tz)

    # -- arithmetic -------------------------------------------------------------------------------
    def between_us(self, a: datetime.datetime, b: datetime.datetime) -> int:
        """Working microseconds from a to b (negative when b is before a)."""
        if self.always:
            return (b - a) // ONE_US
        if b < a:
            return -self.between_us(b, a)
        da, ta = self._local(a)
        db, tb = self._local(b)
        if da == db:
            return self._worked(da, ta, tb)
        return self._worked(da, ta, DAY_US) + self._full_days(da + ONE_DAY, db) + self._worked(db, 0, tb)

    def add_us(self, start: datetime.datetime, amount: int) -> datetime.datetime:
        """The moment `amount` working microseconds after `start` are spent."""
        if amount < 0:
            raise ValueError("cannot add a negative amount of business time")
        if self.always or amount == 0:
            return start + datetime.timedelta(microseconds=amount)
        day, t = self._local(start)
        remaining = amount
        for s, e in self.periods_on(day):
            if e <= t:
                continue
            s = max(s, t)
            if remaining <= e - s:
                return self._at(day, s + remaining)
            remaining -= e - s
        day += ONE_DAY
        if self.week_total == 0:  # make-up days work like a weekday, and no weekday works
            raise NoWorkingTime("the calendar has no working time")
        while True:
            if remaining > self.week_total:
                # Skip the whole weeks before the next exception, keeping some work for the end.
                nxt = self._next_exception(day)
                free_weeks = (nxt - day).days // 7 if nxt is not None else remaining
                weeks = min((remaining - 1) // self.week_total, free_weeks)
                if weeks > 0:
                    day += datetime.timedelta(days=7 * weeks)
                    remaining -= weeks * self.week_total
                    continue
            total = self.total_on(day)
            if remaining > total:
                remaining -= total
                day += ONE_DAY
                continue
            for s, e in self.periods_on(day):
                if remaining <= e - s:
                    return self._at(day, s + remaining)
                remaining -= e - s

    # -- the friendly forms ---------------------------------------------------------------------
    def add_business(self, start, minutes) -> datetime.datetime:
        """`minutes` working minutes (int, float or timedelta) after `start`."""
        if isinstance(minutes, datetime.timedelta):
            return self.add_us(start, minutes // ONE_US)
        return self.add_us(start, round(minutes * US_PER_MINUTE))

    def business_time_between(self, a, b) -> datetime.timedelta:
        return datetime.timedelta(microseconds=self.between_us(a, b))

    def business_minutes_between(self, a, b) -> float:
        return self.between_us(a, b) / US_PER_MINUTE

    def is_working(self, moment) -> bool:
        if self.always:
            return True
        day, t = self._local(moment)
        return any(s <= t < e for s, e in self.periods_on(day))


ALWAYS = WorkCalendar(always=True, tz=datetime.UTC)  # 24×7: used when no calendar is configured at all
