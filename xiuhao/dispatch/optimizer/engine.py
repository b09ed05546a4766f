"""The field-service problem, translated for PyVRP.

PyVRP proposes which engineer does which visits in which order; ``schedule.py`` then times each
route exactly (with breaks) and ``solver.py`` repairs whatever the proposal got wrong. The
translation:

* every visit is optional, with a prize by priority far above any travel saving, so PyVRP first
  serves as many priority-1 visits as it can, then priority 2, then 3;
* a visit with several windows (or a deadline inside a window) becomes one client per window
  piece in a mutually exclusive group; the piece that ends by the deadline earns a bonus;
* skills and pinning become routing profiles: an engineer's profile makes the visits he may
  not do unreachable;
* each engineer is a vehicle type of one vehicle with his own start, end, shift and overtime.
  The shift is shortened by the breaks he will have to take, which ``schedule.py`` places later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from .model import DAY_END, Engineer, Point, Problem, Visit
from .schedule import RouteStart

SCALE = 10  # PyVRP works in integers: tenths of a minute
PRIZE = {1: 10_000_000, 2: 1_000_000, 3: 100_000}
ON_TIME_BONUS = 60 * SCALE * 10  # an hour's lateness weighs as much as ten hours of driving
OVERTIME_WEIGHT = 3  # a minute of overtime weighs as much as three minutes of driving
UNREACHABLE = 100_000_000  # above every prize: an edge no engineer may use
CAPACITY_SCALE = 1000
# A small day converges long before its time limit; stopping then gives the dispatcher the plan
# sooner (and the same plan for the same seed, whatever the machine's load).
CONVERGED_AFTER_ITERATIONS = 2_000


@dataclass(frozen=True)
class EngineerSlot:
    engineer: Engineer
    start: RouteStart
    capacity_left: float | None


def travel_matrix(problem: Problem, points: Sequence[Point]) -> np.ndarray:
    """Minutes between every pair of points, as ``Travel.minutes`` computes them one by one."""
    xs = np.array([p.x for p in points], dtype=float)
    ys = np.array([p.y for p in points], dtype=float)
    travel = problem.travel
    if travel.kind == "haversine":
        lng, lat = np.radians(xs), np.radians(ys)
        dlat = lat[None, :] - lat[:, None]
        dlng = lng[None, :] - lng[:, None]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlng / 2) ** 2
        km = 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(h))) * travel.road_factor
    else:
        km = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    return km * 60.0 / travel.speed_kmh


def propose_routes(
    problem: Problem,
    slots: Sequence[EngineerSlot],
    visits: Sequence[Visit],
    seconds: float,
    seed: int = 1,
) -> dict[str, list[str]]:
    """Engineer id → ordered visit ids, as PyVRP proposes them within ``seconds``."""
    if not slots or not visits:
        return {}
    n_slots = len(slots)
    points = [s.start.origin for s in slots] + [s.engineer.end for s in slots] + [v.location for v in visits]
    base = np.ceil(travel_matrix(problem, points) * SCALE - 1e-9).astype(np.int64)
    locations = [pyvrp.Location(x=p.x, y=p.y) for p in points]
    depots = [pyvrp.Depot(location=i) for i in range(2 * n_slots)]
    with_capacity = problem.capacity is not None or any(s.engineer.capacity is not None for s in slots)
    clients, client_visit, groups = _clients(problem, visits, 2 * n_slots, with_capacity)

    profiles: dict[frozenset[int], int] = {frozenset(): 0}
    matrices = [base]
    vehicle_types = []
    for i, slot in enumerate(slots):
        forbidden = _forbidden(slot.engineer, visits)
        if forbidden not in profiles:
            profiles[forbidden] = len(matrices)
            matrices.append(_without(base, [2 * n_slots + j for j in forbidden]))
        vehicle_types.append(_vehicle_type(slot, i, n_slots, profiles[forbidden], with_capacity))

    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=matrices,
        duration_matrices=matrices,
        groups=groups,
    )
    stop = MultipleCriteria([MaxRuntime(max(0.05, seconds)), NoImprovement(CONVERGED_AFTER_ITERATIONS)])
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False)
    proposal: dict[str, list[str]] = {}
    for route in result.best.routes():
        ids = [visits[client_visit[a.idx]].id for a in route if a.type == pyvrp.ActivityType.CLIENT]
        if ids:
            proposal[slots[route.vehicle_type()].engineer.id] = ids
    return proposal


def _clients(problem: Problem, visits: Sequence[Visit], first_location: int, with_capacity: bool):
    clients: list[pyvrp.Client] = []
    client_visit: list[int] = []
    groups: list[pyvrp.ClientGroup] = []
    not_before = problem.now if problem.now is not None else -math.inf
    for j, visit in enumerate(visits):
        pieces = _window_pieces(visit, not_before)
        group = len(groups) if len(pieces) > 1 else None
        delivery = [math.ceil(visit.demand * CAPACITY_SCALE - 1e-9)] if with_capacity else []
        members = []
        for open_, close, on_time in pieces:
            members.append(len(clients))
            client_visit.append(j)
            clients.append(
                pyvrp.Client(
                    location=first_location + j,
                    delivery=delivery,
                    service_duration=_units(visit.duration),
                    tw_early=_units(open_),
                    tw_late=_units(close),
                    prize=PRIZE[visit.priority] + (ON_TIME_BONUS if on_time else 0),
                    required=False,
                    group=group,
                    name=visit.id,
                )
            )
        if group is not None:
            groups.append(pyvrp.ClientGroup(clients=members, required=False))
    return clients, client_visit, groups


def _window_pieces(visit: Visit, not_before: float) -> list[tuple[float, float, bool]]:
    """The visit's windows (from ``not_before`` on), split where starting later would be late."""
    latest_on_time = math.inf if visit.deadline is None else visit.deadline - visit.duration
    pieces = []
    for open_, close in visit.windows:
        open_ = max(open_, not_before, 0.0)
        close = min(close, DAY_END)
        if close < open_:
            continue
        if close <= latest_on_time:
            pieces.append((open_, close, visit.deadline is not None))
        elif open_ > latest_on_time:
            pieces.append((open_, close, False))
        else:
            pieces.append((open_, latest_on_time, True))
            pieces.append((latest_on_time, close, False))
    return pieces


def _forbidden(engineer: Engineer, visits: Sequence[Visit]) -> frozenset[int]:
    """Indices of the visits ``engineer`` may not do (skills, or pinned to someone else)."""
    return frozenset(
        j
        for j, v in enumerate(visits)
        if (v.engineer is not None and v.engineer != engineer.id) or not v.skills <= engineer.skills
    )


def _without(base: np.ndarray, forbidden: list[int]) -> np.ndarray:
    matrix = base.copy()
    matrix[forbidden, :] = UNREACHABLE
    matrix[:, forbidden] = UNREACHABLE
    matrix[forbidden, forbidden] = 0
    return matrix


def _vehicle_type(
    slot: EngineerSlot, i: int, n_slots: int, profile: int, with_capacity: bool
) -> pyvrp.VehicleType:
    engineer, start = slot.engineer, slot.start
    reserve = sum(
        b.duration for b in start.open_breaks if b.earliest >= start.depart and b.latest <= engineer.shift[1]
    )
    leave = _units(start.free_at)
    latest = max(leave, _units(engineer.latest_return - reserve))
    capacity = []
    if with_capacity:
        left = slot.capacity_left
        capacity = [2**40 if left is None else max(0, math.floor(left * CAPACITY_SCALE + 1e-9))]
    return pyvrp.VehicleType(
        num_available=1,
        capacity=capacity,
        start_depot=i,
        end_depot=n_slots + i,
        tw_early=leave,
        start_late=leave,
        tw_late=latest,
        shift_duration=max(0, _units(engineer.shift[1] - reserve) - leave),
        max_overtime=_units(engineer.max_overtime),
        unit_distance_cost=1,
        unit_overtime_cost=OVERTIME_WEIGHT,
        profile=profile,
        name=engineer.id,
    )


def _units(minutes: float) -> int:
    return int(round(min(minutes, DAY_END) * SCALE))
