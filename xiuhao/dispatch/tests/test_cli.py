"""The command line, run as a dispatcher would run it."""

from __future__ import annotations

import json
import subprocess
import sys

from .helpers import engineer, problem, visit


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xiuhao.dispatch.optimizer", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_solve_then_check_round_trip(tmp_path):
    problem_file = tmp_path / "problem.json"
    problem_file.write_text(
        json.dumps(problem([engineer()], [visit("v1", 10), visit("v2", 20, skills=["ct"])]))
    )
    solved = run("solve", str(problem_file), "--seconds", "1")
    assert solved.returncode == 0, solved.stderr
    plan = json.loads(solved.stdout)
    assert plan["unassigned"] == [{"visit": "v2", "reason": "no engineer has skill ct", "code": "no_skill"}]
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(solved.stdout)
    checked = run("check", str(problem_file), str(plan_file))
    assert checked.returncode == 0, checked.stderr
    totals = json.loads(checked.stdout)
    assert totals["feasible"] and totals["served"] == 1 and totals["travel_total"] == 20

    later = tmp_path / "later.json"
    later.write_text(json.dumps(json.loads(problem_file.read_text()) | {"now": 600}))
    replanned = run("solve", str(later), "--seconds", "1", "--previous", str(plan_file))
    assert replanned.returncode == 0, replanned.stderr
    assert json.loads(replanned.stdout)["routes"][0]["stops"] == plan["routes"][0]["stops"]

    plan["routes"][0]["stops"][0]["start"] -= 5
    plan_file.write_text(json.dumps(plan))
    broken = run("check", str(problem_file), str(plan_file))
    assert broken.returncode == 1
    assert "VIOLATION duration" in broken.stderr and json.loads(broken.stdout)["feasible"] is False
    from_broken = run("solve", str(later), "--seconds", "1", "--previous", str(plan_file))
    assert from_broken.returncode == 2 and "previous plan" in from_broken.stderr


def test_generate_writes_a_problem_that_solve_reads(tmp_path):
    generated = run("generate", "--visits", "30", "--engineers", "4", "--seed", "7")
    assert generated.returncode == 0
    data = json.loads(generated.stdout)
    assert len(data["visits"]) == 30 and len(data["engineers"]) == 4


def test_a_malformed_problem_is_an_error_not_a_crash(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"engineers": [{"id": "e1"}], "visits": []}))
    result = run("solve", str(bad), "--seconds", "1")
    assert result.returncode == 2 and "engineers[0]" in result.stderr
