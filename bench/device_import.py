#!/usr/bin/env python
"""Benchmark of the device import: 100,000 rows from one .xlsx, on SQLite and PostgreSQL.

    .venv/bin/python bench/device_import.py                      # 100000 rows, both databases
    .venv/bin/python bench/device_import.py --rows 20000 --only sqlite

The script writes one workbook (the import template's Chinese headers: serial, lot, model code,
customer code, site, install date, warranty start/end/type, status, order no., shipped on), then
for each database — a SQLite file under /tmp and the PostgreSQL database of --database-url, which
it DROPS and recreates — runs a child process that migrates, creates the customers (with one
site each) and product models (with a 3-line, 2-level BOM) the rows name, and measures:

* iterate: openpyxl read-only iteration of every row (values only), the yardstick of the target
           (the import itself reads the file with calamine, see core.imports.reading.Sheet);
* import:  validate + apply of the same file through core.imports (what the import page, the
           upload API and the import job run), including the BOM instances and the audit events.

Target: import ≤ 3 × iterate on both databases. Greppable last lines:

    RESULT db=sqlite rows=100000 iterate_s=… validate_s=… apply_s=… import_s=… ratio=…
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SQLITE = Path("/tmp/xiuhao_bench_assets.sqlite3")
WORKBOOK = Path("/tmp/xiuhao_bench_devices.xlsx")
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/xiuhao_bench_assets"
CUSTOMERS, MODELS = 200, 15
COLUMNS = ["serial", "lot", "product_model", "customer", "address", "install_date", "warranty_start",
           "warranty_end", "warranty_kind", "status", "order_no", "shipped_on"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--database-url", default=PG_DEFAULT, help="PostgreSQL URL (dropped and recreated)")
    p.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--keep-workbook", action="store_true", help="reuse the workbook of an earlier run")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiuhao.config.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("HUEY_SQLITE", "/tmp/xiuhao_bench_assets_huey.sqlite3")
    os.environ["HUEY_IMMEDIATE"] = "true"
    import django

    django.setup()


def log(msg):
    print(msg, flush=True)


# -- the workbook -----------------------------------------------------------------------------------------
def write_workbook(rows, seed):
    from django.utils import translation
    from openpyxl import Workbook

    from xiuhao.assets.models import Device
    from xiuhao.core import excel

    rng = random.Random(seed)
    with translation.override("zh-hans"):
        headers = [excel.header_for(Device, name) for name in COLUMNS]
        kinds = ["", "", "", str(Device.WarrantyKind.MANUFACTURER.label), str(Device.WarrantyKind.CONTRACT.label)]
        registered = str(Device.Status.REGISTERED.label)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("设备")
    ws.append(headers)
    start = datetime.date(2022, 1, 1)
    for n in range(rows):
        install = start + datetime.timedelta(days=rng.randrange(1460))
        shipped = install - datetime.timedelta(days=rng.randrange(3, 30))
        c = rng.randrange(CUSTOMERS)
        explicit = rng.random() < 0.2
        ws.append([
            f"BX{n:08d}", f"L{install:%Y%m}", f"BM-{rng.randrange(MODELS):02d}", f"BC{c:05d}", "总部",
            install, install if explicit else None,
            install + datetime.timedelta(days=729) if explicit else None, rng.choice(kinds), registered,
            f"SO{n // 3:07d}", shipped,
        ])
    wb.save(WORKBOOK)
    excel_like(WORKBOOK, rows + 1, len(COLUMNS))
    return headers


def excel_like(path, rows, columns):
    """Rewrite openpyxl's write-only output the way Excel/WPS save a sheet (what users upload):
    text in the shared-strings table instead of inline strings, and the sheet's dimension."""
    import re
    import zipfile

    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    strings, index = [], {}

    def shared(match):
        text = match.group(2)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c r="{match.group(1)}" t="s"><v>{index[text]}</v></c>'

    sheet = re.sub(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', shared, sheet)
    sheet = sheet.replace("<sheetViews>", f'<dimension ref="A1:{get_column_letter(columns)}{rows}"/><sheetViews>', 1)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)  # already XML-escaped in the sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{ns}" '
                                     f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>').encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    types = parts["[Content_Types].xml"].decode()
    if "sharedStrings" not in types:
        types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


# -- one database (child process) ----------------------------------------------------------------------------
def prepare_database(kind, url):
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE}"
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        sys.exit(f"refusing to drop the database {name!r}: name a dedicated benchmark database")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url


def drop_database(url):
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parts.path.lstrip("/"))))


def master_data():
    from decimal import Decimal

    from xiuhao.catalog.models import BomLine, Part, ProductCategory, ProductModel
    from xiuhao.customers.models import Address, Customer
    from xiuhao.org.models import Branch, User

    branch = Branch.objects.create(code="bench", name="基准分公司")
    category = ProductCategory.objects.create(code="bench", name="基准设备")
    parts = Part.objects.bulk_create([Part(code=f"BP-{i:03d}", name=f"备件{i}") for i in range(3)])
    for m in range(MODELS):
        model = ProductModel.objects.create(code=f"BM-{m:02d}", name=f"基准型号{m}", category=category,
                                            warranty_months=12 + 12 * (m % 3))
        top = BomLine.objects.create(product_model=model, part=parts[0], quantity=Decimal("1"))
        BomLine.objects.create(product_model=model, part=parts[1], quantity=Decimal("2"), parent=top)
        BomLine.objects.create(product_model=model, part=parts[2], quantity=Decimal("4"))
    customers = Customer.objects.bulk_create([Customer(code=f"BC{c:05d}", name=f"基准客户{c}", branch=branch)
                                              for c in range(CUSTOMERS)])
    Address.objects.bulk_create([Address(customer=c, label="总部", address=f"基准路{c.pk}号", lat=Decimal("31.2"),
                                         lng=Decimal("121.4"), is_default=True) for c in customers])
    return User.objects.create_superuser("benchadmin", "bench@example.com", "Bench-pass-1", branch=branch)


def run_child(kind, url, rows):
    setup_django(prepare_database(kind, url))
    from django.core.files import File
    from django.core.management import call_command
    from openpyxl import load_workbook

    from xiuhao.assets.models import Device, DevicePart
    from xiuhao.core import imports
    from xiuhao.core.models import AuditEvent, ImportJob
    from xiuhao.core.registry import registry

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"[{kind}] migrate {time.perf_counter() - t:.1f} s")
    actor = master_data()
    registry.autodiscover()
    config = registry.configs["assets.device"]

    def iterate_file():
        t = time.perf_counter()
        wb = load_workbook(WORKBOOK, read_only=True, data_only=True)
        rows = sum(1 for _row in wb.worksheets[0].iter_rows(values_only=True)) - 1
        wb.close()
        return rows, time.perf_counter() - t

    iterate_file()  # warm the file cache: the first read pays the disk
    count, before = iterate_file()
    log(f"[{kind}] iterate {count} rows: {before:.2f} s")

    with open(WORKBOOK, "rb") as fh:
        job = ImportJob(model_label=config.key, original_name=WORKBOOK.name, created_by=actor, total_rows=count)
        job.file.save("bench-devices.xlsx", File(fh), save=False)
        job.save()
    t = time.perf_counter()
    imports.import_validate(job, actor)
    validate = time.perf_counter() - t
    assert job.status == ImportJob.Status.PREVIEW, (job.status, job.errors[:3])
    log(f"[{kind}] validate: {validate:.2f} s ({job.message})")
    t = time.perf_counter()
    imports.move_job(job, ImportJob.Status.RUNNING)
    imports.import_apply(job, actor)
    apply = time.perf_counter() - t
    assert job.status == ImportJob.Status.DONE, (job.status, job.message)
    log(f"[{kind}] apply: {apply:.2f} s ({job.message})")
    _count, after = iterate_file()
    # The machine is shared: iterate before and after the import and compare with the mean.
    iterate = (before + after) / 2
    log(f"[{kind}] iterate again: {after:.2f} s; mean {iterate:.2f} s")
    result = {"db": kind, "rows": count, "iterate_s": round(iterate, 2), "validate_s": round(validate, 2),
              "apply_s": round(apply, 2), "import_s": round(validate + apply, 2),
              "ratio": round((validate + apply) / iterate, 2), "devices": Device.objects.count(),
              "device_parts": DevicePart.objects.count(),
              "audit_events": AuditEvent.objects.filter(verb="import").count()}
    print("JSON " + json.dumps(result), flush=True)
    if kind == "postgres":
        from django.db import connections

        connections.close_all()
        drop_database(url)


def main():
    args = parse_args()
    if args.child:
        run_child(args.child, args.database_url, args.rows)
        return
    setup_django(f"sqlite:///{SQLITE}")
    t = time.perf_counter()
    if not (args.keep_workbook and WORKBOOK.exists()):
        headers = write_workbook(args.rows, args.seed)
        log(f"workbook {WORKBOOK} ({args.rows} rows, {WORKBOOK.stat().st_size // 1024} KB) in "
            f"{time.perf_counter() - t:.1f} s; columns: {' | '.join(headers)}")
    results = []
    for kind in ("sqlite", "postgres"):
        if args.only and args.only != kind:
            continue
        cmd = [sys.executable, __file__, "--child", kind, "--rows", str(args.rows), "--database-url", args.database_url]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        for line in proc.stdout.splitlines():
            if line.startswith("JSON "):
                results.append(json.loads(line[5:]))
            else:
                log(line)
        if proc.returncode:
            log(proc.stderr[-4000:])
            sys.exit(f"{kind}: the child failed")
    for r in results:
        verdict = "OK" if r["ratio"] <= 3 else "OVER TARGET"
        print(f"RESULT db={r['db']} rows={r['rows']} iterate_s={r['iterate_s']} validate_s={r['validate_s']} "
              f"apply_s={r['apply_s']} import_s={r['import_s']} ratio={r['ratio']} devices={r['devices']} "
              f"device_parts={r['device_parts']} audit_events={r['audit_events']} target=3 {verdict}")


if __name__ == "__main__":
    main()
