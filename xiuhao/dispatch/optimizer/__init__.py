"""Field-service day plans on a real routing solver (PyVRP); see docs/dispatch-optimizer.md.

plan = solve(parse_problem(problem_json), seconds=10)
result = check_plan(parse_problem(problem_json), plan)
"""

from .check import CheckResult, Violation, check_plan
from .model import Problem, ProblemError, parse_problem
from .recommend import recommend
from .solver import solve

__all__ = [
    "CheckResult",
    "Problem",
    "ProblemError",
    "Violation",
    "check_plan",
    "parse_problem",
    "recommend",
    "solve",
]
