"""The field-service problem: engineers, visits and how long it takes to drive between them.

Plain Python data, read from and written to the JSON documented in docs/dispatch-optimizer.md.
Times are minutes from midnight (floats allowed); travel times are minutes too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

EARTH_RADIUS_KM = 6371.0088
DAY_END = 10_000_000.0  # "no limit" for a missing window or shift: far beyond any real time


class ProblemError(ValueError):
    """The problem JSON is malformed; the message says where."""


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    geographic: bool = False  # True: x is longitude, y is latitude

    def as_json(self) -> dict[str, float]:
        return {"lng": self.x, "lat": self.y} if self.geographic else {"x": self.x, "y": self.y}


@dataclass(frozen=True)
class Travel:
    kind: str = "euclidean"
    speed_kmh: float = 60.0
    road_factor: float = 1.3

    def minutes(self, a: Point, b: Point) -> float:
        if self.kind == "haversine":
            km = haversine_km(a, b) * self.road_factor
        else:
            km = math.hypot(a.x - b.x, a.y - b.y)
        return km * 60.0 / self.speed_kmh


def haversine_km(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat = lat2 - lat1
    dlng = math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Break:
    earliest: float
    latest: float
    duration: float


@dataclass(frozen=True)
class Engineer:
    id: str
    start: Point
    end: Point
    shift: tuple[float, float]
    max_overtime: float = 0.0
    skills: frozenset[str] = frozenset()
    breaks: tuple[Break, ...] = ()
    capacity: float | None = None

    @property
    def latest_return(self) -> float:
        return self.shift[1] + self.max_overtime


@dataclass(frozen=True)
class Visit:
    id: str
    location: Point
    duration: float
    windows: tuple[tuple[float, float], ...] = ((0.0, DAY_END),)
    skills: frozenset[str] = frozenset()
    priority: int = 2
    deadline: float | None = None
    engineer: str | None = None
    demand: float = 0.0


@dataclass
class Problem:
    travel: Travel
    engineers: list[Engineer]
    visits: list[Visit]
    capacity: float | None = None
    now: float | None = None
    engineer_by_id: dict[str, Engineer] = field(init=False)
    visit_by_id: dict[str, Visit] = field(init=False)

    def __post_init__(self) -> None:
        self.engineer_by_id = _unique(self.engineers, "engineer")
        self.visit_by_id = _unique(self.visits, "visit")

    def capacity_of(self, engineer: Engineer) -> float | None:
        return engineer.capacity if engineer.capacity is not None else self.capacity

    def qualified(self, engineer: Engineer, visit: Visit) -> bool:
        """Skills and pinning: the static part of whether ``engineer`` may do ``visit``."""
        if visit.engineer is not None and visit.engineer != engineer.id:
            return False
        return visit.skills <= engineer.skills


def _unique(items: list, what: str) -> dict:
    by_id = {}
    for item in items:
        if item.id in by_id:
            raise ProblemError(f"{what} id {item.id!r} appears twice")
        by_id[item.id] = item
    return by_id


def parse_problem(data: dict[str, Any]) -> Problem:
    if not isinstance(data, dict):
        raise ProblemError("the problem must be a JSON object")
    travel_json = data.get("travel") or {}
    kind = travel_json.get("kind", "euclidean")
    if kind not in ("euclidean", "haversine"):
        raise ProblemError(f"travel.kind must be euclidean or haversine, not {kind!r}")
    travel = Travel(
        kind=kind,
        speed_kmh=_positive(travel_json.get("speed_kmh", 60.0), "travel.speed_kmh"),
        road_factor=_positive(travel_json.get("road_factor", 1.3), "travel.road_factor"),
    )
    engineers = [_engineer(e, i) for i, e in enumerate(data.get("engineers") or [])]
    visits = [_visit(v, i) for i, v in enumerate(data.get("visits") or [])]
    capacity = data.get("capacity")
    now = data.get("now")
    return Problem(
        travel=travel,
        engineers=engineers,
        visits=visits,
        capacity=None if capacity is None else float(capacity),
        now=None if now is None else float(now),
    )


def _engineer(e: dict[str, Any], index: int) -> Engineer:
    where = f"engineers[{index}]"
    try:
        start = _point(e["start"], f"{where}.start")
        shift_start, shift_end = (float(t) for t in e.get("shift") or (0.0, DAY_END))
        breaks = tuple(
            Break(float(b["earliest"]), float(b["latest"]), float(b["duration"]))
            for b in e.get("breaks") or ()
        )
        engineer = Engineer(
            id=str(e["id"]),
            start=start,
            end=_point(e["end"], f"{where}.end") if e.get("end") else start,
            shift=(shift_start, shift_end),
            max_overtime=float(e.get("max_overtime") or 0.0),
            skills=frozenset(e.get("skills") or ()),
            breaks=breaks,
            capacity=None if e.get("capacity") is None else float(e["capacity"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProblemError(f"{where}: {exc!r}") from exc
    if shift_end < shift_start:
        raise ProblemError(f"{where}: shift ends before it starts")
    for b in breaks:
        if b.duration < 0 or b.latest - b.earliest < b.duration:
            raise ProblemError(
                f"{where}: a break of {b.duration} min does not fit in [{b.earliest}, {b.latest}]"
            )
    return engineer


def _visit(v: dict[str, Any], index: int) -> Visit:
    where = f"visits[{index}]"
    try:
        windows = tuple(sorted((float(a), float(b)) for a, b in v.get("windows") or ((0.0, DAY_END),)))
        visit = Visit(
            id=str(v["id"]),
            location=_point(v["location"], f"{where}.location"),
            duration=float(v.get("duration") or 0.0),
            windows=windows,
            skills=frozenset(v.get("skills") or ()),
            priority=int(v.get("priority") or 2),
            deadline=None if v.get("deadline") is None else float(v["deadline"]),
            engineer=None if v.get("engineer") is None else str(v["engineer"]),
            demand=float(v.get("demand") or 0.0),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProblemError(f"{where}: {exc!r}") from exc
    if visit.priority not in (1, 2, 3):
        raise ProblemError(f"{where}: priority must be 1, 2 or 3")
    if visit.duration < 0 or any(b < a for a, b in windows):
        raise ProblemError(f"{where}: negative duration or a window that closes before it opens")
    return visit


def _point(p: dict[str, Any], where: str) -> Point:
    if "lat" in p and "lng" in p:
        return Point(float(p["lng"]), float(p["lat"]), geographic=True)
    if "x" in p and "y" in p:
        return Point(float(p["x"]), float(p["y"]))
    raise ProblemError(f"{where}: a location needs x and y, or lat and lng")


def _positive(value: Any, where: str) -> float:
    number = float(value)
    if number <= 0:
        raise ProblemError(f"{where} must be positive")
    return number
