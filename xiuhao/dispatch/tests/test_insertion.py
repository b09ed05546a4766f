"""Left-over visits: inserted where they fit, or in place of lower-priority work."""

from __future__ import annotations

import time

from xiuhao.dispatch.optimizer import parse_problem
from xiuhao.dispatch.optimizer.insertion import insert_by_bumping, insert_leftovers
from xiuhao.dispatch.optimizer.schedule import home_start, plan_route

from .helpers import engineer, problem, visit


def booked_day():
    data = problem(
        [engineer(shift=[480, 600], max_overtime=0)],
        [visit("low", 10, duration=90, priority=3), visit("urgent", 10, duration=90, priority=1)],
    )
    p = parse_problem(data)
    e1 = p.engineers[0]
    starts = {e1.id: home_start(p, e1)}
    sequences = {e1.id: [p.visit_by_id["low"]]}
    timelines = {e1.id: plan_route(p, e1, sequences[e1.id], starts[e1.id])}
    return p, starts, sequences, timelines


def test_a_visit_that_fits_nowhere_stays_out_of_plain_insertion():
    p, starts, sequences, timelines = booked_day()
    insert_leftovers(p, [p.visit_by_id["urgent"]], timelines, sequences, starts, time.monotonic() + 5)
    assert [v.id for v in sequences["e1"]] == ["low"]


def test_a_priority_1_visit_bumps_a_priority_3_visit_that_holds_its_place():
    p, starts, sequences, timelines = booked_day()
    bumped = insert_by_bumping(
        p, [p.visit_by_id["urgent"]], timelines, sequences, starts, time.monotonic() + 5
    )
    assert [v.id for v in sequences["e1"]] == ["urgent"]
    assert [v.id for v in bumped] == ["low"]
    assert [s.visit.id for s in timelines["e1"].stops] == ["urgent"]


def test_a_priority_3_visit_never_bumps_anyone():
    p, starts, sequences, timelines = booked_day()
    sequences["e1"] = [p.visit_by_id["urgent"]]
    timelines["e1"] = plan_route(p, p.engineers[0], sequences["e1"], starts["e1"])
    assert (
        insert_by_bumping(p, [p.visit_by_id["low"]], timelines, sequences, starts, time.monotonic() + 5) == []
    )
    assert [v.id for v in sequences["e1"]] == ["urgent"]
