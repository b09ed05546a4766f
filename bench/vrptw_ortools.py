"""The same Solomon runs on OR-Tools routing, for the engine choice recorded in docs/adr/.

    .venv/bin/pip install ortools==9.15.6755   # not a project dependency
    .venv/bin/python bench/vrptw_ortools.py --instances ../shared/benchmarks/solomon \
        --bks ../shared/benchmarks/solomon/bks.csv --seconds 30

Same objective as bench/vrptw.py (a vehicle costs more than any distance saving), same scaling
(travel rounded up to 1/1000), same floating-point check and output, guided local search.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xiuhao.dispatch.optimizer.vrptw import SCALE, check_vrptw, read_solomon  # noqa: E402

try:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2
except ImportError:  # pragma: no cover - exercised by hand
    sys.exit("OR-Tools is not installed: .venv/bin/pip install ortools==9.15.6755")


def solve_ortools(instance, seconds: float) -> list[list[int]]:
    n = len(instance.x)
    manager = pywrapcp.RoutingIndexManager(n, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    travel = [[math.ceil(instance.distance(i, j) * SCALE - 1e-9) for j in range(n)] for i in range(n)]
    service = [round(s * SCALE) for s in instance.service]

    def time_callback(from_index: int, to_index: int) -> int:
        i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
        return service[i] + travel[i][j]

    def distance_callback(from_index: int, to_index: int) -> int:
        return travel[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    distance_index = routing.RegisterTransitCallback(distance_callback)
    routing.SetArcCostEvaluatorOfAllVehicles(distance_index)
    routing.SetFixedCostOfAllVehicles(sum(2 * travel[0][i] for i in range(1, n)) + 1)
    time_index = routing.RegisterTransitCallback(time_callback)
    horizon = round(instance.due[0] * SCALE)
    routing.AddDimension(time_index, horizon, horizon, False, "time")
    time_dimension = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        time_dimension.CumulVar(manager.NodeToIndex(node)).SetRange(
            round(instance.ready[node] * SCALE), round(instance.due[node] * SCALE)
        )
    demand_index = routing.RegisterUnaryTransitCallback(
        lambda index: instance.demand[manager.IndexToNode(index)]
    )
    routing.AddDimensionWithVehicleCapacity(
        demand_index, 0, [instance.capacity] * instance.vehicles, True, "load"
    )

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(parameters)
    if solution is None:
        return []
    routes = []
    for vehicle in range(instance.vehicles):
        index = solution.Value(routing.NextVar(routing.Start(vehicle)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=Path, required=True)
    parser.add_argument("--bks", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--only", help="comma-separated instance names")
    args = parser.parse_args()
    with args.bks.open(newline="") as handle:
        bks = {row["instance"].strip().upper(): row for row in csv.DictReader(handle)}
    files = sorted(p for p in args.instances.glob("*.txt") if p.stem.upper() != "README")
    if args.only:
        files = [p for p in files if p.stem.upper() in args.only.upper().split(",")]
    feasible = over_total = 0
    gaps = []
    for path in files:
        instance = read_solomon(path)
        started = time.monotonic()
        check = check_vrptw(instance, solve_ortools(instance, args.seconds))
        best = bks[path.stem.upper()]
        over = max(0, check.vehicles - int(best["vehicles"]))
        gap = 100.0 * (check.distance - float(best["distance"])) / float(best["distance"])
        feasible += check.feasible
        over_total += over
        gaps.append(gap)
        print(
            f"{path.stem:<8} feasible={check.feasible} vehicles={check.vehicles} bks={best['vehicles']} "
            f"distance={check.distance:.2f} gap_pct={gap:.2f} seconds={time.monotonic() - started:.1f}",
            flush=True,
        )
    print(
        f"SUMMARY instances={len(files)} feasible={feasible} vehicles_over_bks={over_total} "
        f"mean_gap_pct={sum(gaps) / max(1, len(gaps)):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
