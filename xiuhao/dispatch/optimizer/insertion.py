"""Putting left-over visits into routes one at a time, where they cost least.

Used after PyVRP for what it left out, what the repair removed, and what no area could serve.
Every candidate route is timed by ``schedule.plan_route``, so whatever this adds keeps the rules.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from .model import Engineer, Problem, Visit
from .schedule import RouteStart, Timeline, plan_route

NEAREST_ENGINEERS = 12


def insert_leftovers(
    problem: Problem,
    leftovers: Iterable[Visit],
    timelines: dict[str, Timeline],
    sequences: dict[str, list[Visit]],
    starts: dict[str, RouteStart],
    deadline: float,
) -> None:
    """Mutate ``sequences``/``timelines``: each left-over visit goes where it adds least."""
    by_urgency = sorted(leftovers, key=lambda v: (v.priority, min(close for _, close in v.windows)))
    for visit in by_urgency:
        if time.monotonic() > deadline:
            return
        best: tuple[tuple[float, float, float], Engineer, list[Visit], Timeline] | None = None
        for engineer in _nearest_qualified(problem, visit, starts):
            sequence = sequences.get(engineer.id, [])
            before = timelines.get(engineer.id)
            base = before.cost() if before else (0.0, 0.0, 0.0)
            for position in range(len(sequence) + 1):
                trial = sequence[:position] + [visit] + sequence[position:]
                timeline = plan_route(problem, engineer, trial, starts[engineer.id])
                if isinstance(timeline, Timeline):
                    added = tuple(a - b for a, b in zip(timeline.cost(), base, strict=True))
                    if best is None or added < best[0]:
                        best = (added, engineer, trial, timeline)
        if best is not None:
            _, engineer, trial, timeline = best
            sequences[engineer.id] = trial
            timelines[engineer.id] = timeline


def insert_by_bumping(
    problem: Problem,
    leftovers: Iterable[Visit],
    timelines: dict[str, Timeline],
    sequences: dict[str, list[Visit]],
    starts: dict[str, RouteStart],
    deadline: float,
) -> list[Visit]:
    """Put left-over priority-1/2 visits in place of one lower-priority visit each.

    Priorities come before everything else, so a priority-1 visit that fits nowhere may take the
    place of a priority-3 (rather than 2) visit. Mutates ``sequences``/``timelines`` and returns
    the visits bumped out, to be offered elsewhere.
    """
    bumped: list[Visit] = []
    for visit in sorted((v for v in leftovers if v.priority < 3), key=lambda v: v.priority):
        if time.monotonic() > deadline:
            break
        best: tuple[tuple[int, float, float, float], Engineer, list[Visit], Timeline, Visit] | None = None
        for engineer in _nearest_qualified(problem, visit, starts):
            sequence = sequences.get(engineer.id, [])
            for out, victim in enumerate(sequence):
                if victim.priority <= visit.priority:
                    continue
                rest = sequence[:out] + sequence[out + 1 :]
                for position in range(len(rest) + 1):
                    trial = rest[:position] + [visit] + rest[position:]
                    timeline = plan_route(problem, engineer, trial, starts[engineer.id])
                    if isinstance(timeline, Timeline):
                        key = (-victim.priority, *timeline.cost())
                        if best is None or key < best[0]:
                            best = (key, engineer, trial, timeline, victim)
        if best is not None:
            _, engineer, trial, timeline, victim = best
            sequences[engineer.id] = trial
            timelines[engineer.id] = timeline
            bumped.append(victim)
    return bumped


def _nearest_qualified(problem: Problem, visit: Visit, starts: dict[str, RouteStart]) -> list[Engineer]:
    qualified = [e for e in problem.engineers if problem.qualified(e, visit)]
    qualified.sort(key=lambda e: problem.travel.minutes(starts[e.id].origin, visit.location))
    return qualified[:NEAREST_ENGINEERS]
