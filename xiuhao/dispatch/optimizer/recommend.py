"""Ranking engineers for one job, with the reasons a dispatcher reads next to each rank.

Hard filters (any failing one rules the engineer out): skills, pinning, region, and being able
to start the job inside one of its windows and finish it before shift end + overtime.
Among those left, a score in minutes (lower is better): travel time from the current position,
plus a quarter of the minutes already booked today, minus a bonus for the customer's preferred
engineer and for engineers who have served the customer before.

Engineers come as the dicts a caller holds (see docs/dispatch-optimizer.md); the loop over
them is kept free of per-engineer objects because it runs over thousands per request.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from typing import Any

from .model import DAY_END, EARTH_RADIUS_KM, Travel, _point
from .reasons import clock

WORKLOAD_WEIGHT = 0.25  # minutes of score per minute already booked
PREFERRED_BONUS = 30.0  # the customer's own choice outweighs half an hour of driving
HISTORY_BONUS_PER_JOB = 5.0
HISTORY_BONUS_MAX = 20.0


def recommend(
    visit: dict[str, Any],
    engineers: Iterable[dict[str, Any]],
    now: float,
    *,
    travel: Travel | None = None,
    limit: int = 10,
    include_unfit: bool = False,
) -> list[dict[str, Any]]:
    """The best ``limit`` engineers for ``visit``, best first, each with its reasons.

    ``visit`` is a visit of the problem JSON, optionally with ``region``, ``preferred_engineer``
    and ``history`` (engineer id → jobs done for this customer). Each engineer has ``id``,
    ``position`` (where he is now), ``shift``, ``max_overtime``, ``skills``, and optionally
    ``regions``, ``free_at`` and ``booked_minutes``. With ``include_unfit`` the engineers ruled
    out follow the ranked ones, each with why. Without ``travel``, lat/lng locations use the
    haversine defaults and x/y locations the euclidean ones.
    """
    if travel is None:
        travel = Travel(kind="haversine") if "lat" in visit["location"] else Travel()
    minutes_from = _minutes_to(travel, visit["location"])
    skills = frozenset(visit.get("skills") or ())
    windows = sorted((float(a), float(b)) for a, b in visit.get("windows") or ((0.0, DAY_END),))
    duration = float(visit.get("duration") or 0.0)
    region = visit.get("region")
    pinned = visit.get("engineer")
    preferred = visit.get("preferred_engineer")
    history: dict[str, int] = visit.get("history") or {}

    fit: list[tuple[float, int, dict[str, Any], float, float]] = []
    unfit: list[tuple[dict[str, Any], list[str]]] = []
    for index, engineer in enumerate(engineers):
        problems = []
        if skills and not skills.issubset(engineer.get("skills") or ()):
            problems.append(f"lacks skill {', '.join(sorted(skills - set(engineer.get('skills') or ())))}")
        if pinned is not None and pinned != engineer["id"]:
            problems.append(f"the job is pinned to {pinned}")
        regions = engineer.get("regions")
        if region is not None and regions and region not in regions:
            problems.append(f"does not cover region {region}")
        if problems:
            if include_unfit:
                unfit.append((engineer, problems))
            continue
        minutes = minutes_from(engineer.get("position") or engineer["start"])
        shift_start, shift_end = engineer.get("shift") or (0.0, DAY_END)
        ready = max(now, engineer.get("free_at") or 0.0, shift_start) + minutes
        start = next((max(ready, a) for a, b in windows if ready <= b), None)
        if start is None or start + duration > shift_end + (engineer.get("max_overtime") or 0.0):
            if include_unfit:
                why = (
                    "cannot arrive before the window closes"
                    if start is None
                    else "cannot finish before the shift ends"
                )
                unfit.append((engineer, [why]))
            continue
        score = minutes + WORKLOAD_WEIGHT * (engineer.get("booked_minutes") or 0.0)
        if engineer["id"] == preferred:
            score -= PREFERRED_BONUS
        if history:
            score -= min(HISTORY_BONUS_MAX, HISTORY_BONUS_PER_JOB * history.get(engineer["id"], 0))
        fit.append((score, index, engineer, minutes, start))

    best = heapq.nsmallest(limit, fit, key=lambda item: (item[0], item[1]))
    ranked = [
        {
            "rank": rank,
            "engineer": engineer["id"],
            "feasible": True,
            "score": round(score, 2),
            "travel_minutes": round(minutes, 1),
            "start": start,
            "reasons": _reasons(engineer, skills, region, minutes, start, preferred, history),
        }
        for rank, (score, _, engineer, minutes, start) in enumerate(best, start=1)
    ]
    for engineer, problems in unfit:
        ranked.append({"rank": None, "engineer": engineer["id"], "feasible": False, "reasons": problems})
    return ranked


def _minutes_to(travel: Travel, location: dict[str, float]) -> Callable[[dict[str, float]], float]:
    """Travel minutes from a location dict to ``location``; inlined math, as Travel.minutes does it."""
    target = _point(location, "visit.location")
    minutes_per_km = 60.0 / travel.speed_kmh
    if travel.kind == "haversine":
        lat2, lng2 = math.radians(target.y), math.radians(target.x)
        cos_lat2 = math.cos(lat2)
        factor = 2 * EARTH_RADIUS_KM * travel.road_factor * minutes_per_km

        def haversine(p: dict[str, float]) -> float:
            lat1 = math.radians(p["lat"])
            h = (
                math.sin((lat2 - lat1) / 2) ** 2
                + math.cos(lat1) * cos_lat2 * math.sin((lng2 - math.radians(p["lng"])) / 2) ** 2
            )
            return factor * math.asin(min(1.0, math.sqrt(h)))

        return haversine

    def euclidean(p: dict[str, float]) -> float:
        return math.hypot(p["x"] - target.x, p["y"] - target.y) * minutes_per_km

    return euclidean


def _reasons(
    engineer: dict[str, Any],
    skills: frozenset[str],
    region: str | None,
    minutes: float,
    start: float,
    preferred: str | None,
    history: dict[str, int],
) -> list[str]:
    reasons: list[str] = []
    if engineer["id"] == preferred:
        reasons.append("the customer's preferred engineer")
    if history.get(engineer["id"]):
        reasons.append(f"has served this customer {history[engineer['id']]} times")
    if skills:
        reasons.append(f"has skill {', '.join(sorted(skills))}")
    if region is not None and region in (engineer.get("regions") or ()):
        reasons.append(f"covers region {region}")
    reasons.append(f"about {minutes:.0f} min away")
    reasons.append(f"can start at {clock(start)}")
    reasons.append(f"{engineer.get('booked_minutes') or 0:.0f} min already booked today")
    return reasons
