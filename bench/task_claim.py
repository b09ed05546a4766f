#!/usr/bin/env python
"""The grab-pool race: in each trial, 100 claimants press "claim" on one pool task at once; exactly
one may win, every other must be told who did, and the task must have one claim in its history.

    .venv/bin/python bench/task_claim.py --trials 100 --claimants 100 \
        --database-url postgres://postgres@127.0.0.1:5432/xiuhao_bench_claim

The script owns its database: by default a SQLite file under /tmp, with --database-url a
PostgreSQL database that it DROPS and recreates, then migrates. Each claimant is a thread with its
own database connection, all waiting on one barrier before they claim. PostgreSQL refuses
connections beyond max_connections, so at most --concurrency claimants hold a connection and
claim at the same instant (default: 100, or what the server has free, less a margin); the others
claim right after them, as their threads come to it. The last line is greppable:

    RESULT trials=100 claimants=100 concurrent=… exactly_one_winner=100/100 …
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SQLITE = Path("/tmp/xiuhao_bench_claim.sqlite3")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--claimants", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=None,
                   help="claimants holding a connection at once (default: claimants, capped by free connections)")
    p.add_argument("--database-url", default=None, help="PostgreSQL URL (the database is dropped and recreated)")
    return p.parse_args(argv)


def prepare_database(url):
    if url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEFAULT_SQLITE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_SQLITE}"
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url


def free_connections():
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')"
                    "::int - (SELECT count(*) FROM pg_stat_activity)")
        return cur.fetchone()[0]


def main(argv=None):
    args = parse_args(argv)
    prepare_database(args.database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiuhao.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation

    translation.activate("en")
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.monotonic() - started:.0f} s ({connection.vendor})", flush=True)

    from xiuhao.core.errors import Conflict
    from xiuhao.org.models import Branch, User
    from xiuhao.tasks import services
    from xiuhao.tasks.models import Task

    branch = Branch.objects.create(code="race", name="抢单分公司")
    boss = User.objects.create(username="boss", branch=branch)
    claimants = [User.objects.create(username=f"claimant{i:03d}", branch=branch) for i in range(args.claimants)]
    free = free_connections()
    concurrency = args.concurrency or args.claimants
    if free is not None:
        concurrency = max(2, min(concurrency, free - 5))
    concurrency = min(concurrency, args.claimants)
    print(f"{args.claimants} claimants per trial, {concurrency} of them on their own connection at once"
          + (f" (the server has {free} free connections)" if free is not None else ""), flush=True)

    # Worker w claims as claimants w, w+concurrency, w+2·concurrency, …
    groups = [claimants[w::concurrency] for w in range(concurrency)]
    start, end = threading.Barrier(concurrency + 1), threading.Barrier(concurrency + 1)
    current = {}
    outcomes = []
    lock = threading.Lock()

    def worker(users):
        connection.ensure_connection()
        try:
            while True:
                start.wait()
                if current.get("stop"):
                    return
                for user in users:
                    try:
                        services.task_claim(actor=user, task=Task(pk=current["task"]))
                        outcome = "won"
                    except Conflict as exc:
                        outcome = f"lost: {exc.message}"
                    except Exception as exc:  # noqa: BLE001 - reported below
                        outcome = f"error: {type(exc).__name__}: {exc}"
                    with lock:
                        outcomes.append(outcome)
                end.wait()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(g,), daemon=True) for g in groups]
    for t in threads:
        t.start()
    good, durations, errors = 0, [], []
    for trial in range(args.trials):
        task = services.task_create(actor=boss, kind="task.generic", title=f"Race {trial}")
        current["task"] = task.pk
        outcomes.clear()
        began = time.monotonic()
        start.wait()
        end.wait()
        durations.append((time.monotonic() - began) * 1000)
        task.refresh_from_db()
        losers = f"lost: This task has already been claimed by {task.assignee}."
        ok = (outcomes.count("won") == 1 and outcomes.count(losers) == args.claimants - 1
              and task.status == Task.Status.OPEN and task.events.filter(action="claimed").count() == 1)
        good += ok
        if not ok:
            errors.append((trial, sorted(set(outcomes))[:5]))
        if (trial + 1) % 10 == 0:
            print(f"  {trial + 1} trials: {good} with exactly one winner", flush=True)
    current["stop"] = True
    start.wait()
    for trial, seen in errors[:5]:
        print(f"trial {trial} went wrong: {seen}")
    durations.sort()
    p95 = durations[int(len(durations) * 0.95) - 1] if durations else 0
    print(f"RESULT trials={args.trials} claimants={args.claimants} concurrent={concurrency} "
          f"exactly_one_winner={good}/{args.trials} db={connection.vendor} "
          f"trial_p50_ms={statistics.median(durations):.0f} trial_p95_ms={p95:.0f}")
    return 0 if good == args.trials else 1


if __name__ == "__main__":
    sys.exit(main())
