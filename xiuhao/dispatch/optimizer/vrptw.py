"""Plain VRPTW (Solomon format) on PyVRP, under the usual hierarchical objective.

Fewest vehicles first, then least total Euclidean distance. Used by ``bench/vrptw.py`` to
measure the engine on public instances; the field-service model lives in ``solver.py``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvrp
from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

# PyVRP works in integers. Times and distances are scaled by this factor; travel durations are
# rounded *up*, so a schedule that is feasible in integers is feasible in floating point too.
SCALE = 1000
FEASIBILITY_EPS = 1e-6
FIRST_PHASE_SHARE = 0.05
FLEET_PHASE_SHARE = 0.6  # ends the fleet phase, counted from the start


@dataclass(frozen=True)
class VrptwInstance:
    name: str
    vehicles: int
    capacity: int
    x: list[float]
    y: list[float]
    demand: list[int]
    ready: list[float]
    due: list[float]
    service: list[float]

    @property
    def num_clients(self) -> int:
        return len(self.x) - 1

    def distance(self, i: int, j: int) -> float:
        return math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])


def read_solomon(path: str | Path) -> VrptwInstance:
    lines = [line.split() for line in Path(path).read_text().splitlines()]
    lines = [line for line in lines if line]
    name = lines[0][0]
    vehicle_row = next(i for i, line in enumerate(lines) if line[0].upper() == "VEHICLE")
    vehicles, capacity = (int(v) for v in lines[vehicle_row + 2])
    rows = [line for line in lines[vehicle_row + 3 :] if line[0].isdigit()]
    columns = list(zip(*[[float(v) for v in row] for row in rows], strict=True))
    return VrptwInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        x=list(columns[1]),
        y=list(columns[2]),
        demand=[int(d) for d in columns[3]],
        ready=list(columns[4]),
        due=list(columns[5]),
        service=list(columns[6]),
    )


@dataclass
class VrptwCheck:
    violations: list[str]
    vehicles: int
    distance: float

    @property
    def feasible(self) -> bool:
        return not self.violations


def check_vrptw(instance: VrptwInstance, routes: list[list[int]]) -> VrptwCheck:
    """Verify routes (lists of client numbers, depot 0 implied) in floating point."""
    violations: list[str] = []
    seen: dict[int, int] = {}
    total = 0.0
    for r, route in enumerate(routes):
        load = 0
        time_now = instance.ready[0]
        previous = 0
        for client in route:
            if not 1 <= client <= instance.num_clients:
                violations.append(f"route {r}: unknown client {client}")
                continue
            seen[client] = seen.get(client, 0) + 1
            load += instance.demand[client]
            leg = instance.distance(previous, client)
            total += leg
            start = max(time_now + leg, instance.ready[client])
            if start > instance.due[client] + FEASIBILITY_EPS:
                violations.append(
                    f"route {r}: client {client} starts {start:.4f} after {instance.due[client]}"
                )
            time_now = start + instance.service[client]
            previous = client
        leg = instance.distance(previous, 0)
        total += leg
        if time_now + leg > instance.due[0] + FEASIBILITY_EPS:
            violations.append(f"route {r}: back at depot {time_now + leg:.4f} after {instance.due[0]}")
        if load > instance.capacity:
            violations.append(f"route {r}: load {load} over capacity {instance.capacity}")
    for client in range(1, instance.num_clients + 1):
        if seen.get(client, 0) != 1:
            violations.append(f"client {client} visited {seen.get(client, 0)} times")
    used = sum(1 for route in routes if route)
    if used > instance.vehicles:
        violations.append(f"{used} vehicles used, {instance.vehicles} available")
    return VrptwCheck(violations=violations, vehicles=used, distance=total)


def problem_data(instance: VrptwInstance, vehicles: int, fixed_cost: int = 0) -> pyvrp.ProblemData:
    coords = np.column_stack([instance.x, instance.y])
    exact = np.hypot(*(coords[:, None, :] - coords[None, :, :]).transpose(2, 0, 1))
    distances = np.rint(exact * SCALE).astype(np.int64)
    durations = np.ceil(exact * SCALE - 1e-9).astype(np.int64)
    locations = [pyvrp.Location(x=x, y=y) for x, y in zip(instance.x, instance.y, strict=True)]
    depot = pyvrp.Depot(location=0, tw_early=_scaled(instance.ready[0]), tw_late=_scaled(instance.due[0]))
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[instance.demand[i]],
            service_duration=_scaled(instance.service[i]),
            tw_early=_scaled(instance.ready[i]),
            tw_late=_scaled(instance.due[i]),
        )
        for i in range(1, instance.num_clients + 1)
    ]
    vehicle_type = pyvrp.VehicleType(
        num_available=vehicles,
        capacity=[instance.capacity],
        fixed_cost=fixed_cost,
        tw_early=_scaled(instance.ready[0]),
        tw_late=_scaled(instance.due[0]),
    )
    return pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=[depot],
        vehicle_types=[vehicle_type],
        distance_matrices=[distances],
        duration_matrices=[durations],
    )


def solve_vrptw(instance: VrptwInstance, seconds: float, seed: int = 1) -> list[list[int]]:
    """Best routes found within ``seconds``: first fewest vehicles, then least distance.

    1. A short run where a vehicle costs more than any route gives a feasible fleet size.
    2. Fleet: ask PyVRP for *any* feasible solution with one vehicle fewer, from scratch, until
       it finds none in the time left for this phase. With every client required and the fleet
       capped, PyVRP's penalties on lateness steer the search to feasibility; measured on the
       Solomon R1/RC1 instances this finds the small fleets that a fleet cost alone does not.
    3. Distance: the fleet is capped at the best size found and the rest of the time goes to
       distance alone.
    """
    deadline = time.monotonic() + seconds
    fleet_deadline = time.monotonic() + FLEET_PHASE_SHARE * seconds
    vehicle_cost = int(sum(2 * instance.distance(0, i) for i in range(1, len(instance.x))) * SCALE) + 1
    with_vehicle_cost = problem_data(instance, instance.vehicles, fixed_cost=vehicle_cost)
    first = pyvrp.solve(
        with_vehicle_cost, stop=MaxRuntime(FIRST_PHASE_SHARE * seconds), seed=seed, collect_stats=False
    ).best
    if not first.is_feasible():
        # A hard instance: keep searching from there for as long as it takes, up to the limit.
        first = pyvrp.solve(
            with_vehicle_cost,
            stop=MultipleCriteria([FirstFeasible(), MaxRuntime(max(0.05, deadline - time.monotonic()))]),
            seed=seed,
            collect_stats=False,
            initial_solution=first,
        ).best
        if not first.is_feasible():
            return _routes(first)
    best = first
    lower_bound = math.ceil(sum(instance.demand) / instance.capacity)
    while best.num_routes() > lower_bound and time.monotonic() < fleet_deadline:
        fewer = pyvrp.solve(
            problem_data(instance, best.num_routes() - 1),
            stop=MultipleCriteria([FirstFeasible(), MaxRuntime(fleet_deadline - time.monotonic())]),
            seed=seed,
            collect_stats=False,
        ).best
        if not fewer.is_feasible():
            break
        best = fewer
    data = problem_data(instance, best.num_routes())
    initial = pyvrp.Solution(data, [[c - 1 for c in route] for route in _routes(best)])
    distance_phase = pyvrp.solve(
        data,
        stop=MaxRuntime(max(0.05, deadline - time.monotonic())),
        seed=seed,
        collect_stats=False,
        initial_solution=initial,
    ).best
    if distance_phase.is_feasible() and _rank(distance_phase) < _rank(initial):
        return _routes(distance_phase)
    return _routes(initial)


def _rank(solution: pyvrp.Solution) -> tuple[int, int]:
    return (solution.num_routes(), solution.distance())


def _routes(solution: pyvrp.Solution) -> list[list[int]]:
    """Routes as Solomon customer numbers: PyVRP's client index is 0-based, the file's 1-based."""
    return [
        [activity.idx + 1 for activity in route if activity.type == pyvrp.ActivityType.CLIENT]
        for route in solution.routes()
        if route.num_clients() > 0
    ]


def _scaled(minutes: float) -> int:
    return int(round(minutes * SCALE))
