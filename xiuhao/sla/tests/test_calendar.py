"""Business-time arithmetic: worked examples on the demo calendar, and properties over random
calendars (breaks, holidays, make-up days, 24×7), starts and pauses."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xiuhao.sla.calendar import DAY_US, NoWorkingTime, WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
T = datetime.time
US = datetime.timedelta(microseconds=1)
MINUTE_US = 60_000_000


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


MORNING, AFTERNOON = (T(8, 30), T(12)), (T(13, 30), T(17, 30))
OFFICE = WorkCalendar({**{d: [MORNING, AFTERNOON] for d in range(5)}, 5: [MORNING]},
                      {datetime.date(2026, 10, 1): None, datetime.date(2026, 10, 2): None,
                       datetime.date(2026, 10, 3): None, datetime.date(2026, 10, 4): None,
                       datetime.date(2026, 10, 5): None, datetime.date(2026, 10, 6): None,
                       datetime.date(2026, 10, 7): None, datetime.date(2026, 10, 10): 0,
                       datetime.date(2026, 9, 20): 0}, tz=TZ)


# -- worked examples ------------------------------------------------------------------------------
def test_it_counts_working_minutes_and_skips_the_lunch_break():
    assert OFFICE.add_business(at(2026, 5, 6, 11, 0), 60) == at(2026, 5, 6, 12, 0)
    assert OFFICE.add_business(at(2026, 5, 6, 11, 0), 61) == at(2026, 5, 6, 13, 31)
    assert OFFICE.business_minutes_between(at(2026, 5, 6, 11, 0), at(2026, 5, 6, 14, 0)) == 90


def test_a_friday_evening_request_is_due_on_saturday_morning_and_then_monday():
    friday_evening = at(2026, 5, 8, 17, 0)  # Friday
    assert OFFICE.add_business(friday_evening, 60) == at(2026, 5, 9, 9, 0)  # Saturday morning works
    assert OFFICE.add_business(friday_evening, 30 + 210 + 30) == at(2026, 5, 11, 9, 0)  # Monday


def test_a_request_started_at_night_counts_from_the_next_opening():
    assert OFFICE.add_business(at(2026, 5, 6, 22, 0), 1) == at(2026, 5, 7, 8, 31)
    assert OFFICE.business_minutes_between(at(2026, 5, 6, 18, 0), at(2026, 5, 7, 8, 30)) == 0


def test_holidays_do_not_count_and_make_up_days_work_like_their_weekday():
    # National Day 2026: Oct 1–7 off; Sunday Sep 20 and Saturday Oct 10 work like a Monday.
    before = at(2026, 9, 30, 17, 0)
    assert OFFICE.add_business(before, 60) == at(2026, 10, 8, 9, 0)
    assert OFFICE.business_minutes_between(at(2026, 10, 10, 0, 0), at(2026, 10, 11, 0, 0)) == 450
    assert OFFICE.business_minutes_between(at(2026, 9, 20, 0, 0), at(2026, 9, 21, 0, 0)) == 450


def test_measuring_backwards_gives_a_negative_amount():
    assert OFFICE.business_minutes_between(at(2026, 5, 6, 14, 0), at(2026, 5, 6, 11, 0)) == -90


def test_a_24x7_calendar_counts_every_instant():
    always = WorkCalendar(always=True, tz=TZ)
    assert always.add_business(at(2026, 10, 1, 23, 0), 120) == at(2026, 10, 2, 1, 0)


def test_a_period_ending_at_midnight_runs_to_the_end_of_the_day():
    late = WorkCalendar({0: [(T(20), T(0))]}, tz=TZ)
    assert late.business_minutes_between(at(2026, 5, 4, 0, 0), at(2026, 5, 5, 0, 0)) == 240


def test_a_calendar_without_working_time_refuses_to_count():
    with pytest.raises(NoWorkingTime):
        WorkCalendar({}, tz=TZ).add_business(at(2026, 5, 4, 9), 1)
    with pytest.raises(NoWorkingTime):  # a make-up day works like a weekday, and none works
        WorkCalendar({}, {datetime.date(2026, 5, 9): 0}, tz=TZ).add_business(at(2026, 5, 4, 9), 1)


def test_overlapping_periods_are_refused():
    with pytest.raises(ValueError):
        WorkCalendar({0: [(T(8), T(12)), (T(11), T(13))]}, tz=TZ)


def test_a_target_a_year_away_round_trips_over_fifty_holidays():
    holidays = {datetime.date(2026, 1, 1) + datetime.timedelta(days=7 * i + 2): None for i in range(50)}
    cal = WorkCalendar({d: [MORNING, AFTERNOON] for d in range(5)}, holidays, tz=TZ)
    due = cal.add_business(at(2026, 1, 1, 9), 60 * 24 * 365)
    assert cal.business_minutes_between(at(2026, 1, 1, 9), due) == 60 * 24 * 365


# -- properties over random calendars ---------------------------------------------------------------
DAY0 = datetime.date(2026, 1, 1)


@st.composite
def day_periods(draw):
    cuts = sorted(draw(st.lists(st.integers(0, 24 * 60), max_size=6, unique=True)))
    cuts = cuts[: len(cuts) // 2 * 2]
    return [(cuts[i] * MINUTE_US, cuts[i + 1] * MINUTE_US) for i in range(0, len(cuts), 2)]


@st.composite
def calendars(draw):
    periods = {d: draw(day_periods()) for d in range(7)}
    days = draw(st.lists(st.integers(0, 120), max_size=25, unique=True))
    exceptions = {DAY0 + datetime.timedelta(days=n): draw(st.none() | st.integers(0, 6)) for n in days}
    cal = WorkCalendar(periods, exceptions, always=draw(st.booleans().map(lambda b: b and draw(st.booleans()))), tz=TZ)
    assume(cal.always or cal.week_total > 0)
    return cal


moments = st.integers(0, 150 * DAY_US).map(lambda us: at(2026, 1, 1) + datetime.timedelta(microseconds=us))
amounts = st.integers(0, 40 * DAY_US) | st.integers(0, 3 * 60 * MINUTE_US)


def naive_between(cal, a, b):
    """Day by day, no week skipping: the reference for between_us."""
    if cal.always:
        return (b - a) // US
    if b < a:
        return -naive_between(cal, b, a)
    total, day = 0, a.astimezone(TZ).date()
    while day <= b.astimezone(TZ).date():
        midnight = at(day.year, day.month, day.day)
        for s, e in cal.periods_on(day):
            start = max(midnight + datetime.timedelta(microseconds=s), a)
            end = min(midnight + datetime.timedelta(microseconds=e), b)
            total += max(0, (end - start) // US)
        day += datetime.timedelta(days=1)
    return total


SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(calendars(), moments, moments)
def test_measuring_agrees_with_counting_day_by_day(cal, a, b):
    assert cal.between_us(a, b) == naive_between(cal, a, b)


@SETTINGS
@given(calendars(), moments, amounts)
def test_adding_then_measuring_gives_back_exactly_what_was_added(cal, start, amount):
    due = cal.add_us(start, amount)
    assert due >= start
    assert cal.between_us(start, due) == amount
    if amount and not cal.always:
        # …and not a microsecond later than needed: the last microsecond before `due` was work.
        assert cal.between_us(due - US, due) == 1


@SETTINGS
@given(calendars(), moments, amounts, amounts)
def test_adding_is_monotonic_and_additive(cal, start, a, b):
    assert cal.add_us(start, min(a, b)) <= cal.add_us(start, max(a, b))
    assert cal.add_us(cal.add_us(start, a), b) == cal.add_us(start, a + b)


@SETTINGS
@given(calendars(), moments, moments, moments)
def test_measuring_is_additive_over_intervals(cal, a, b, c):
    assert cal.between_us(a, b) + cal.between_us(b, c) == cal.between_us(a, c)
    assert cal.between_us(a, b) == -cal.between_us(b, a)


@SETTINGS
@given(calendars(), moments, st.integers(1, 20 * DAY_US), st.integers(0, 30 * DAY_US), st.integers(0, 30 * DAY_US))
def test_a_pause_moves_the_due_time_by_exactly_the_business_time_it_took(cal, start, target, run, pause):
    """Run for a while, pause, resume: the business time counted before and after the pause adds
    up to the target; a pause outside working hours changes nothing."""
    paused_at = start + datetime.timedelta(microseconds=run)
    resumed_at = paused_at + datetime.timedelta(microseconds=pause)
    used = cal.between_us(start, paused_at)
    assume(used < target)
    due_without_pause = cal.add_us(start, target)
    due = cal.add_us(resumed_at, target - used)
    assert used + cal.between_us(resumed_at, due) == target
    assert cal.between_us(start, due) - cal.between_us(paused_at, resumed_at) == target
    if cal.between_us(paused_at, resumed_at) == 0:
        assert due == due_without_pause
    else:
        assert due > due_without_pause


@SETTINGS
@given(calendars(), moments, amounts)
def test_minutes_and_microseconds_agree(cal, start, amount):
    minutes = amount // MINUTE_US
    assert cal.add_business(start, minutes) == cal.add_us(start, minutes * MINUTE_US)
    assert cal.business_minutes_between(start, cal.add_business(start, minutes)) == minutes
