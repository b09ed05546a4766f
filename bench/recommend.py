"""Single-job recommendation latency among many engineers.

    .venv/bin/python bench/recommend.py --engineers 5000 --requests 500

Builds a crew of generated engineers (position, shift, skills, regions, workload), then times
``recommend`` for random jobs, passing the engineers as the JSON dicts a caller would hold.
Prints ``RESULT engineers=… requests=… p50_ms=… p95_ms=… max_ms=…``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xiuhao.dispatch.optimizer import recommend  # noqa: E402
from xiuhao.dispatch.optimizer.generate import SKILLS  # noqa: E402
from xiuhao.dispatch.optimizer.model import Travel  # noqa: E402

REGIONS = [f"4403{n:02d}" for n in range(1, 11)]
TRAVEL = Travel(kind="haversine", speed_kmh=30, road_factor=1.3)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engineers", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    crew = [
        {
            "id": f"e{i}",
            "position": {"lat": 22.5 + rng.uniform(-0.3, 0.3), "lng": 114.0 + rng.uniform(-0.4, 0.4)},
            "shift": [480, 1020],
            "max_overtime": 60,
            "skills": rng.sample(SKILLS, rng.choice((1, 2, 3))),
            "regions": rng.sample(REGIONS, 3),
            "free_at": rng.choice((480, 540, 600, 660)),
            "booked_minutes": rng.randrange(0, 480),
        }
        for i in range(args.engineers)
    ]
    timings = []
    for n in range(args.requests):
        job = {
            "id": f"j{n}",
            "location": {"lat": 22.5 + rng.uniform(-0.3, 0.3), "lng": 114.0 + rng.uniform(-0.4, 0.4)},
            "duration": 60,
            "windows": [[600, 1020]],
            "skills": [rng.choice(SKILLS)],
            "region": rng.choice(REGIONS),
            "preferred_engineer": f"e{rng.randrange(args.engineers)}",
            "history": {f"e{rng.randrange(args.engineers)}": 3},
        }
        started = time.perf_counter()
        ranked = recommend(job, crew, now=600, travel=TRAVEL)
        timings.append((time.perf_counter() - started) * 1000)
        assert ranked and ranked[0]["reasons"]
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"RESULT engineers={args.engineers} requests={args.requests} "
        f"p50_ms={statistics.median(timings):.1f} p95_ms={p95:.1f} max_ms={timings[-1]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
