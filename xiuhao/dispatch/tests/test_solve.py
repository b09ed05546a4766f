"""`solve` keeps every hard rule, and says why it leaves a visit out."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiuhao.dispatch.optimizer import check_plan, parse_problem, solve

from .helpers import engineer, problem, reasons, solved, stops, visit


@st.composite
def small_problems(draw) -> dict:
    skills = st.lists(st.sampled_from(["xray", "ct"]), unique=True, max_size=2)
    engineers = []
    for i in range(draw(st.integers(1, 3))):
        shift_start = draw(st.sampled_from([480, 540]))
        breaks = draw(
            st.lists(
                st.builds(
                    lambda earliest, slack, duration: {
                        "earliest": earliest,
                        "latest": earliest + duration + slack,
                        "duration": duration,
                    },
                    st.integers(500, 900),
                    st.integers(0, 120),
                    st.sampled_from([15, 30, 45]),
                ),
                max_size=2,
            )
        )
        home = {"x": draw(st.integers(-30, 30)), "y": draw(st.integers(-30, 30))}
        engineers.append(
            engineer(
                f"e{i + 1}",
                start=home,
                end=home,
                shift=[shift_start, shift_start + draw(st.integers(120, 540))],
                max_overtime=draw(st.sampled_from([0, 30])),
                skills=draw(skills),
                breaks=breaks,
                capacity=draw(st.sampled_from([None, 4])),
            )
        )
    visits = []
    for j in range(draw(st.integers(1, 9))):
        open_ = draw(st.integers(480, 900))
        windows = [[open_, open_ + draw(st.integers(0, 240))]]
        if draw(st.booleans()):
            later = windows[0][1] + draw(st.integers(10, 120))
            windows.append([later, later + draw(st.integers(0, 120))])
        visits.append(
            visit(
                f"v{j + 1}",
                draw(st.integers(-40, 40)),
                location={"x": draw(st.integers(-40, 40)), "y": draw(st.integers(-40, 40))},
                duration=draw(st.sampled_from([10, 30, 60, 90])),
                windows=windows,
                skills=draw(skills),
                priority=draw(st.integers(1, 3)),
                deadline=draw(st.one_of(st.none(), st.integers(500, 1000))),
                engineer=draw(
                    st.one_of(st.none(), st.sampled_from([e["id"] for e in engineers] + ["ghost"]))
                ),
                demand=draw(st.integers(0, 3)),
            )
        )
    return problem(engineers, visits)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_solve_never_breaks_a_hard_rule_and_lists_every_visit_once(data):
    plan = solve(parse_problem(data), 0.1)
    verdict = check_plan(parse_problem(data), plan)
    assert verdict.feasible, verdict.violations
    listed = [s["visit"] for r in plan["routes"] for s in r["stops"]] + [
        u["visit"] for u in plan["unassigned"]
    ]
    assert sorted(listed) == sorted(v["id"] for v in data["visits"])
    assert all(u["reason"] and u["code"] for u in plan["unassigned"])


def test_it_takes_a_break_whose_window_lies_inside_the_day():
    data = problem(
        [engineer(breaks=[{"earliest": 700, "latest": 800, "duration": 30}])],
        [visit("v1", 10, windows=[[600, 700]]), visit("v2", 10, windows=[[800, 820]])],
    )
    plan = solved(data)
    (route,) = plan["routes"]
    assert len(route["breaks"]) == 1
    taken = route["breaks"][0]
    assert 700 <= taken["start"] and taken["end"] <= 800 and taken["end"] - taken["start"] == 30


def test_it_delays_service_rather_than_skip_a_break_it_cannot_take_while_waiting():
    data = problem(
        [engineer(breaks=[{"earliest": 500, "latest": 560, "duration": 30}])],
        [visit("v1", 10, duration=120, windows=[[490, 600]])],
    )
    plan = solved(data)
    start = stops(plan)["v1"][1]["start"]
    assert start >= 530


def test_it_gives_a_pinned_visit_to_its_engineer_even_when_another_is_closer():
    far = engineer("e2", start={"x": 50, "y": 0}, end={"x": 50, "y": 0})
    data = problem([engineer("e1"), far], [visit("v1", 5, engineer="e2")])
    assert stops(solved(data))["v1"][0] == "e2"


def test_it_gives_a_skilled_visit_only_to_an_engineer_with_the_skill():
    data = problem(
        [engineer("e1", skills=[]), engineer("e2", skills=["ct"], start={"x": 40, "y": 0})],
        [visit("v1", 1, skills=["ct"])],
    )
    assert stops(solved(data))["v1"][0] == "e2"


def test_it_serves_priority_1_before_priority_3_when_only_one_fits():
    data = problem(
        [engineer(shift=[480, 600], max_overtime=0)],
        [visit("low", 10, duration=90, priority=3), visit("urgent", 10, duration=90, priority=1)],
    )
    plan = solved(data)
    assert set(stops(plan)) == {"urgent"}
    assert reasons(plan)["low"][0] == "no_time_left"


def test_it_keeps_loads_within_capacity():
    data = problem([engineer()], [visit("v1", 5, demand=3), visit("v2", 6, demand=3)], capacity=4)
    plan = solved(data)
    assert len(stops(plan)) == 1


def test_it_prefers_serving_by_the_deadline():
    data = problem(
        [engineer()],
        [
            visit("a", 10, windows=[[480, 1000]], deadline=540),
            visit("b", 10, windows=[[480, 1000]], deadline=1000),
        ],
    )
    plan = solved(data)
    assert plan["lateness_total"] == 0


def test_unassigned_reasons_name_the_cause():
    data = problem(
        [engineer(skills=["xray"], shift=[480, 1020], max_overtime=0)],
        [
            visit("needs_ct", 5, skills=["ct"]),
            visit("needs_both", 5, skills=["ct", "xray"]),
            visit("too_far_too_soon", 100, windows=[[480, 500]]),
            visit("pinned_to_ghost", 5, engineer="ghost"),
            visit("after_hours", 5, windows=[[1030, 1100]]),
            visit("too_long", 5, duration=600),
            visit("heavy", 5, demand=9),
        ],
        capacity=5,
    )
    why = reasons(solved(data))
    assert why["needs_ct"] == ("no_skill", "no engineer has skill ct")
    assert why["needs_both"][0] == "no_skill"
    assert why["too_far_too_soon"] == ("window_unreachable", "window closes before anyone can arrive")
    assert why["pinned_to_ghost"][0] == "pinned_engineer_missing"
    assert why["after_hours"][0] == "window_after_shifts"
    assert why["too_long"][0] == "shift_too_short"
    assert why["heavy"][0] == "over_capacity"


def test_the_lack_of_a_skill_combination_is_explained():
    data = problem(
        [engineer("e1", skills=["xray"]), engineer("e2", skills=["ct"])],
        [visit("v1", 5, skills=["ct", "xray"])],
    )
    assert reasons(solved(data))["v1"] == ("no_skill_combination", "no engineer has all of ct, xray")


def test_an_empty_day_gives_an_empty_plan():
    plan = solved(problem([engineer()], []))
    assert plan["routes"] == [] and plan["unassigned"] == []
