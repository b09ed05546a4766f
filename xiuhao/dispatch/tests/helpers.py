"""Small problems on a straight road: with speed 60 km/h, x is both km and minutes of driving."""

from __future__ import annotations

import copy
from typing import Any

from xiuhao.dispatch.optimizer import check_plan, parse_problem, solve


def engineer(id_: str = "e1", **fields: Any) -> dict[str, Any]:
    base = {
        "id": id_,
        "start": {"x": 0, "y": 0},
        "end": {"x": 0, "y": 0},
        "shift": [480, 1020],
        "max_overtime": 30,
        "skills": ["xray"],
        "breaks": [],
    }
    return base | fields


def visit(id_: str, x: float, **fields: Any) -> dict[str, Any]:
    base = {
        "id": id_,
        "location": {"x": x, "y": 0},
        "duration": 30,
        "windows": [[480, 1020]],
        "skills": [],
        "priority": 2,
    }
    return base | fields


def problem(engineers: list[dict], visits: list[dict], **fields: Any) -> dict[str, Any]:
    return {
        "travel": {"kind": "euclidean", "speed_kmh": 60},
        "engineers": engineers,
        "visits": visits,
        "capacity": None,
    } | fields


def solved(data: dict[str, Any], seconds: float = 0.5, **kwargs: Any) -> dict[str, Any]:
    plan = solve(parse_problem(data), seconds, **kwargs)
    verdict = check_plan(parse_problem(data), plan, kwargs.get("previous"))
    assert verdict.feasible, verdict.violations
    return plan


def codes(data: dict[str, Any], plan: dict[str, Any]) -> set[str]:
    return {v.code for v in check_plan(parse_problem(data), plan).violations}


def reasons(plan: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {u["visit"]: (u["code"], u["reason"]) for u in plan["unassigned"]}


def stops(plan: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {s["visit"]: (r["engineer"], s) for r in plan["routes"] for s in r["stops"]}


def altered(plan: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(plan)
