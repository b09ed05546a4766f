"""Re-planning during the day keeps what has started and plans the rest anew."""

from __future__ import annotations

import pytest

from xiuhao.dispatch.optimizer import ProblemError, check_plan, parse_problem, solve

from .helpers import engineer, problem, reasons, solved, stops, visit


def morning() -> dict:
    return problem(
        [engineer("e1"), engineer("e2", start={"x": 30, "y": 0}, end={"x": 30, "y": 0})],
        [
            visit("a", 5, windows=[[480, 520]]),
            visit("b", 10, windows=[[600, 900]]),
            visit("c", 35, windows=[[480, 520]]),
            visit("d", 25, windows=[[600, 900]]),
        ],
    )


def started_at(plan: dict, now: float) -> dict[str, tuple[str, dict]]:
    return {vid: where for vid, where in stops(plan).items() if where[1]["start"] <= now}


def test_started_visits_keep_engineer_and_times_while_an_urgent_job_is_added():
    first = solved(morning())
    started = started_at(first, 500)
    assert started, "the first visits start before 08:20"
    later = morning() | {"now": 500}
    later["visits"].append(visit("urgent", 12, priority=1, windows=[[500, 700]]))
    second = solved(later, previous=first)
    for vid, (engineer_id, stop) in started.items():
        assert stops(second)[vid] == (engineer_id, stop)
    assert "urgent" in stops(second)
    assert all(s["start"] >= 500 for vid, (_, s) in stops(second).items() if vid not in started)


def test_an_engineer_who_drops_out_loses_his_open_visits_to_others_and_his_started_ones_are_reported():
    first = solved(morning())
    started = started_at(first, 500)
    dropped = stops(first)["a"][0]
    later = morning() | {"now": 500}
    later["engineers"] = [e for e in later["engineers"] if e["id"] != dropped]
    second = solved(later, previous=first)
    for vid, (engineer_id, _) in started.items():
        if engineer_id == dropped:
            assert reasons(second)[vid][0] == "started_engineer_missing"
    assert all(engineer_id != dropped for engineer_id, _ in stops(second).values())
    assert "b" in stops(second) or reasons(second)["b"][0] != "started_engineer_missing"


def test_check_with_the_previous_plan_rejects_a_moved_started_visit():
    first = solved(morning())
    later = parse_problem(morning() | {"now": 500})
    moved = {
        **first,
        "routes": [
            dict(r, stops=[dict(s, start=s["start"] + 1, end=s["end"] + 1) for s in r["stops"]])
            for r in first["routes"]
        ],
    }
    assert "started_moved" in {v.code for v in check_plan(later, moved, first).violations}


def test_check_with_the_previous_plan_rejects_a_new_visit_before_now():
    first = solved(morning())
    later = morning() | {"now": 500}
    later["visits"].append(visit("urgent", 12, priority=1, windows=[[400, 700]]))
    second = solved(later, previous=first)
    route = next(r for r in second["routes"] if any(s["visit"] == "urgent" for s in r["stops"]))
    urgent = next(s for s in route["stops"] if s["visit"] == "urgent")
    urgent.update(start=urgent["start"] - 200, end=urgent["end"] - 200, arrival=urgent["start"] - 200)
    assert "before_now" in {v.code for v in check_plan(parse_problem(later), second, first).violations}


def test_a_warm_start_needs_now():
    first = solved(morning())
    with pytest.raises(ProblemError, match="now"):
        solve(parse_problem(morning()), 0.2, previous=first)


def test_nothing_is_planned_before_now():
    plan = solved(morning() | {"now": 600})
    assert all(s["start"] >= 600 for _, s in stops(plan).values())
    assert reasons(plan)["a"][0] == "window_passed"


def test_a_missed_break_window_keeps_the_engineer_from_working_past_it():
    lunch = [{"earliest": 690, "latest": 750, "duration": 30}]
    day = problem([engineer(breaks=lunch)], [visit("early", 10, windows=[[480, 500]])])
    first = solved(day)
    assert first["routes"][0]["end"] < 690 and first["routes"][0]["breaks"] == []
    later = day | {"now": 760}
    later["visits"] = later["visits"] + [visit("afternoon", 10, windows=[[760, 900]])]
    second = solved(later, previous=first)
    assert "afternoon" not in stops(second)
    assert reasons(second)["afternoon"][0] == "break_clash"
