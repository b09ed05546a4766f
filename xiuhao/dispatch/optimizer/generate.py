"""Random but plausible field-service days, in the problem JSON, for tests and benchmarks.

Engineers start and end at home, work 08:00–17:00 or 09:00–18:00, mostly with a lunch break
and some overtime allowed, and hold one to three skills. Visits cluster around neighbourhoods,
last 15–60 minutes, come with morning, afternoon, all-day or two-part windows, priorities,
some deadlines and a few pinned engineers. The area grows with the crew, so a day holds about
ten visits per engineer whatever the size.
"""

from __future__ import annotations

import math
import random
from typing import Any

SKILLS = ("hvac", "xray", "ct", "elevator", "electrical", "plumbing", "network")
WINDOWS = (
    [[480, 1020]],
    [[480, 720]],
    [[780, 1020]],
    [[540, 660], [900, 1020]],
    [[600, 900]],
)


def generate(
    num_visits: int, num_engineers: int, seed: int = 1, *, with_capacity: bool = False
) -> dict[str, Any]:
    rng = random.Random(seed)
    side = 8.0 * math.sqrt(max(1, num_engineers))  # km
    centres = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(max(3, num_engineers // 4))]

    def near_centre(spread: float) -> dict[str, float]:
        cx, cy = rng.choice(centres)
        x = min(side, max(0.0, rng.gauss(cx, spread)))
        y = min(side, max(0.0, rng.gauss(cy, spread)))
        return {"x": round(x, 3), "y": round(y, 3)}

    engineers = []
    for i in range(num_engineers):
        home = near_centre(side / 6)
        shift = [480, 1020] if rng.random() < 0.7 else [540, 1080]
        engineer: dict[str, Any] = {
            "id": f"e{i + 1}",
            "start": home,
            "end": home,
            "shift": shift,
            "max_overtime": rng.choice((0, 30, 60)),
            "skills": sorted(rng.sample(SKILLS, rng.choice((1, 2, 2, 3)))),
            "breaks": [],
        }
        if rng.random() < 0.8:
            engineer["breaks"] = [{"earliest": 690, "latest": 840, "duration": 30}]
        if with_capacity:
            engineer["capacity"] = rng.choice((20, 30, 40))
        engineers.append(engineer)

    visits = []
    for j in range(num_visits):
        skills = []
        roll = rng.random()
        if roll < 0.7:
            skills = [rng.choice(SKILLS)]
        elif roll < 0.8:
            skills = sorted(rng.sample(SKILLS, 2))
        visit: dict[str, Any] = {
            "id": f"v{j + 1}",
            "location": near_centre(side / 10),
            "duration": rng.choice((15, 20, 30, 30, 45, 45, 60)),
            "windows": rng.choice(WINDOWS),
            "skills": skills,
            "priority": rng.choices((1, 2, 3), weights=(15, 50, 35))[0],
            "demand": rng.choice((0, 1, 2, 5)) if with_capacity else 0,
        }
        if rng.random() < 0.25:
            visit["deadline"] = visit["windows"][0][0] + rng.choice((120, 180, 240))
        if rng.random() < 0.03:
            able = [e for e in engineers if set(skills) <= set(e["skills"])]
            if able:
                visit["engineer"] = rng.choice(able)["id"]
        visits.append(visit)

    return {
        "travel": {"kind": "euclidean", "speed_kmh": 40, "road_factor": 1.3},
        "engineers": engineers,
        "visits": visits,
        "capacity": None,
    }
