"""Independent verification of a plan against its problem, in floating point.

Deliberately shares no timing code with ``schedule.py``: it reads the times written in the plan
and tests each hard rule on them, so a bug in the planner shows up here instead of being
repeated. Every violation names the rule (``code``) and, where it can, the engineer and visit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .model import Break, Engineer, Problem

TOLERANCE = 1e-6
TOTALS = ("travel_total", "lateness_total", "overtime_total")


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    engineer: str | None = None
    visit: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class CheckResult:
    violations: list[Violation] = field(default_factory=list)
    travel_total: float = 0.0
    lateness_total: float = 0.0
    overtime_total: float = 0.0
    served: int = 0
    served_by_priority: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    unassigned: int = 0

    @property
    def feasible(self) -> bool:
        return not self.violations

    def totals(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "served": self.served,
            "unassigned": self.unassigned,
            "served_by_priority": {str(k): v for k, v in self.served_by_priority.items()},
            "travel_total": round(self.travel_total, 6),
            "lateness_total": round(self.lateness_total, 6),
            "overtime_total": round(self.overtime_total, 6),
        }


def check_plan(problem: Problem, plan: dict[str, Any], previous: dict[str, Any] | None = None) -> CheckResult:
    """All violations of the hard rules in ``plan``; with ``previous``, also of the warm-start rules:
    visits started by ``problem.now`` keep their engineer and times, and no other starts before it."""
    result = CheckResult()
    seen: dict[str, int] = {}
    engineers_seen: set[str] = set()
    for route in plan.get("routes") or []:
        engineer = problem.engineer_by_id.get(route.get("engineer"))
        if engineer is None:
            result.violations.append(
                Violation("unknown_engineer", f"route for unknown engineer {route.get('engineer')!r}")
            )
            continue
        if engineer.id in engineers_seen:
            result.violations.append(
                Violation("duplicate_route", f"{engineer.id} has two routes", engineer.id)
            )
        engineers_seen.add(engineer.id)
        for stop in route.get("stops") or []:
            seen[stop.get("visit")] = seen.get(stop.get("visit"), 0) + 1
        _check_route(problem, engineer, route, result)
    for entry in plan.get("unassigned") or []:
        seen[entry.get("visit")] = seen.get(entry.get("visit"), 0) + 1
        result.unassigned += 1
        if not str(entry.get("reason") or "").strip():
            result.violations.append(
                Violation(
                    "reason_missing",
                    f"{entry.get('visit')} is unassigned without a reason",
                    visit=entry.get("visit"),
                )
            )
    for visit_id, count in seen.items():
        if visit_id not in problem.visit_by_id:
            result.violations.append(
                Violation("unknown_visit", f"{visit_id!r} is not in the problem", visit=visit_id)
            )
        elif count > 1:
            result.violations.append(
                Violation("duplicate_visit", f"{visit_id} appears {count} times", visit=visit_id)
            )
    for visit in problem.visits:
        if visit.id not in seen:
            result.violations.append(
                Violation("missing_visit", f"{visit.id} is neither routed nor unassigned", visit=visit.id)
            )
    for key in TOTALS:
        stated = plan.get(key)
        if stated is not None and abs(float(stated) - getattr(result, key)) > 1e-3:
            result.violations.append(
                Violation("totals", f"{key} says {stated}, the routes give {getattr(result, key):.6f}")
            )
    if previous is not None and problem.now is not None:
        _check_started_kept(problem, plan, previous, result)
    return result


def _check_route(problem: Problem, engineer: Engineer, route: dict[str, Any], result: CheckResult) -> None:
    minutes = problem.travel.minutes
    stops = route.get("stops") or []
    breaks = sorted((float(b["start"]), float(b["end"])) for b in route.get("breaks") or [])
    depart = float(route.get("start", engineer.shift[0]))
    violation = _reporter(result, engineer.id)
    if depart < engineer.shift[0] - TOLERANCE:
        violation(
            "shift_start", f"{engineer.id} leaves at {depart} before the shift starts at {engineer.shift[0]}"
        )
    here, free_at, load = engineer.start, depart, 0.0
    services: list[tuple[float, float]] = []
    for stop in stops:
        visit = problem.visit_by_id.get(stop.get("visit"))
        if visit is None:
            continue
        arrival, start, end = float(stop["arrival"]), float(stop["start"]), float(stop["end"])
        vid = visit.id
        if not visit.skills <= engineer.skills:
            missing = ", ".join(sorted(visit.skills - engineer.skills))
            violation("skills", f"{vid} needs {missing}, which {engineer.id} lacks", vid)
        if visit.engineer is not None and visit.engineer != engineer.id:
            violation("pinned", f"{vid} is pinned to {visit.engineer}, not {engineer.id}", vid)
        if not any(open_ - TOLERANCE <= start <= close + TOLERANCE for open_, close in visit.windows):
            violation("window", f"{vid} starts at {start}, outside its windows {list(visit.windows)}", vid)
        if abs(end - start - visit.duration) > TOLERANCE:
            violation("duration", f"{vid} lasts {end - start}, not {visit.duration}", vid)
        if arrival > start + TOLERANCE or arrival < free_at - TOLERANCE:
            violation(
                "arrival", f"{vid} arrival {arrival} is not between {free_at} and its start {start}", vid
            )
        leg = minutes(here, visit.location)
        if _driving_time(free_at, arrival, breaks) < leg - TOLERANCE:
            violation(
                "travel", f"{vid}: {leg:.3f} min of driving do not fit between {free_at} and {arrival}", vid
            )
        result.travel_total += leg
        if visit.deadline is not None:
            result.lateness_total += max(0.0, end - visit.deadline)
        load += visit.demand
        services.append((start, end))
        result.served += 1
        result.served_by_priority[visit.priority] = result.served_by_priority.get(visit.priority, 0) + 1
        here, free_at = visit.location, end
    leg_home = minutes(here, engineer.end)
    back = float(
        route.get("end", free_at + leg_home + sum(e - s for s, e in breaks if s >= free_at - TOLERANCE))
    )
    if _driving_time(free_at, back, breaks) < leg_home - TOLERANCE:
        violation("travel", f"{engineer.id}: the way home ({leg_home:.3f} min) does not fit before {back}")
    result.travel_total += leg_home
    if back > engineer.latest_return + TOLERANCE:
        violation(
            "shift_end",
            f"{engineer.id} is back at {back}, after {engineer.latest_return} (shift end + overtime)",
        )
    result.overtime_total += max(0.0, back - engineer.shift[1])
    capacity = problem.capacity_of(engineer)
    if capacity is not None and load > capacity + TOLERANCE:
        violation("capacity", f"{engineer.id} carries {load}, over the capacity {capacity}")
    _check_breaks(engineer, breaks, services, depart, back, violation)


def _check_breaks(engineer: Engineer, breaks, services, depart: float, back: float, violation) -> None:
    for (s1, e1), (s2, _) in itertools.pairwise(breaks):
        if s2 < e1 - TOLERANCE:
            violation("break_overlap", f"{engineer.id}: breaks at {s1} and {s2} overlap")
    for start, end in breaks:
        if start < depart - TOLERANCE or end > back + TOLERANCE:
            violation(
                "break_outside_route",
                f"{engineer.id}: break {start}–{end} lies outside the route {depart}–{back}",
            )
        for s, e in services:
            if start < e - TOLERANCE and s < end - TOLERANCE:
                violation("break_overlap", f"{engineer.id}: break {start}–{end} overlaps service {s}–{e}")
    mandatory = [b.earliest >= depart - TOLERANCE and b.latest <= back + TOLERANCE for b in engineer.breaks]
    if not _breaks_match(breaks, engineer.breaks, mandatory):
        violation(
            "break_rule",
            f"{engineer.id}: breaks {breaks} do not match the break rules "
            f"(each inside its window, of its length, and every break whose window lies within {depart}–{back} taken)",
        )


def _breaks_match(taken: list[tuple[float, float]], specs: tuple[Break, ...], mandatory: list[bool]) -> bool:
    """Is there a one-to-one matching of taken breaks to rules that covers every mandatory rule?"""
    if len(taken) > len(specs):
        return False

    def fits(t: tuple[float, float], b: Break) -> bool:
        start, end = t
        return (
            start >= b.earliest - TOLERANCE
            and end <= b.latest + TOLERANCE
            and abs(end - start - b.duration) <= TOLERANCE
        )

    for chosen in itertools.permutations(range(len(specs)), len(taken)):
        if all(fits(t, specs[i]) for t, i in zip(taken, chosen, strict=True)) and all(
            i in chosen for i, must in enumerate(mandatory) if must
        ):
            return True
    return False


def _driving_time(frm: float, to: float, breaks: list[tuple[float, float]]) -> float:
    """Minutes in [frm, to] not spent on a break."""
    overlap = sum(max(0.0, min(to, e) - max(frm, s)) for s, e in breaks)
    return (to - frm) - overlap


def _reporter(result: CheckResult, engineer_id: str):
    def report(code: str, message: str, visit_id: str | None = None) -> None:
        result.violations.append(Violation(code, message, engineer_id, visit_id))

    return report


def _check_started_kept(
    problem: Problem, plan: dict[str, Any], previous: dict[str, Any], result: CheckResult
) -> None:
    now_stops = {
        stop["visit"]: (route["engineer"], stop)
        for route in plan.get("routes") or []
        for stop in route.get("stops") or []
    }
    started = {
        stop["visit"]
        for route in previous.get("routes") or []
        for stop in route.get("stops") or []
        if float(stop["start"]) <= problem.now
    }
    for visit_id, (engineer_id, stop) in now_stops.items():
        if visit_id not in started and float(stop["start"]) < problem.now - TOLERANCE:
            result.violations.append(
                Violation(
                    "before_now",
                    f"{visit_id} had not started by {problem.now} but is planned to start before it",
                    engineer_id,
                    visit_id,
                )
            )
    for route in previous.get("routes") or []:
        if route.get("engineer") not in problem.engineer_by_id:
            continue
        for stop in route.get("stops") or []:
            if float(stop["start"]) > problem.now or stop["visit"] not in problem.visit_by_id:
                continue
            kept = now_stops.get(stop["visit"])
            same = (
                kept is not None
                and kept[0] == route["engineer"]
                and all(abs(float(kept[1][k]) - float(stop[k])) <= TOLERANCE for k in ("start", "end"))
            )
            if not same:
                result.violations.append(
                    Violation(
                        "started_moved",
                        f"{stop['visit']} had started by {problem.now} and was moved",
                        route["engineer"],
                        stop["visit"],
                    )
                )
