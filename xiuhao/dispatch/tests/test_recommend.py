"""Single-job recommendation: who can do it, who is best, and why."""

from __future__ import annotations

from xiuhao.dispatch.optimizer import recommend


def crew() -> list[dict]:
    def person(id_, x, **fields):
        return {"id": id_, "position": {"x": x, "y": 0}, "shift": [480, 1020], "skills": ["xray"]} | fields

    return [
        person("near", 5),
        person("far", 30),
        person("busy", 3, booked_minutes=400),
        person("no_skill", 1, skills=[]),
        person("off_region", 2, regions=["north"]),
        person("gone_home", 2, shift=[480, 600]),
    ]


JOB = {
    "id": "j1",
    "location": {"x": 0, "y": 0},
    "duration": 60,
    "windows": [[600, 900]],
    "skills": ["xray"],
    "region": "south",
}


def test_it_ranks_the_nearest_free_engineer_first_and_says_why():
    ranked = recommend(JOB, crew(), now=600)
    assert [r["engineer"] for r in ranked] == ["near", "far", "busy"]
    assert [r["rank"] for r in ranked] == [1, 2, 3]
    top = ranked[0]
    assert "about 5 min away" in top["reasons"] and "has skill xray" in top["reasons"]
    assert "can start at 10:05" in top["reasons"]


def test_workload_pushes_a_busy_engineer_down():
    ranked = recommend(JOB, crew(), now=600)
    assert ranked[-1]["engineer"] == "busy"
    assert "400 min already booked today" in ranked[-1]["reasons"]


def test_the_customers_preferred_and_regular_engineers_move_up():
    job = JOB | {"preferred_engineer": "far"}
    assert recommend(job, crew(), now=600)[0]["engineer"] == "far"
    regular = recommend(JOB | {"history": {"busy": 30}}, crew(), now=600)
    assert (
        "has served this customer 30 times" in next(r for r in regular if r["engineer"] == "busy")["reasons"]
    )
    assert recommend(job, crew(), now=600)[0]["reasons"][0] == "the customer's preferred engineer"


def test_unfit_engineers_are_listed_last_with_why():
    ranked = recommend(JOB, crew(), now=600, include_unfit=True)
    unfit = {r["engineer"]: r["reasons"] for r in ranked if not r["feasible"]}
    assert unfit == {
        "no_skill": ["lacks skill xray"],
        "off_region": ["does not cover region south"],
        "gone_home": ["cannot finish before the shift ends"],
    }


def test_a_window_that_closes_before_arrival_rules_everyone_out():
    job = JOB | {"windows": [[480, 490]]}
    ranked = recommend(job, crew(), now=600, include_unfit=True)
    assert not [r for r in ranked if r["feasible"]]
    assert ["cannot arrive before the window closes"] in [r["reasons"] for r in ranked]


def test_limit_caps_the_list():
    assert len(recommend(JOB, crew(), now=600, limit=1)) == 1
