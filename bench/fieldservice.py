"""Field-service day plans: generated days solved, checked, timed.

    .venv/bin/python bench/fieldservice.py --sizes 50x5,500x50,5000x500 --seconds 60

Each size is VISITSxENGINEERS. For each, a day is generated (skills, windows, breaks,
priorities, deadlines, home starts, a few pinned visits), solved with the time limit, and the
plan checked independently in floating point. One ``RESULT`` line per size:
wall time, feasibility, visits served by priority, unassigned by reason, totals.
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xiuhao.dispatch.optimizer import check_plan, parse_problem, solve  # noqa: E402
from xiuhao.dispatch.optimizer.generate import generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="50x5,500x50,5000x500", help="comma-separated VISITSxENGINEERS")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit per plan (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, help="folder to write each problem and plan to")
    args = parser.parse_args()

    worst = 0
    for size in args.sizes.split(","):
        visits, engineers = (int(n) for n in size.lower().split("x"))
        data = generate(visits, engineers, seed=args.seed)
        problem = parse_problem(data)
        started = time.monotonic()
        plan = solve(problem, args.seconds, seed=args.seed)
        wall = time.monotonic() - started
        result = check_plan(parse_problem(data), plan)
        wanted = collections.Counter(v.priority for v in problem.visits)
        reasons = collections.Counter(u["code"] for u in plan["unassigned"])
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"problem-{size}.json").write_text(json.dumps(data))
            (args.save / f"plan-{size}.json").write_text(json.dumps(plan))
        served = " ".join(f"p{p}={result.served_by_priority.get(p, 0)}/{wanted.get(p, 0)}" for p in (1, 2, 3))
        print(
            f"RESULT size={size} seconds_limit={args.seconds:g} wall_s={wall:.1f} feasible={result.feasible} "
            f"served={result.served}/{visits} {served} routes={len(plan['routes'])} "
            f"travel_total={result.travel_total:.0f} lateness_total={result.lateness_total:.0f} "
            f"overtime_total={result.overtime_total:.0f} max_rss_mb={_max_rss_mb():.0f} "
            f"unassigned={dict(sorted(reasons.items()))}".replace(" ", " ")
            .replace(": ", ":")
            .replace(", ", ","),
            flush=True,
        )
        for violation in result.violations[:10]:
            print(f"  violation: {violation}")
        worst = max(worst, 0 if result.feasible else 1)
    return worst


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())
