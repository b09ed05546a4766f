"""The Solomon reader, the floating-point checker and the fleet-then-distance solve."""

from __future__ import annotations

from pathlib import Path

import pytest

from xiuhao.dispatch.optimizer.vrptw import check_vrptw, read_solomon, solve_vrptw

TINY = Path(__file__).parent / "data" / "TINY6.txt"


def test_it_reads_vehicles_capacity_and_the_depot_first():
    instance = read_solomon(TINY)
    assert (instance.name, instance.vehicles, instance.capacity, instance.num_clients) == ("TINY6", 4, 30, 6)
    assert (instance.x[0], instance.due[0], instance.demand[6], instance.service[1]) == (50, 300, 15, 10)


def test_the_checker_measures_real_distance_and_rejects_each_broken_rule():
    instance = read_solomon(TINY)
    good = check_vrptw(instance, [[1, 2], [3, 4], [5, 6]])
    assert good.feasible, good.violations
    assert good.distance == pytest.approx(40 + 60 + 20 + 200**0.5 + 1000**0.5)
    assert not check_vrptw(instance, [[1, 2], [3, 4]]).feasible  # 5 and 6 never visited
    assert not check_vrptw(instance, [[1, 2, 3], [3, 4], [5, 6]]).feasible  # 3 twice and load 30 + 10
    assert any("starts" in v for v in check_vrptw(instance, [[6, 1], [2], [3, 4], [5]]).violations)
    assert any("capacity" in v for v in check_vrptw(instance, [[1, 2, 3, 4], [5, 6]]).violations)


def test_solve_finds_a_feasible_solution_with_few_vehicles():
    instance = read_solomon(TINY)
    routes = solve_vrptw(instance, seconds=1.0, seed=3)
    check = check_vrptw(instance, routes)
    assert check.feasible, check.violations
    assert check.vehicles == 3  # demand 65 over capacity 30 needs three
