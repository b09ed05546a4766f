"""Splitting a big day into areas that PyVRP can solve one at a time.

A dense travel matrix per skill profile grows with the square of the visits, and one search over
5,000 visits improves slowly; areas of a few hundred visits each fit in memory and converge. Areas
are k-means groups of the engineers' starting points; each visit goes to the nearest area with an
engineer qualified for it that still has time for it. What an area cannot serve is offered to
every qualified engineer afterwards (``insertion.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .engine import EngineerSlot
from .model import Point, Problem, Visit

VISITS_PER_AREA = 400
AREA_LOAD_LIMIT = 0.8  # share of an area's working minutes that service time may fill
KMEANS_ROUNDS = 12


def areas(
    problem: Problem, slots: Sequence[EngineerSlot], visits: Sequence[Visit], seed: int = 1
) -> list[tuple[list[EngineerSlot], list[Visit]]]:
    count = min(len(slots), math.ceil(len(visits) / VISITS_PER_AREA))
    if count <= 1:
        return [(list(slots), list(visits))]
    engineer_xy = _plane([s.start.origin for s in slots])
    labels, centres = _kmeans(engineer_xy, count, seed)
    members: list[list[EngineerSlot]] = [[] for _ in range(count)]
    for slot, label in zip(slots, labels, strict=True):
        members[label].append(slot)
    skill_sets = [{s.engineer.skills for s in group} for group in members]
    ids = [{s.engineer.id for s in group} for group in members]
    free_minutes = [
        sum(max(0.0, s.engineer.latest_return - s.start.free_at) for s in group) for group in members
    ]
    booked = [0.0] * count
    assigned: list[list[Visit]] = [[] for _ in range(count)]
    visit_xy = _plane([v.location for v in visits])
    distance = np.hypot(
        visit_xy[:, None, 0] - centres[None, :, 0], visit_xy[:, None, 1] - centres[None, :, 1]
    )
    # Scarce work first: high priority and visits few areas can serve pick their area first.
    order = sorted(range(len(visits)), key=lambda j: (visits[j].priority, -len(visits[j].skills)))
    for j in order:
        visit = visits[j]
        able = [
            a
            for a in range(count)
            if (visit.engineer in ids[a] if visit.engineer else any(visit.skills <= s for s in skill_sets[a]))
        ]
        if not able:
            continue
        able.sort(key=lambda a: distance[j, a])
        roomy = [a for a in able if booked[a] + visit.duration <= AREA_LOAD_LIMIT * free_minutes[a]]
        chosen = (roomy or able)[0]
        booked[chosen] += visit.duration
        assigned[chosen].append(visit)
    return [(members[a], assigned[a]) for a in range(count) if members[a] and assigned[a]]


def _plane(points: Sequence[Point]) -> np.ndarray:
    xy = np.array([(p.x, p.y) for p in points], dtype=float)
    if points and points[0].geographic:
        xy[:, 0] *= math.cos(math.radians(float(np.mean(xy[:, 1]))))
    return xy


def _kmeans(xy: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = xy[rng.choice(len(xy), size=count, replace=False)]
    labels = np.zeros(len(xy), dtype=int)
    for _ in range(KMEANS_ROUNDS):
        distance = np.hypot(xy[:, None, 0] - centres[None, :, 0], xy[:, None, 1] - centres[None, :, 1])
        labels = distance.argmin(axis=1)
        for k in range(count):
            if (labels == k).any():
                centres[k] = xy[labels == k].mean(axis=0)
    return labels, centres
