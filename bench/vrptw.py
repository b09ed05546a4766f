"""Solomon VRPTW benchmark of the dispatch optimiser's engine (PyVRP).

    .venv/bin/python bench/vrptw.py --instances ../shared/benchmarks/solomon \
        --bks ../shared/benchmarks/solomon/bks.csv --seconds 30

Solves every Solomon-format file in --instances (fewest vehicles, then least distance), checks
each solution in floating point, prints one row per instance and ends with exactly one line
``SUMMARY instances=N feasible=N vehicles_over_bks=K mean_gap_pct=X.XX``. The best-known
solutions are read only to print the comparison; the solver never sees them.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xiuhao.dispatch.optimizer.vrptw import check_vrptw, read_solomon, solve_vrptw  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=Path, required=True, help="folder of Solomon .txt files")
    parser.add_argument("--bks", type=Path, required=True, help="CSV: instance,vehicles,distance")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per instance")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # PyVRP warns when a smaller fleet it is asked to try looks infeasible; that is expected here.
    warnings.filterwarnings("ignore", module="pyvrp")

    with args.bks.open(newline="") as handle:
        bks = {row["instance"].strip().upper(): row for row in csv.DictReader(handle)}
    files = sorted(
        p
        for p in args.instances.iterdir()
        if p.suffix.lower() in (".txt", ".vrp") and p.stem.upper() != "README"
    )

    print(
        f"{'instance':<10}{'feasible':>9}{'vehicles':>9}{'bks_veh':>8}{'over':>5}{'distance':>11}{'bks_dist':>11}{'gap_pct':>9}{'seconds':>9}"
    )
    feasible_count = over_total = 0
    gaps: list[float] = []
    for path in files:
        instance = read_solomon(path)
        started = time.monotonic()
        routes = solve_vrptw(instance, args.seconds, seed=args.seed)
        elapsed = time.monotonic() - started
        check = check_vrptw(instance, routes)
        best = bks.get(path.stem.upper())
        over = gap = None
        if best is not None:
            over = max(0, check.vehicles - int(best["vehicles"]))
            gap = 100.0 * (check.distance - float(best["distance"])) / float(best["distance"])
        feasible_count += check.feasible
        over_total += over or 0
        if gap is not None:
            gaps.append(gap)
        print(
            f"{path.stem:<10}{'yes' if check.feasible else 'NO':>9}{check.vehicles:>9}"
            f"{best['vehicles'] if best else '-':>8}{over if over is not None else '-':>5}"
            f"{check.distance:>11.2f}{float(best['distance']) if best else float('nan'):>11.2f}"
            f"{gap if gap is not None else float('nan'):>9.2f}{elapsed:>9.1f}",
            flush=True,
        )
        for violation in check.violations[:5]:
            print(f"  violation: {violation}", flush=True)
    mean_gap = sum(gaps) / len(gaps) if gaps else float("nan")
    print(
        f"SUMMARY instances={len(files)} feasible={feasible_count} "
        f"vehicles_over_bks={over_total} mean_gap_pct={mean_gap:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
