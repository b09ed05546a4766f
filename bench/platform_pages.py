#!/usr/bin/env python
"""Benchmark of the platform's list, API and export pages with a large organisation.

    .venv/bin/python bench/platform_pages.py --users 100000 --requests 200
    .venv/bin/python bench/platform_pages.py --users 100000 --requests 200 \
        --database-url postgres://postgres@127.0.0.1:5432/xiuhao_bench

The script owns its database: by default a SQLite file under /tmp, with --database-url a
PostgreSQL database that it DROPS and recreates. It migrates, loads the demo company, adds
--users employees and --users/10 operation-log events (bulk inserts), then requests each page
in-process with Django's test Client, logged in as `admin` (data scope: all) and `dispatcher`
(data scope: own branch). For each page it reports p50/p95/max latency, the SQL queries of one
request and the query counts at 10 and 100 rows a page (they must be equal: pages are N+1 free).
The last lines are greppable:

    RESULT endpoint=employee_list user=admin p50_ms=… p95_ms=… queries=… …

See bench/README.md for the figures measured.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SQLITE = Path("/tmp/xiuhao_bench.sqlite3")
SLOW_MS = 200.0  # p95 above this is reported as slow


# -- arguments and database ------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=100_000, help="employees to generate (default 100000)")
    p.add_argument("--events", type=int, default=None, help="operation-log events (default users/10)")
    p.add_argument("--requests", type=int, default=200, help="measured requests per page and user")
    p.add_argument(
        "--budget",
        type=float,
        default=15.0,
        help="seconds of timed requests per page and user; slower pages get fewer than "
        "--requests (at least 10, 5 when slower than 1 s; 0: no limit; default 15)",
    )
    p.add_argument("--warmup", type=int, default=5, help="unmeasured requests first (default 5)")
    p.add_argument(
        "--export-requests",
        type=int,
        default=3,
        help="measured requests of the export (a whole branch each, after 1 warm-up; default 3)",
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL; the database is dropped and recreated (default: SQLite in /tmp)",
    )
    p.add_argument("--sqlite-path", default=str(DEFAULT_SQLITE), help="SQLite file when no --database-url")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep an existing benchmark database that already holds the data (skip setup)",
    )
    p.add_argument("--q", default="4321", help="search fragment for ?q= (default: a phone-number tail)")
    p.add_argument("--only", default="", help="comma-separated endpoint names to measure (default all)")
    p.add_argument("--as", dest="as_users", default="admin,dispatcher", help="users to log in as")
    p.add_argument(
        "--show-queries",
        action="store_true",
        help="print every SQL query (with its time) of one request of each endpoint",
    )
    p.add_argument("--seed", type=int, default=20240601)
    return p.parse_args(argv)


def prepare_database(args):
    """Create an empty database for the run and return its URL (DATABASE_URL)."""
    if not args.database_url:
        path = Path(args.sqlite_path).resolve()
        if path.is_relative_to(ROOT / "var"):
            sys.exit(
                f"refusing to use {path}: the benchmark deletes its database; choose a file outside var/"
            )
        if not args.reuse:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = urlsplit(args.database_url)
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("--database-url must be a postgres:// URL (SQLite is the default)")
    name = url.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        sys.exit(f"refusing to drop the database {name!r}: name a dedicated benchmark database")
    if args.reuse:
        return args.database_url
    import psycopg
    from psycopg import sql

    admin_url = urlunsplit(
        (url.scheme.replace("pgsql", "postgresql"), url.netloc, "/postgres", url.query, "")
    )
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return args.database_url


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiuhao.config.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # The throttle still runs (its cache reads and writes are counted); only its limit is lifted,
    # so that hundreds of requests a minute measure the page and not the 429 answer.
    os.environ["API_RATE_USER"] = "100000000/min"
    os.environ.setdefault("HUEY_SQLITE", "/tmp/xiuhao_bench_huey.sqlite3")
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    import django

    django.setup()


# -- data -------------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉鹏飞玉梅斌宇浩凯晨欣怡婷雪琳"
TITLES = ["工程师", "助理工程师", "高级工程师", "客服专员", "仓管员", "会计", "技术专家", "调度员", "主管"]
GENERATED_PREFIX = "bx"


def log(msg):
    print(msg, flush=True)


def load_base_data():
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"  migrate: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    log(f"  load_demo: {time.perf_counter() - t:.1f} s")


def generate(n_users, n_events, seed, batch=5000):
    """N employees over the demo branches and departments (each with one role), N/10 events."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from xiuhao.core.models import AuditEvent
    from xiuhao.org.models import Department, Employee, Role, User

    rng = random.Random(seed)
    departments = list(Department.objects.order_by("pk"))
    roles = list(Role.objects.filter(code__in=["agent", "engineer", "warehouse", "finance"]).order_by("pk"))
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, n_users, batch):
            rows = []
            for i in range(start, min(n_users, start + batch)):
                dept = departments[rng.randrange(len(departments))]
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                rows.append(
                    User(
                        username=f"{GENERATED_PREFIX}{i:06d}",
                        password="!",
                        kind=User.Kind.STAFF,
                        display_name=name,
                        employee_no=f"BX{i:07d}",
                        phone=f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}",
                        email=f"{GENERATED_PREFIX}{i:06d}@bench.example",
                        title=rng.choice(TITLES),
                        branch_id=dept.branch_id,
                        department_id=dept.pk,
                        is_active=rng.random() > 0.05,
                        date_joined=now - timezone.timedelta(days=rng.randrange(3650)),
                    )
                )
            User.objects.bulk_create(rows, batch_size=batch)
    user_rows = list(
        User.objects.filter(username__startswith=GENERATED_PREFIX).values_list(
            "pk", "branch_id", "display_name"
        )
    )
    Through = User.roles.through
    with transaction.atomic():
        links = [Through(user_id=pk, role_id=roles[pk % len(roles)].pk) for pk, _b, _n in user_rows]
        Through.objects.bulk_create(links, batch_size=batch)
    users_s = time.perf_counter() - started
    log(
        f"  {n_users} employees (+ {len(user_rows)} role links): {users_s:.1f} s "
        f"({n_users / max(users_s, 1e-9):,.0f} rows/s)"
    )

    started = time.perf_counter()
    ct = ContentType.objects.get_for_model(Employee, for_concrete_model=False)
    actions = ["create", "update", "update", "update", "login", "logout", "export", "delete"]
    with transaction.atomic():
        for start in range(0, n_events, batch):
            rows = []
            for _ in range(start, min(n_events, start + batch)):
                actor_pk, branch_id, actor_name = user_rows[rng.randrange(len(user_rows))]
                target_pk, _tb, target_name = user_rows[rng.randrange(len(user_rows))]
                action = rng.choice(actions)
                rows.append(
                    AuditEvent(
                        at=now - timezone.timedelta(seconds=rng.randrange(365 * 86400)),
                        actor_id=actor_pk,
                        actor_name=actor_name,
                        ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                        request_id=f"{rng.getrandbits(64):016x}",
                        action=action,
                        verb="org.employee",
                        content_type=ct,
                        object_id=str(target_pk),
                        object_repr=target_name,
                        changes={"title": ["工程师", "高级工程师"]} if action == "update" else {},
                        message="",
                        branch_id=branch_id,
                    )
                )
            AuditEvent.objects.bulk_create(rows, batch_size=batch)
    events_s = time.perf_counter() - started
    log(f"  {n_events} audit events: {events_s:.1f} s ({n_events / max(events_s, 1e-9):,.0f} rows/s)")


def analyse():
    from django.db import connection

    with connection.cursor() as cur:  # fresh planner statistics, as a live database would have
        cur.execute("ANALYZE")


# -- measuring ---------------------------------------------------------------------------------------


def with_params(url, **params):
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for k, v in params.items():
        if v is None:
            query.pop(k, None)
        else:
            query[k] = str(v)
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def request(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    if getattr(response, "streaming", False):
        response.body_size = len(b"".join(response.streaming_content))
    else:
        response.body_size = len(response.content)
    return response


class QueryTimer:
    """connection.execute_wrapper that times every query to the microsecond (the debug cursor
    behind CaptureQueriesContext rounds to the millisecond)."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append({"sql": sql, "params": params, "ms": (time.perf_counter() - t) * 1000})


def count_queries(client, url):
    """(number of queries, [{"sql", "params", "ms"}]) of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timer = QueryTimer()
    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
        response = request(client, url)
    count_queries.last_size = response.body_size
    return len(ctx.captured_queries), timer.queries


def measure(client, url, n, warmup, budget):
    """Warm-up requests (their queries are captured), then up to n timed requests: fewer when
    they take longer than `budget` seconds in all (at least 10, or 5 for a page slower than 1 s,
    whose warm-up is cut to 2 requests too)."""
    counts = []
    captured = []
    slow = False
    for i in range(warmup):
        t = time.perf_counter()
        c, captured = count_queries(client, url)
        counts.append(c)
        slow = slow or time.perf_counter() - t > 1.0
        if slow and i >= 1:
            break
    times = []
    minimum = 5 if slow else 10
    deadline = time.perf_counter() + budget if budget else None
    for i in range(n):
        if deadline and i >= minimum and time.perf_counter() > deadline:
            break
        t = time.perf_counter()
        request(client, url)
        times.append((time.perf_counter() - t) * 1000)
    return times, counts, captured


def endpoints_for(user, args):
    """(name, url, page-size parameter or None, how to build the 10/100 variants)."""
    from xiuhao.org.models import Branch
    from xiuhao.org.registry import EmployeeConfig

    huanan = Branch.objects.get(code="huanan")
    visible = EmployeeConfig().queryset(user).count()

    def last_page(size):
        return max(1, math.ceil(visible / size))

    return (
        [
            ("employee_list", "/org/employee/", "per_page", None),
            ("employee_search", with_params("/org/employee/", q=args.q), "per_page", None),
            (
                "employee_last_page",
                with_params("/org/employee/", page=last_page(20)),
                "per_page",
                lambda size: {"page": last_page(size)},
            ),
            (
                "employee_branch_sorted",
                with_params("/org/employee/", branch=huanan.pk, sort="-username"),
                "per_page",
                None,
            ),
            ("auditevent_list", "/core/auditevent/", "per_page", None),
            ("api_employee", "/api/v1/org/employee/?page_size=50", "page_size", None),
            ("api_auditevent", "/api/v1/core/auditevent/", "page_size", None),
            ("employee_export", with_params("/org/employee/export/", branch=huanan.pk), None, None),
        ],
        visible,
        huanan,
    )


def export_rows(user, branch):
    from xiuhao.org.registry import EmployeeConfig

    return EmployeeConfig().queryset(user, "export").filter(branch=branch).count()


def slowest(captured, k=3):
    return sorted(captured, key=lambda q: q["ms"], reverse=True)[:k]


def run(args):
    from django.db import connection
    from django.test import Client

    from xiuhao.org.models import User

    only = {s.strip() for s in args.only.split(",") if s.strip()}
    results = []
    for username in [u.strip() for u in args.as_users.split(",") if u.strip()]:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        endpoints, visible, branch = endpoints_for(user, args)
        log(f"\n== {username}: sees {visible:,} employees ==")
        for name, url, size_param, size_variant in endpoints:
            if only and name not in only:
                continue
            is_export = size_param is None
            n = args.export_requests if is_export else args.requests
            warmup = min(args.warmup, 1) if is_export else args.warmup
            t0 = time.perf_counter()
            times, counts, captured = measure(client, url, n, warmup, 0 if is_export else args.budget)
            row = {
                "endpoint": name,
                "user": username,
                "url": url,
                "n": len(times),
                "p50": statistics.median(times),
                "p95": percentile(times, 95),
                "max": max(times),
                "queries": counts[-1],
                "queries_range": (min(counts[1:] or counts), max(counts[1:] or counts)),
                "sql_ms": sum(q["ms"] for q in captured),
                "kb": count_queries.last_size / 1024,
                "captured": captured,
            }
            if is_export:
                rows = export_rows(user, branch)
                row["rows"] = rows
                row["rows_per_s"] = rows / (row["p50"] / 1000)
            else:
                variant = size_variant or (lambda size: {})
                row["q10"], _c = count_queries(client, with_params(url, **{size_param: 10, **variant(10)}))
                row["q100"], _c = count_queries(client, with_params(url, **{size_param: 100, **variant(100)}))
            row["seconds"] = time.perf_counter() - t0
            results.append(row)
            extra = (
                f" rows={row['rows']} rows/s={row['rows_per_s']:,.0f}"
                if is_export
                else f" q10={row['q10']} q100={row['q100']}"
            )
            log(
                f"  {name:24s} n={len(times):<4d} p50={row['p50']:8.1f} ms p95={row['p95']:8.1f} ms "
                f"max={row['max']:8.1f} ms queries={row['queries']} (SQL {row['sql_ms']:.1f} ms) {row['kb']:,.0f} KB{extra}  ({row['seconds']:.1f} s)"
            )
            if args.show_queries:
                for q in captured:
                    log(f"      {q['ms']:8.2f} ms  {q['sql'][:400]}")
    log(f"\ndatabase: {connection.vendor} {connection.settings_dict['NAME']}")
    return results


def report(results, args, vendor):
    log("")
    header = (
        f"{'endpoint':24s} {'user':10s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} "
        f"{'queries':>7s} {'SQL ms':>7s} {'KB':>6s} {'q@10':>5s} {'q@100':>5s}  note"
    )
    log(header)
    log("-" * len(header))
    problems = []
    for r in results:
        notes = []
        if "rows" in r:
            notes.append(f"{r['rows']:,} rows, {r['rows_per_s']:,.0f} rows/s")
        if r["p95"] > SLOW_MS and "rows" not in r:
            notes.append("SLOW")
            problems.append(r)
        if "q10" in r and r["q10"] != r["q100"]:
            notes.append("QUERIES GROW WITH PAGE SIZE")
            if r not in problems:
                problems.append(r)
        if r["queries_range"][0] != r["queries_range"][1]:
            notes.append(f"queries varied {r['queries_range'][0]}-{r['queries_range'][1]}")
        log(
            f"{r['endpoint']:24s} {r['user']:10s} {r['n']:4d} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f} "
            f"{r['queries']:7d} {r['sql_ms']:7.1f} {r['kb']:6.0f} {r.get('q10', '-')!s:>5s} {r.get('q100', '-')!s:>5s}  {'; '.join(notes)}"
        )
    if problems:
        log(
            "\nSlowest queries of the flagged endpoints (one warm-up request; 'SQL ms' is the execute time of "
            "all its queries — SQLite fetches rows lazily, so reading big results is not in it):"
        )
        for r in problems:
            log(f"  {r['endpoint']} as {r['user']} ({r['url']}):")
            for q in slowest(r["captured"]):
                log(f"    {q['ms']:8.2f} ms  {q['sql'][:300]}")
    log("")
    for r in results:
        line = (
            f"RESULT endpoint={r['endpoint']} user={r['user']} p50_ms={r['p50']:.1f} p95_ms={r['p95']:.1f} "
            f"queries={r['queries']} max_ms={r['max']:.1f} sql_ms={r['sql_ms']:.1f} kb={r['kb']:.0f} n={r['n']} db={vendor} users={args.users}"
        )
        if "rows" in r:
            line += f" rows={r['rows']} rows_per_s={r['rows_per_s']:.0f}"
        else:
            line += f" queries_10={r['q10']} queries_100={r['q100']}"
        log(line)


def describe_machine(connection):
    import datetime
    import platform

    import django

    with connection.cursor() as cur:
        cur.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        db_version = cur.fetchone()[0]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{datetime.date.today()}, {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {connection.vendor} {db_version}, load average {load}"
    )


def main(argv=None):
    args = parse_args(argv)
    n_events = args.users // 10 if args.events is None else args.events
    started = time.perf_counter()
    url = prepare_database(args)
    setup_django(url)
    from django.db import connection

    from xiuhao.org.models import User

    log(f"database: {connection.vendor} ({url}) — {describe_machine(connection)}")
    fresh = True
    if args.reuse:
        try:
            fresh = not User.objects.filter(username__startswith=GENERATED_PREFIX).exists()
        except Exception:  # no tables yet
            fresh = True
    if fresh:
        log("setup:")
        load_base_data()
        t = time.perf_counter()
        generate(args.users, n_events, args.seed)
        analyse()
        log(f"  generation total: {time.perf_counter() - t:.1f} s")
    else:
        log("setup: reusing the existing data")
    results = run(args)
    report(results, args, connection.vendor)
    log(
        f"\ntotal run time: {time.perf_counter() - started:.0f} s; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other processes on the machine skew the figures)"
    )


if __name__ == "__main__":
    main()
