#!/usr/bin/env python
"""Benchmark of the customer search (one box: name fragment, pinyin initials, phone tail, serial).

    .venv/bin/python bench/customer_search.py --customers 100000
    .venv/bin/python bench/customer_search.py --customers 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/xiuhao_bench_customers

The script owns its database: by default a SQLite file under /tmp, with --database-url a
PostgreSQL database that it DROPS and recreates. It migrates, then bulk-inserts --customers
customers (names from hospital / clinic / lab / factory patterns over 300 city and district
names, search columns computed by the same functions the services use), two contacts each and
one device each (serial numbers), and measures each kind of query through the selector that the
list page and the API use (`customers.selectors.customer_search` on `config.queryset(admin)`):
what the list page asks — the first 20 rows in code order and the total count. It reports
p50/p95/max per kind (and the p95 of the time spent in the database alone); the last lines
are greppable:

    RESULT db=postgresql kind=name p50_ms=… p95_ms=… max_ms=… sql_p95_ms=… hits_median=… samples=…

With --explain it prints PostgreSQL's plan of one query of each kind (are the indexes used?).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SQLITE = Path("/tmp/xiuhao_bench_customers.sqlite3")
KINDS = ("name", "initials", "pinyin", "phone_tail", "serial", "serial_prefix")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--samples", type=int, default=200, help="measured queries per kind (default 200)")
    p.add_argument("--database-url", default=None, help="PostgreSQL URL; dropped and recreated")
    p.add_argument("--sqlite-path", default=str(DEFAULT_SQLITE))
    p.add_argument("--reuse", action="store_true", help="keep a database that already holds the data")
    p.add_argument("--explain", action="store_true", help="print the plan of one query per kind (PostgreSQL)")
    p.add_argument("--seed", type=int, default=20261123)
    return p.parse_args(argv)


def prepare_database(args):
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        if not args.reuse:
            import psycopg

            base, name = args.database_url.rsplit("/", 1)
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(args.sqlite_path)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiuhao.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# -- data -----------------------------------------------------------------------------------------

CITIES = ("北京 上海 广州 深圳 成都 重庆 武汉 西安 杭州 南京 天津 苏州 长沙 郑州 济南 青岛 沈阳 大连 厦门 福州 "
          "昆明 贵阳 南宁 海口 合肥 南昌 太原 石家庄 哈尔滨 长春 兰州 银川 西宁 乌鲁木齐 拉萨 呼和浩特 宁波 无锡 "
          "佛山 东莞 珠海 中山 温州 绍兴 嘉兴 台州 烟台 潍坊 临沂 徐州 常州 南通 扬州 泉州 漳州 洛阳 襄阳 宜昌 "
          "岳阳 株洲 柳州 桂林 遵义 绵阳 南充 宝鸡 咸阳 榆林 包头 鄂尔多斯 大庆 吉林 鞍山 唐山 保定 邯郸 廊坊").split()
DISTRICTS = "东城 西城 南山 福田 天河 越秀 武侯 锦江 江北 渝中 洪山 雁塔 西湖 鼓楼 和平 历下 市南 思明 五华 青秀".split()
WORDS = ("恒信 华瑞 天成 远景 宏达 博越 凯盛 永安 金桥 新锐 鼎力 万通 康达 瑞丰 安泰 嘉禾 同创 盛世 科瑞 "
         "联合 正泰 汇通 华康 长城 明德 启航 星辰 海纳 众诚 东方").split()
PATTERNS = ("{c}市第{n}人民医院", "{c}市{d}区人民医院", "{c}市中心医院", "{c}{d}区妇幼保健院", "{c}医科大学附属第{n}医院",
            "{c}{d}社区卫生服务中心", "{c}{w}口腔门诊部", "{c}{w}医学检验所有限公司", "{c}{w}精密机械有限公司",
            "{c}{w}电子科技股份有限公司", "{c}{w}制药有限公司", "{c}{w}新材料有限公司", "{c}{w}仪器设备有限公司")


def generate(n, seed):
    from django.db import transaction

    from xiuhao.assets.models import Device
    from xiuhao.catalog.models import ProductCategory, ProductModel
    from xiuhao.customers import similarity, text
    from xiuhao.customers.models import Contact, Customer, CustomerNameKey
    from xiuhao.org.models import Branch, User

    rng = random.Random(seed)
    started = time.monotonic()
    with transaction.atomic():
        branch = Branch.objects.create(code="bench", name="基准分公司")
        User.objects.create_superuser(username="admin", password="bench-pass-1", branch=branch)
        category = ProductCategory.objects.create(code="bench", name="基准类别")
        product = ProductModel.objects.create(code="BENCH-1", name="基准型号", category=category)
    batch = 5000
    for start in range(0, n, batch):
        customers, contacts = [], []
        for i in range(start, min(n, start + batch)):
            name = rng.choice(PATTERNS).format(c=rng.choice(CITIES), d=rng.choice(DISTRICTS), w=rng.choice(WORDS),
                                              n=rng.choice("一二三四五六七八九"))
            phone = f"0{rng.randrange(10, 999)}-{rng.randrange(10**7, 10**8)}"
            mobiles = [f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" for _ in range(2)]
            key = similarity.name_key(name)
            customers.append(Customer(
                code=f"C{i + 1:06d}", name=name, phone=phone, branch=branch,
                name_pinyin=text.fit(text.name_pinyin(name), 600), name_initials=text.fit(text.name_initials(name), 200),
                name_normalized=key.core, name_region=key.region, phone_digits=text.phone_digits([phone, *mobiles]),
                lat=round(rng.uniform(20, 45), 6), lng=round(rng.uniform(100, 125), 6)))
            contacts += [Contact(name=f"联系人{i}-{j}", mobile=m, is_primary=j == 0) for j, m in enumerate(mobiles)]
        with transaction.atomic():
            Customer.objects.bulk_create(customers)
            CustomerNameKey.objects.bulk_create([CustomerNameKey(customer=c, token=t) for c in customers
                                                 for t in sorted(similarity.bigrams(c.name_normalized))])
            for k, contact in enumerate(contacts):
                contact.customer = customers[k // 2]
            Contact.objects.bulk_create(contacts)
            Device.objects.bulk_create([Device(serial=f"SN{rng.randrange(36**6):06X}{c.pk:07d}", customer=c,
                                               product_model=product, branch=branch) for c in customers])
        print(f"  {min(n, start + batch):>7} customers ({time.monotonic() - started:.0f} s)", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: statistics for the planner and, on PostgreSQL,
        # the GIN pending lists merged into the trigram indexes (searched linearly until then).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.monotonic() - started


# -- queries ---------------------------------------------------------------------------------------------


def samples(kind, count, rng):
    from xiuhao.assets.models import Device
    from xiuhao.customers.models import Contact, Customer

    total = Customer.objects.count()
    out = []
    for _ in range(count):
        offset = rng.randrange(total)
        if kind in ("name", "initials", "pinyin"):
            c = Customer.objects.order_by("pk").values("name", "name_initials", "name_pinyin")[offset]
            if kind == "name":
                start = rng.randrange(max(1, len(c["name"]) - 4))
                out.append(c["name"][start:start + rng.choice((3, 4))])  # e.g. "人民医院", "华瑞精"
            elif kind == "initials":
                out.append(c["name_initials"].split()[0][:rng.choice((4, 5, 6))])  # "szrm"
            else:
                out.append(c["name_pinyin"].split()[0][: rng.choice((8, 10, 12))])  # "shenzhenre"
        elif kind == "phone_tail":
            mobile = Contact.objects.order_by("pk").values_list("mobile", flat=True)[offset * 2]
            out.append(mobile[-rng.choice((4, 5, 6)):])
        else:
            serial = Device.objects.order_by("pk").values_list("serial", flat=True)[offset]
            out.append(serial if kind == "serial" else serial[:8])
    return out


def measure(values):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xiuhao.core.registry import registry
    from xiuhao.customers.selectors import customer_search
    from xiuhao.org.models import User

    admin = User.objects.get(username="admin")
    config = registry.configs["customers.customer"]
    timings, db_timings, hits = [], [], []
    for value in values:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            qs = customer_search(config.queryset(admin), value)
            page = list(qs.order_by("code")[:20])  # what the list page and the API show …
            count = qs.count()  # … and the total they print
            timings.append((time.perf_counter() - started) * 1000)
        # The database's share (the rest is Python: the ORM and 20 model instances).
        db_timings.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        hits.append(count)
        assert count >= len(page)
    return timings, db_timings, hits


def explain(kind, value):
    from django.db import connection

    from xiuhao.core.registry import registry
    from xiuhao.customers.selectors import customer_search
    from xiuhao.org.models import User

    if connection.vendor != "postgresql":
        return
    qs = customer_search(registry.configs["customers.customer"].queryset(User.objects.get(username="admin")), value)
    print(f"-- {kind} {value!r}")
    print(qs.order_by("code")[:20].explain(analyze=True))


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv=None):
    args = parse_args(argv)
    prepare_database(args)
    from django.db import connection

    from xiuhao.customers.models import Customer

    if not (args.reuse and Customer.objects.count() >= args.customers):
        print(f"generating {args.customers} customers on {connection.vendor} …", flush=True)
        seconds = generate(args.customers, args.seed)
        print(f"generated in {seconds:.0f} s")
    rng = random.Random(args.seed)
    rows = []
    for kind in KINDS:
        values = samples(kind, args.samples, rng)
        measure(values[:5])  # warm-up
        timings, db_timings, hits = measure(values)
        rows.append((kind, statistics.median(timings), pct(timings, 95), max(timings), statistics.median(hits),
                     len(values), values[0], pct(db_timings, 95)))
        if args.explain:
            explain(kind, values[0])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{connection.vendor}, {Customer.objects.count()} customers, first 20 rows + count per query "
          f"(load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'kind':<14}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'SQL p95':>9}{'hits (median)':>15}  example")
    for kind, p50, p95, top, hits, _n, example, db95 in rows:
        print(f"{kind:<14}{p50:>9.1f}{p95:>9.1f}{top:>9.1f}{db95:>9.1f}{hits:>15.0f}  {example}")
    for kind, p50, p95, top, hits, n, _example, db95 in rows:
        print(f"RESULT db={connection.vendor} kind={kind} p50_ms={p50:.1f} p95_ms={p95:.1f} max_ms={top:.1f} "
              f"sql_p95_ms={db95:.1f} hits_median={hits:.0f} samples={n}")


if __name__ == "__main__":
    main()
