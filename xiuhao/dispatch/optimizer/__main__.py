"""Command line: ``python -m xiuhao.dispatch.optimizer solve|check|generate ...``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .check import check_plan
from .generate import generate
from .model import ProblemError, parse_problem
from .solver import solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xiuhao.dispatch.optimizer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    solve_cmd = commands.add_parser("solve", help="print a plan for PROBLEM.json")
    solve_cmd.add_argument("problem", type=Path)
    solve_cmd.add_argument("--seconds", type=float, default=10.0, help="time limit (default 10)")
    solve_cmd.add_argument("--previous", type=Path, help="plan being re-planned: started visits stay fixed")
    solve_cmd.add_argument("--seed", type=int, default=1)
    check_cmd = commands.add_parser(
        "check", help="verify PLAN.json against PROBLEM.json and print its totals"
    )
    check_cmd.add_argument("problem", type=Path)
    check_cmd.add_argument("plan", type=Path)
    check_cmd.add_argument("--previous", type=Path, help="also verify that started visits were kept")
    generate_cmd = commands.add_parser("generate", help="print a random field-service problem")
    generate_cmd.add_argument("--visits", type=int, default=200)
    generate_cmd.add_argument("--engineers", type=int, default=20)
    generate_cmd.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    try:
        if args.command == "generate":
            json.dump(generate(args.visits, args.engineers, seed=args.seed), sys.stdout, indent=1)
            print()
            return 0
        problem = parse_problem(_read(args.problem))
        previous = _read(args.previous) if args.previous else None
        if args.command == "solve":
            plan = solve(problem, args.seconds, previous=previous, seed=args.seed)
            json.dump(plan, sys.stdout, indent=1, ensure_ascii=False)
            print()
            return 0
        result = check_plan(problem, _read(args.plan), previous)
    except (ProblemError, OSError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(result.totals(), sys.stdout, indent=1)
    print()
    for violation in result.violations:
        print(f"VIOLATION {violation}", file=sys.stderr)
    return 0 if result.feasible else 1


def _read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
