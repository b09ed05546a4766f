"""Timing one engineer's route: windows, breaks, shift, capacity, in floating point.

The solver engine only proposes an order of visits per engineer; this module turns an order
into exact times, or says which rule the order breaks. Every route of a plan is built here,
so the rules live in one place (and ``check.py`` verifies them again independently).

Break policy: a break is taken in waiting time when it fits there without delaying anything;
otherwise it is put off until putting it off longer would miss its window, and then taken on the
way to the next visit. A break counts only if its window starts at or after the route's
departure, because a break whose window is not wholly inside the working span is optional.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Break, Engineer, Point, Problem, Visit

EPS = 1e-9
# Whether a break is mandatory is decided with check.py's tolerance, so that a break this module
# leaves out is never one the checker would require.
MANDATORY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Stop:
    visit: Visit
    arrival: float
    start: float
    end: float


@dataclass(frozen=True)
class TakenBreak:
    start: float
    end: float


@dataclass(frozen=True)
class RouteStart:
    """Where and when a route begins: at home, or after the visits already started (warm start)."""

    depart: float
    origin: Point
    free_at: float
    fixed_stops: tuple[Stop, ...] = ()
    taken_breaks: tuple[TakenBreak, ...] = ()
    open_breaks: tuple[Break, ...] = ()
    travel_so_far: float = 0.0
    not_before: float = -math.inf  # no new service starts earlier (re-planning "now")


@dataclass
class Timeline:
    engineer: Engineer
    depart: float
    back: float
    stops: list[Stop]
    breaks: list[TakenBreak]
    travel: float
    lateness: float
    overtime: float
    load: float

    def cost(self) -> tuple[float, float, float]:
        return (self.lateness, self.overtime, self.travel)


@dataclass(frozen=True)
class Infeasible:
    """Why an order of visits cannot be timed; ``position`` indexes the free visits (len: the way home)."""

    code: str
    position: int


@dataclass
class _Leg:
    """The time between leaving one place (free at ``free_at``) and starting the next service."""

    free_at: float
    drive: float
    breaks: list[TakenBreak] = field(default_factory=list)
    not_before: float = -math.inf  # a new break starts no earlier (re-planning "now")

    def arrival(self) -> float:
        now, left = self.free_at, self.drive
        for taken in self.breaks:
            if now + left <= taken.start + EPS:
                break
            left -= max(0.0, taken.start - now)
            now = max(now, taken.end)
        return now + left

    def ready_at(self) -> float:
        return max([self.arrival()] + [b.end for b in self.breaks])

    def next_break_start(self, spec: Break) -> float:
        cursor = max([self.free_at, self.not_before] + [b.end for b in self.breaks])
        return max(cursor, spec.earliest)


def home_start(problem: Problem, engineer: Engineer) -> RouteStart:
    depart = engineer.shift[0] if problem.now is None else max(engineer.shift[0], problem.now)
    not_before = -math.inf if problem.now is None else problem.now
    return RouteStart(
        depart=depart,
        origin=engineer.start,
        free_at=depart,
        open_breaks=engineer.breaks,
        not_before=not_before,
    )


def window_start(visit: Visit, ready: float, not_before: float = -math.inf) -> float | None:
    ready = max(ready, not_before)
    for open_, close in visit.windows:
        if ready <= close + EPS:
            return max(ready, open_)
    return None


def plan_route(
    problem: Problem, engineer: Engineer, visits: Sequence[Visit], start: RouteStart | None = None
) -> Timeline | Infeasible:
    start = start or home_start(problem, engineer)
    travel_minutes = problem.travel.minutes
    stops = list(start.fixed_stops)
    breaks = list(start.taken_breaks)
    pending = sorted(
        (b for b in start.open_breaks if b.earliest >= start.depart - MANDATORY_TOLERANCE),
        key=lambda b: b.earliest,
    )
    travel = start.travel_so_far
    load = sum(s.visit.demand for s in stops)
    here = start.origin
    # Re-planning: new work starts at ``now`` at the earliest; with nothing new, the way home
    # is as the previous plan had it.
    free_at = max(start.free_at, start.not_before) if visits else start.free_at
    for position, visit in enumerate(visits):
        leg = _Leg(free_at, travel_minutes(here, visit.location), not_before=start.not_before)
        service = window_start(visit, leg.ready_at(), start.not_before)
        if service is None:
            return Infeasible("window", position)
        for spec in list(pending):
            taken = TakenBreak(leg.next_break_start(spec), leg.next_break_start(spec) + spec.duration)
            trial = _Leg(leg.free_at, leg.drive, leg.breaks + [taken], start.not_before)
            trial_service = window_start(visit, trial.ready_at(), start.not_before)
            fits = taken.end <= spec.latest + EPS
            if fits and trial_service is not None and trial_service <= service + EPS:
                leg, service = trial, trial_service
                pending.remove(spec)
            elif max(service + visit.duration, spec.earliest) + spec.duration > spec.latest + EPS:
                if not fits:
                    return Infeasible("break", position)
                if trial_service is None:
                    return Infeasible("window", position)
                leg, service = trial, trial_service
                pending.remove(spec)
        stops.append(Stop(visit, leg.arrival(), service, service + visit.duration))
        breaks.extend(leg.breaks)
        travel += leg.drive
        load += visit.demand
        here, free_at = visit.location, service + visit.duration
    home = _Leg(free_at, travel_minutes(here, engineer.end), not_before=start.not_before)
    due = [spec for spec in pending if spec.latest <= home.arrival() + MANDATORY_TOLERANCE]
    while due:
        # A break whose window closes before the engineer is home must be taken on the way.
        spec = min(due, key=lambda b: b.earliest)
        taken = TakenBreak(home.next_break_start(spec), home.next_break_start(spec) + spec.duration)
        if taken.end > spec.latest + EPS:
            return Infeasible("break", len(visits))
        home.breaks.append(taken)
        pending.remove(spec)
        due = [spec for spec in pending if spec.latest <= home.arrival() + MANDATORY_TOLERANCE]
    back = home.arrival()
    if back > engineer.latest_return + EPS:
        return Infeasible("shift", len(visits))
    capacity = problem.capacity_of(engineer)
    if capacity is not None and load > capacity + EPS:
        return Infeasible("capacity", len(visits))
    breaks.extend(home.breaks)
    travel += home.drive
    depart = start.depart
    if not start.fixed_stops and stops and not [b for b in breaks if b.start < stops[0].start]:
        # Leave just in time for the first visit instead of waiting there.
        first = stops[0]
        depart = max(depart, first.start - (first.arrival - start.free_at))
        stops[0] = Stop(first.visit, first.start, first.start, first.end)
    lateness = sum(max(0.0, s.end - s.visit.deadline) for s in stops if s.visit.deadline is not None)
    return Timeline(
        engineer=engineer,
        depart=depart,
        back=back,
        stops=stops,
        breaks=sorted(breaks, key=lambda b: b.start),
        travel=travel,
        lateness=lateness,
        overtime=max(0.0, back - engineer.shift[1]),
        load=load,
    )
