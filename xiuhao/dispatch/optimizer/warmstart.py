"""Re-planning during the day: what of the previous plan is already under way.

A visit has *started* when its planned start in the previous plan is at or before the problem's
``now``; a break likewise. Started visits and breaks stay exactly as they were, with the same
engineer. Each engineer with started visits goes on from the last one's location when it is over,
and no earlier than ``now`` if he gets new work; an engineer with none starts again from home at
``now`` (or the shift start, if later). Everything not yet started is planned anew.
"""

from __future__ import annotations

from typing import Any

from .model import Break, Engineer, Problem, ProblemError
from .reasons import Reason
from .schedule import EPS, RouteStart, Stop, TakenBreak, home_start


def route_starts(
    problem: Problem, previous: dict[str, Any] | None
) -> tuple[dict[str, RouteStart], dict[str, Reason]]:
    """Each engineer's RouteStart, and the started visits that can no longer be planned (with why)."""
    starts = {e.id: home_start(problem, e) for e in problem.engineers}
    lost: dict[str, Reason] = {}
    if previous is None:
        return starts, lost
    if problem.now is None:
        raise ProblemError("a warm start needs `now` (minutes from midnight) in the problem")
    now = problem.now
    for route in previous.get("routes") or []:
        engineer = problem.engineer_by_id.get(route.get("engineer"))
        started = [
            s
            for s in route.get("stops") or []
            if float(s["start"]) <= now + EPS and s["visit"] in problem.visit_by_id
        ]
        if engineer is None:
            for stop in started:
                lost[stop["visit"]] = Reason(
                    "started_engineer_missing",
                    f"started by {route.get('engineer')}, who is no longer in the plan",
                )
            continue
        if started:
            starts[engineer.id] = _continued(problem, engineer, route, started)
    return starts, lost


def _continued(
    problem: Problem, engineer: Engineer, route: dict[str, Any], started: list[dict[str, Any]]
) -> RouteStart:
    now = problem.now
    stops = tuple(
        Stop(problem.visit_by_id[s["visit"]], float(s["arrival"]), float(s["start"]), float(s["end"]))
        for s in started
    )
    taken = tuple(
        TakenBreak(float(b["start"]), float(b["end"]))
        for b in route.get("breaks") or []
        if float(b["start"]) <= now + EPS
    )
    free_at = max([stops[-1].end] + [b.end for b in taken])
    travel, here = 0.0, engineer.start
    for stop in stops:
        travel += problem.travel.minutes(here, stop.visit.location)
        here = stop.visit.location
    return RouteStart(
        depart=float(route.get("start", engineer.shift[0])),
        origin=here,
        free_at=free_at,
        fixed_stops=stops,
        taken_breaks=taken,
        open_breaks=_unused(engineer.breaks, taken),
        travel_so_far=travel,
        not_before=now,
    )


def _unused(specs: tuple[Break, ...], taken: tuple[TakenBreak, ...]) -> tuple[Break, ...]:
    """Break rules not used by a taken break.

    A rule whose window has already passed stays: if the new route runs past its window, the
    break would have become mandatory, so ``schedule.plan_route`` refuses such a route.
    """
    left = list(specs)
    for t in taken:
        match = next(
            (
                b
                for b in left
                if b.earliest - EPS <= t.start
                and t.end <= b.latest + EPS
                and abs(t.end - t.start - b.duration) <= 1e-6
            ),
            None,
        )
        if match is not None:
            left.remove(match)
    return tuple(left)
