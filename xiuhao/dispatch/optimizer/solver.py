"""Problem in, plan out: the steps of ``solve`` and the guarantee that the plan keeps the rules.

1. Warm start: what has started stays (``warmstart.py``).
2. Visits nobody may do are set aside with their reason (``reasons.static_reason``).
3. PyVRP proposes routes, area by area (``clusters.py``, ``engine.py``).
4. Each proposed route is timed exactly, with breaks; a visit that breaks a rule is dropped.
5. Left-over visits are inserted where they fit, and priority-1/2 ones that still fit nowhere
   take the place of a lower-priority visit (``insertion.py``).
6. The plan is checked independently (``check.py``); anything it rejects is removed and reported.
"""

from __future__ import annotations

import time
from typing import Any

from .check import check_plan
from .clusters import areas
from .engine import EngineerSlot, propose_routes
from .insertion import insert_by_bumping, insert_leftovers
from .model import Engineer, Problem, ProblemError, Visit
from .reasons import Reason, dynamic_reason, static_reason
from .schedule import Infeasible, RouteStart, Timeline, plan_route
from .warmstart import route_starts

ENGINE_SHARE = 0.8  # of the time limit; the rest is for timing, repair, insertion and the check
FINISH_SHARE = 0.05  # kept back for the reasons, the rendering and the final check
CHECK_REPAIR_ROUNDS = 3


def solve(
    problem: Problem, seconds: float, previous: dict[str, Any] | None = None, seed: int = 1
) -> dict[str, Any]:
    """The plan JSON for ``problem``, within ``seconds``; ``previous`` is the plan being re-planned."""
    deadline = time.monotonic() + seconds
    starts, unassigned = route_starts(problem, previous)
    fixed = {s.visit.id for start in starts.values() for s in start.fixed_stops}
    skill_sets = {e.skills for e in problem.engineers}
    candidates: list[Visit] = []
    for visit in problem.visits:
        if visit.id in fixed or visit.id in unassigned:
            continue
        reason = static_reason(problem, visit, skill_sets)
        if reason:
            unassigned[visit.id] = reason
        else:
            candidates.append(visit)

    slots = [
        EngineerSlot(e, starts[e.id], _capacity_left(problem, e, starts[e.id])) for e in problem.engineers
    ]
    proposal: dict[str, list[str]] = {}
    engine_deadline = deadline - (1 - ENGINE_SHARE) * seconds
    parts = areas(problem, slots, candidates, seed)
    waiting = sum(len(area_visits) for _, area_visits in parts)
    for area_slots, area_visits in parts:
        # Shares are recomputed from what is left, so an area that overran its set-up (which
        # PyVRP does not count against the limit) is paid for by the areas after it.
        share = max(0.0, engine_deadline - time.monotonic()) * len(area_visits) / max(1, waiting)
        waiting -= len(area_visits)
        proposal.update(propose_routes(problem, area_slots, area_visits, share, seed))

    sequences: dict[str, list[Visit]] = {}
    timelines: dict[str, Timeline] = {}
    for engineer in problem.engineers:
        visits = [problem.visit_by_id[v] for v in proposal.get(engineer.id, [])]
        sequences[engineer.id], timeline = _timed(problem, engineer, visits, starts[engineer.id])
        if timeline is not None:
            timelines[engineer.id] = timeline
    served = {v.id for seq in sequences.values() for v in seq}
    leftovers = [v for v in candidates if v.id not in served]
    insertion_deadline = deadline - FINISH_SHARE * seconds
    insert_leftovers(problem, leftovers, timelines, sequences, starts, insertion_deadline)
    served = {v.id for seq in sequences.values() for v in seq}
    leftovers = [v for v in candidates if v.id not in served]
    bumped = insert_by_bumping(problem, leftovers, timelines, sequences, starts, insertion_deadline)
    insert_leftovers(problem, bumped, timelines, sequences, starts, insertion_deadline)

    check_failures: dict[str, str] = {}
    for _ in range(CHECK_REPAIR_ROUNDS):
        plan = _render(problem, timelines, candidates, unassigned, starts, check_failures)
        verdict = check_plan(problem, plan, previous)
        if verdict.feasible:
            return plan
        _remove_rejected(problem, verdict.violations, sequences, timelines, starts, fixed, check_failures)
    raise RuntimeError(f"the plan still breaks rules after repair: {verdict.violations[:5]}")


def _capacity_left(problem: Problem, engineer: Engineer, start: RouteStart) -> float | None:
    capacity = problem.capacity_of(engineer)
    if capacity is None:
        return None
    return capacity - sum(s.visit.demand for s in start.fixed_stops)


def _timed(problem: Problem, engineer: Engineer, visits: list[Visit], start: RouteStart):
    """The proposed order, minus whatever visit makes it break a rule, and its timeline."""
    visits = list(visits)
    while True:
        timeline = plan_route(problem, engineer, visits, start)
        if not isinstance(timeline, Infeasible):
            has_stops = bool(timeline.stops)
            return visits, timeline if has_stops else None
        if not visits:
            return visits, None
        del visits[min(timeline.position, len(visits) - 1)]


def _render(
    problem: Problem,
    timelines: dict[str, Timeline],
    candidates: list[Visit],
    unassigned: dict[str, Reason],
    starts: dict[str, RouteStart],
    check_failures: dict[str, str],
) -> dict[str, Any]:
    routes = []
    for engineer in problem.engineers:
        timeline = timelines.get(engineer.id)
        if timeline is None or not timeline.stops:
            continue
        routes.append(
            {
                "engineer": engineer.id,
                "start": timeline.depart,
                "end": timeline.back,
                "stops": [
                    {"visit": s.visit.id, "arrival": s.arrival, "start": s.start, "end": s.end}
                    for s in timeline.stops
                ],
                "breaks": [{"start": b.start, "end": b.end} for b in timeline.breaks],
            }
        )
    served = {s["visit"] for r in routes for s in r["stops"]}
    left_out = dict(unassigned)
    for visit in candidates:
        if visit.id not in served and visit.id not in left_out:
            left_out[visit.id] = dynamic_reason(problem, visit, starts, check_failures.get(visit.id))
    order = {v.id: i for i, v in enumerate(problem.visits)}
    return {
        "routes": routes,
        "unassigned": [
            {"visit": vid, "reason": r.text, "code": r.code}
            for vid, r in sorted(left_out.items(), key=lambda item: order.get(item[0], len(order)))
        ],
        "travel_total": sum(t.travel for t in timelines.values() if t.stops),
        "lateness_total": sum(t.lateness for t in timelines.values() if t.stops),
        "overtime_total": sum(t.overtime for t in timelines.values() if t.stops),
    }


def _remove_rejected(problem, violations, sequences, timelines, starts, fixed, check_failures) -> None:
    for violation in violations:
        if violation.visit in fixed:
            raise ProblemError(f"the previous plan's started visits break a rule: {violation}")
        engineer_id = violation.engineer
        if engineer_id not in sequences:
            continue
        sequence = sequences[engineer_id]
        if violation.visit in {v.id for v in sequence}:
            doomed = [v for v in sequence if v.id == violation.visit]
        else:
            doomed = list(sequence)
        for visit in doomed:
            check_failures[visit.id] = str(violation)
        sequence = [v for v in sequence if v not in doomed and v.id not in fixed]
        engineer = problem.engineer_by_id[engineer_id]
        sequences[engineer_id], timeline = _timed(problem, engineer, sequence, starts[engineer_id])
        if timeline is None:
            timelines.pop(engineer_id, None)
        else:
            timelines[engineer_id] = timeline
