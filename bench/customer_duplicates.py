#!/usr/bin/env python
"""Benchmark of the duplicate check's name look-up at scale (similar names through the bigram
index CustomerNameKey, see customers/similarity.py and docs/customers.md).

    .venv/bin/python bench/customer_duplicates.py --customers 100000
    .venv/bin/python bench/customer_duplicates.py --customers 100000 --reuse   # data of the last run
    .venv/bin/python bench/customer_duplicates.py --database-url postgres://…/xiuhao_bench_customers

Same database and data as bench/customer_search.py (it is created by that script's generator
when missing). Then, for --samples random customers, a variant of the name as a clerk would type
it (附属第N医院 → 附N院, 医科大学 → 医科大, 市 added or dropped before the city, company form changed)
is checked with `customers.selectors.duplicate_candidates`; it reports p50/p95/max, the queries per
check and how often the original customer was among the candidates:

    RESULT db=sqlite customers=100000 p50_ms=… p95_ms=… max_ms=… queries=… found_pct=… samples=…
"""

import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import customer_search as base  # noqa: E402  (the database and the data generator)

VARIANTS = [
    (re.compile(r"附属第(.)医院$"), r"附\1院"),
    (re.compile(r"医科大学"), "医科大"),
    (re.compile(r"^(北京|上海|广州|深圳|成都|重庆|武汉|西安|杭州|南京|天津)市"), r"\1"),
    (re.compile(r"^(北京|上海|广州|深圳|成都|重庆|武汉|西安|杭州|南京|天津)(?!市)"), r"\1市"),
    (re.compile(r"股份有限公司$"), "有限公司"),
    (re.compile(r"有限公司$"), "有限责任公司"),
    (re.compile(r"第(.)人民医院$"), r"第\1人民医院 "),
]


def variant(name, rng):
    options = [(p, r) for p, r in VARIANTS if p.search(name)]
    if not options:
        return f" {name} "
    pattern, replacement = rng.choice(options)
    return pattern.sub(replacement, name, count=1)


def main(argv=None):
    args = base.parse_args(argv)
    base.prepare_database(args)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xiuhao.customers.models import Customer
    from xiuhao.customers.selectors import duplicate_candidates

    if not (args.reuse and Customer.objects.count() >= args.customers):
        print(f"generating {args.customers} customers on {connection.vendor} …", flush=True)
        print(f"generated in {base.generate(args.customers, args.seed):.0f} s")
    rng = random.Random(args.seed)
    ids = list(Customer.objects.values_list("pk", flat=True))
    picks = Customer.objects.in_bulk(rng.sample(ids, min(args.samples, len(ids))))
    timings, queries, found = [], [], 0
    for n, customer in enumerate(picks.values()):
        typed = variant(customer.name, rng)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            candidates = duplicate_candidates(name=typed)
            elapsed = (time.perf_counter() - started) * 1000
        if n >= 5:  # warm-up
            timings.append(elapsed)
            queries.append(len(captured.captured_queries))
            # Generated names repeat: the original or a customer of the very same name counts.
            found += any(c.pk == customer.pk or c.name == customer.name for c, _r in candidates)
    total = Customer.objects.count()
    p95 = sorted(timings)[int(0.95 * (len(timings) - 1))]
    print(f"RESULT db={connection.vendor} customers={total} p50_ms={statistics.median(timings):.1f} "
          f"p95_ms={p95:.1f} max_ms={max(timings):.1f} queries={max(queries)} "
          f"found_pct={100 * found / len(timings):.1f} samples={len(timings)}")


if __name__ == "__main__":
    main()
