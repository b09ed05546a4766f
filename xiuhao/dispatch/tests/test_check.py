"""`check` rejects each kind of broken plan; the hand-made plan below keeps every rule."""

from __future__ import annotations

import pytest

from xiuhao.dispatch.optimizer import check_plan, parse_problem

from .helpers import altered, codes, engineer, problem, visit


def day(**changes) -> dict:
    e1 = engineer(breaks=[{"earliest": 600, "latest": 740, "duration": 30}])
    v1 = visit("v1", 10, windows=[[480, 600]], skills=["xray"])
    v2 = visit("v2", 20, windows=[[700, 900]], deadline=760)
    return problem([e1, engineer("e2", skills=[])], [v1, v2]) | changes


def valid_plan() -> dict:
    return {
        "routes": [
            {
                "engineer": "e1",
                "start": 480,
                "end": 750,
                "stops": [
                    {"visit": "v1", "arrival": 490, "start": 490, "end": 520},
                    {"visit": "v2", "arrival": 530, "start": 700, "end": 730},
                ],
                "breaks": [{"start": 600, "end": 630}],
            }
        ],
        "unassigned": [],
        "travel_total": 40,
        "lateness_total": 0,
        "overtime_total": 0,
    }


def stop(plan: dict, index: int) -> dict:
    return plan["routes"][0]["stops"][index]


def test_the_hand_made_plan_keeps_every_rule_and_its_totals_add_up():
    result = check_plan(parse_problem(day()), valid_plan())
    assert result.feasible, result.violations
    assert (result.travel_total, result.lateness_total, result.overtime_total, result.served) == (40, 0, 0, 2)


def test_it_rejects_a_visit_given_to_an_engineer_without_the_skill():
    data = day()
    data["visits"][0]["skills"] = ["ct"]
    assert "skills" in codes(data, valid_plan())


def test_it_rejects_a_pinned_visit_given_to_someone_else():
    data = day()
    data["visits"][0]["engineer"] = "e2"
    assert "pinned" in codes(data, valid_plan())


def test_it_rejects_a_service_starting_outside_every_window():
    plan = altered(valid_plan())
    stop(plan, 0).update(start=601, end=631)
    assert "window" in codes(day(), plan)


def test_it_rejects_a_service_of_the_wrong_length():
    plan = altered(valid_plan())
    stop(plan, 0)["end"] = 515
    assert "duration" in codes(day(), plan)


def test_it_rejects_arriving_faster_than_the_road_allows():
    plan = altered(valid_plan())
    stop(plan, 0).update(arrival=489.5, start=489.5, end=519.5)
    assert "travel" in codes(day(), plan)


def test_it_rejects_leaving_before_the_shift_starts():
    plan = altered(valid_plan())
    plan["routes"][0]["start"] = 470
    assert "shift_start" in codes(day(), plan)


def test_it_rejects_coming_back_after_shift_end_plus_overtime():
    plan = altered(valid_plan())
    plan["routes"][0]["end"] = 1051
    assert "shift_end" in codes(day(), plan)


def test_it_rejects_a_skipped_break_whose_window_lies_inside_the_working_span():
    plan = altered(valid_plan())
    plan["routes"][0]["breaks"] = []
    assert "break_rule" in codes(day(), plan)


def test_it_accepts_a_skipped_break_whose_window_reaches_past_the_working_span():
    data = day()
    data["engineers"][0]["breaks"][0]["latest"] = 800
    plan = altered(valid_plan())
    plan["routes"][0]["breaks"] = []
    assert codes(data, plan) == set()


@pytest.mark.parametrize(
    "start,end", [(600, 620), (575, 605), (720, 750)], ids=["too short", "early", "late"]
)
def test_it_rejects_a_break_of_the_wrong_length_or_outside_its_window(start, end):
    plan = altered(valid_plan())
    plan["routes"][0]["breaks"] = [{"start": start, "end": end}]
    assert "break_rule" in codes(day(), plan)


def test_it_rejects_a_break_overlapping_service():
    plan = altered(valid_plan())
    plan["routes"][0]["breaks"] = [{"start": 705, "end": 735}]
    assert "break_overlap" in codes(day(), plan)


def test_it_rejects_a_break_that_eats_the_driving_time():
    plan = altered(valid_plan())
    plan["routes"][0]["breaks"] = [{"start": 520, "end": 550}]
    data = day()
    data["engineers"][0]["breaks"][0]["earliest"] = 500
    assert "travel" in codes(data, plan)


def test_it_rejects_a_route_over_capacity():
    data = day(capacity=5)
    for v in data["visits"]:
        v["demand"] = 3
    assert "capacity" in codes(data, valid_plan())


def test_it_rejects_a_visit_planned_twice():
    plan = altered(valid_plan())
    plan["unassigned"].append({"visit": "v1", "reason": "again", "code": "x"})
    assert "duplicate_visit" in codes(day(), plan)


def test_it_rejects_a_visit_that_is_neither_planned_nor_unassigned():
    plan = altered(valid_plan())
    plan["routes"][0]["stops"].pop()
    plan.pop("travel_total")
    assert "missing_visit" in codes(day(), plan)


def test_it_rejects_an_unassigned_visit_without_a_reason():
    plan = altered(valid_plan())
    plan["routes"][0]["stops"].pop()
    plan["unassigned"].append({"visit": "v2", "reason": " "})
    assert "reason_missing" in codes(day(), plan)


def test_it_rejects_unknown_engineers_and_visits():
    plan = altered(valid_plan())
    plan["routes"].append({"engineer": "e9", "stops": [], "breaks": []})
    plan["unassigned"].append({"visit": "v9", "reason": "?"})
    assert {"unknown_engineer", "unknown_visit"} <= codes(day(), plan)


def test_it_rejects_totals_that_do_not_match_the_routes():
    plan = altered(valid_plan())
    plan["travel_total"] = 39
    assert "totals" in codes(day(), plan)


def test_it_counts_lateness_past_the_deadline_from_the_end_of_service():
    data = day()
    data["visits"][1]["deadline"] = 720
    result = check_plan(parse_problem(data), valid_plan() | {"lateness_total": 10})
    assert result.feasible and result.lateness_total == 10
