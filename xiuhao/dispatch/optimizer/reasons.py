"""Why a visit is left out, in words a dispatcher understands, each with a stable code."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from .model import Engineer, Problem, Visit
from .schedule import Infeasible, RouteStart, plan_route

ALONE_CHECK_LIMIT = 60  # engineers tried when asking "could anyone do this visit on an empty day?"


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


def clock(minutes: float) -> str:
    minutes = int(round(minutes))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def static_reason(problem: Problem, visit: Visit, skill_sets: set[frozenset[str]]) -> Reason | None:
    """A reason that holds whatever the plan: nobody may do this visit at all.

    ``skill_sets`` are the engineers' distinct skill sets: far fewer than engineers, so this
    stays cheap for thousands of visits.
    """
    if visit.engineer is not None:
        pinned = problem.engineer_by_id.get(visit.engineer)
        if pinned is None:
            return Reason(
                "pinned_engineer_missing", f"pinned to engineer {visit.engineer}, who is not in the plan"
            )
        missing = visit.skills - pinned.skills
        if missing:
            return Reason(
                "pinned_engineer_lacks_skill",
                f"pinned engineer {pinned.id} lacks skill {', '.join(sorted(missing))}",
            )
    if not any(visit.skills <= skills for skills in skill_sets):
        missing = visit.skills - frozenset().union(*skill_sets)
        if missing:
            return Reason("no_skill", f"no engineer has skill {', '.join(sorted(missing))}")
        return Reason("no_skill_combination", f"no engineer has all of {', '.join(sorted(visit.skills))}")
    if problem.capacity is not None or any(e.capacity is not None for e in problem.engineers):
        capacities = [problem.capacity_of(e) for e in problem.engineers if problem.qualified(e, visit)]
        if all(c is not None and visit.demand > c for c in capacities):
            return Reason(
                "over_capacity", f"its demand {visit.demand:g} exceeds every qualified engineer's capacity"
            )
    if problem.now is not None and all(close < problem.now for _, close in visit.windows):
        return Reason("window_passed", f"its window closed before the re-plan at {clock(problem.now)}")
    return None


def dynamic_reason(
    problem: Problem, visit: Visit, starts: dict[str, RouteStart], check_failure: str | None = None
) -> Reason:
    """Why a visit that someone is qualified for was still left out."""
    if check_failure:
        return Reason("failed_check", f"removed by the final check: {check_failure}")
    qualified = [e for e in problem.engineers if problem.qualified(e, visit)]
    nearest = heapq.nsmallest(
        ALONE_CHECK_LIMIT,
        qualified,
        key=lambda e: problem.travel.minutes(starts[e.id].origin, visit.location),
    )
    failures: list[str] = []
    for engineer in nearest:
        alone = _alone(problem, engineer, visit, starts)
        if not isinstance(alone, Infeasible):
            n = len(qualified)
            who = (
                "the only qualified engineer's day is" if n == 1 else f"all {n} qualified engineers' days are"
            )
            if visit.priority > 1:
                return Reason("no_time_left", f"{who} full with other or higher-priority work")
            return Reason("no_time_left", f"{who} full")
        failures.append(alone.code)
    if failures and all(code == "window" for code in failures):
        return Reason("window_unreachable", "window closes before anyone can arrive")
    if "shift" in failures or "window" in failures:
        if _opens_after_shifts(visit, qualified):
            return Reason("window_after_shifts", "window opens too late for every qualified engineer's shift")
        return Reason("shift_too_short", "does not fit in any qualified engineer's shift, even with overtime")
    if "break" in failures:
        return Reason("break_clash", "clashes with the breaks of every qualified engineer")
    return Reason("over_capacity", "no qualified engineer has capacity left for its demand")


def _alone(problem: Problem, engineer: Engineer, visit: Visit, starts: dict[str, RouteStart]):
    return plan_route(problem, engineer, [visit], starts[engineer.id])


def _opens_after_shifts(visit: Visit, engineers: list[Engineer]) -> bool:
    first_open = min(open_ for open_, _ in visit.windows)
    return all(first_open >= e.latest_return for e in engineers)
