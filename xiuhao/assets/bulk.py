"""Raw bulk writes for the device import: rows as tuples of plain values go to the database
without model instances (SQLite: executemany; PostgreSQL: COPY), with primary keys allocated up
front so that child rows (BOM lines under their parent, audit events) can point at them; and
set-wise filters that pass 10^5 keys as ONE parameter (PostgreSQL: an array; SQLite: a JSON
array read with json_each) instead of one query per chunk of keys.

Only for writers that hold the write transaction and have checked every value themselves."""

import itertools
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.expressions import RawSQL

BATCH = 5000  # rows per executemany (SQLite)


class Values:
    """Converters of Python values to what the connection's bulk path takes, picked once per
    write (not per value): dates, datetimes, decimals and JSON."""

    def __init__(self):
        self.sqlite = connection.vendor == "sqlite"

    def date(self, value):
        return value.isoformat() if self.sqlite and value is not None else value

    def datetime(self, value):
        return connection.ops.adapt_datetimefield_value(value) if self.sqlite else value

    def decimal(self, value):
        return str(value) if self.sqlite and value is not None else value

    def json(self, value):
        return json.dumps(value) if self.sqlite else value  # COPY's jsonb type serialises it


def uuid4s(count):
    """`count` random (version 4) UUIDs from one urandom call, as the connection's bulk path takes
    them: 32 hex digits on SQLite (what a UUIDField stores there), uuid.UUID on PostgreSQL (binary
    COPY). uuid.uuid4() per row costs ~0.5 s per 10^5."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    if connection.vendor == "postgresql":
        raw = bytes(raw)
        return [uuid.UUID(bytes=raw[i:i + 16]) for i in range(0, 16 * count, 16)]
    text = raw.hex()
    return [text[i:i + 32] for i in range(0, 32 * count, 32)]


def keys_in(values):
    """An expression for `field__in=`: the values as one parameter, however many there are."""
    values = list(values)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values, ensure_ascii=False)])


def allocate_ids(model, count, db=None):
    """`count` fresh primary keys of `model`'s table: a range when they are consecutive (always on
    SQLite, normally on PostgreSQL), else a list. PostgreSQL: from its sequence (the block is
    counted on the server; only when another session's nextval() interleaved are the keys
    fetched one by one). SQLite: above the highest id ever given (AUTOINCREMENT's counter
    included), safe because the caller holds SQLite's write lock (IMMEDIATE transaction) until
    it commits."""
    db = db or connection
    if count <= 0:
        return range(0)
    table, pk = model._meta.db_table, model._meta.pk.column
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("SELECT MIN(v), MAX(v) FROM (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS v "
                           "FROM generate_series(1, %s)) AS block", [table, pk, count])
            low, high = cursor.fetchone()
            if high - low + 1 == count:
                return range(low, high + 1)
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from _meta
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return range(start, start + count)


def allocate_block(model, count, db=None):
    """`count` consecutive primary keys of `model`'s table (a range), taken in one step.
    PostgreSQL: the table is locked against other writers until commit (SHARE ROW EXCLUSIVE:
    their inserts wait for it before calling nextval()), then the sequence is moved past the
    block with one setval() — 3 × 10^5 nextval() calls cost about a second. SQLite: as
    allocate_ids (the write lock is already held)."""
    db = db or connection
    if count <= 0 or db.vendor != "postgresql":
        return allocate_ids(model, count, db)
    table, pk = model._meta.db_table, model._meta.pk.column
    with db.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


PG_TYPES = {"AutoField": "int4", "BigAutoField": "int8", "ForeignKey": "int8", "CharField": "text", "TextField": "text",
            "SlugField": "text", "EmailField": "text", "DateField": "date", "DateTimeField": "timestamptz",
            "DecimalField": "numeric", "UUIDField": "uuid", "JSONField": "jsonb", "GenericIPAddressField": "inet",
            "IntegerField": "int4", "PositiveIntegerField": "int4", "PositiveSmallIntegerField": "int2",
            "BooleanField": "bool"}


def _pg_type(field):
    if field.is_relation:
        return _pg_type(field.target_field)
    return PG_TYPES[field.get_internal_type()]


def insert(model, fields, rows, *, binary=False, db=None):
    """INSERT `rows` (an iterable of tuples in the order of `fields`, model field names; values
    converted with `Values`) into `model`'s table. PostgreSQL: ONE COPY stream, fed as `rows`
    yields (the server stores rows while the caller makes the next ones); `binary`: binary COPY,
    which halves the work per row on both sides, for rows of native values only (dates, Decimal,
    uuid.UUID, aware datetimes; no JSON or text standing in for another type). SQLite:
    executemany per BATCH rows. `db`: the connection (default: this thread's; a Writer's
    helper thread passes the caller's)."""
    db = db or connection
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    opts = model._meta
    columns = [opts.get_field(name).column for name in fields]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            how = " (FORMAT BINARY)" if binary else ""
            with cursor.cursor.copy(f'COPY "{opts.db_table}" ({quoted}) FROM STDIN{how}') as copy:
                copy.set_types([_pg_type(opts.get_field(name)) for name in fields])  # no per-value type lookup
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{opts.db_table}" ({quoted}) VALUES ({marks})'  # noqa: S608 - names from _meta
        while batch := list(itertools.islice(rows, BATCH)):
            cursor.executemany(sql, batch)


TEMPLATE = "xiuhao_bom_template"


class BomCopy:
    """Copies the model BOMs into the BOM instances of new devices on the server (`INSERT …
    SELECT`, one per block of devices) instead of sending 10^5 × lines rows from Python.

    `template`: (model id, line index, parent's line index or None, part id, quantity per
    device, position) per line of each model's BOM, parents before children; kept in a
    temporary table between `open()` and `close()`. Each `insert(devices)` (their ids: a range
    or a list, in id order) takes a block of line ids and gives each device's lines consecutive
    ids in template order, so a sub-part's parent is `its device's first id + parent's index`.
    fitted_on is the device's install date, else its shipping date, else `fitted_default`.
    Values converted with `Values`; each step takes `db` as `insert` does."""

    def __init__(self, template, *, fitted_default, status, stamp):
        self.template = template
        self.values = [fitted_default, status, stamp, stamp]
        self.lines = {}
        for model_id, *_rest in template:
            self.lines[model_id] = self.lines.get(model_id, 0) + 1

    def open(self, db=None):
        db = db or connection
        postgres = db.vendor == "postgresql"
        with db.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TEMPLATE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {TEMPLATE} (model_id bigint, idx integer, parent_idx integer, "
                           f"part_id bigint, quantity numeric, position text)" + (" ON COMMIT DROP" if postgres else ""))
            cursor.executemany(f"INSERT INTO {TEMPLATE} VALUES (%s, %s, %s, %s, %s, %s)", self.template)  # noqa: S608

    def insert(self, devices, line_count, db=None):
        """The BOM instances of `devices`, `line_count` lines in all (the caller counted them
        with `self.lines`)."""
        from .models import Device, DevicePart

        db = db or connection
        if not line_count:
            return
        first_id = allocate_block(DevicePart, line_count, db).start
        parts, device = DevicePart._meta.db_table, Device._meta.db_table
        if isinstance(devices, range):
            where, params = "d.id BETWEEN %s AND %s", [devices.start, devices.stop - 1]
        elif db.vendor == "postgresql":
            where, params = "d.id = ANY(%s)", [list(devices)]
        else:
            where, params = "d.id IN (SELECT value FROM json_each(%s))", [json.dumps(list(devices))]
        with db.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO "{parts}" (id, device_id, parent_id, part_id, quantity, part_serial, position,
                                            fitted_on, removed_on, status, created_at, updated_at)
                    SELECT %s + o.start + t.idx, o.id, %s + o.start + t.parent_idx, t.part_id, t.quantity, '',
                           t.position, COALESCE(o.install_date, o.shipped_on, %s), NULL, %s, %s, %s
                    FROM (SELECT d.id, d.product_model_id, d.install_date, d.shipped_on,
                                 CAST(SUM(n.lines) OVER (ORDER BY d.id) - n.lines AS bigint) AS start
                          FROM "{device}" d
                          JOIN (SELECT model_id, COUNT(*) AS lines FROM {TEMPLATE} GROUP BY model_id) n
                            ON n.model_id = d.product_model_id
                          WHERE {where}) o
                    JOIN {TEMPLATE} t ON t.model_id = o.product_model_id""",  # noqa: S608 - names from _meta
                [first_id, first_id, *self.values, *params])

    def close(self, db=None):
        with (db or connection).cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TEMPLATE}")


class Writer:
    """Runs the statements of the caller's transaction in the order submitted — on PostgreSQL
    on ONE helper thread over the caller's own connection, so that the server stores and
    checks one block of rows while the caller checks and converts the next (the client's and
    the server's work overlap on two cores); elsewhere at once, in the caller's thread.

    Submitted functions take the connection as their `db` keyword and must use only it (this
    thread's `django.db.connection` is another connection, outside the transaction). While the
    writer is open the caller must not use the database itself. Leaving the block waits for
    every statement; the first failure is raised (from `submit` as soon as it is seen), and
    leaving with an exception waits for the running statement and drops the rest."""

    def __init__(self, db=None):
        self.db = db or connections[DEFAULT_DB_ALIAS]
        self.threaded = self.db.vendor == "postgresql"
        self.futures = []

    def __enter__(self):
        if self.threaded:
            self.db.inc_thread_sharing()
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer")
        return self

    def submit(self, fn, *args, **kwargs):
        if not self.threaded:
            fn(*args, db=self.db, **kwargs)
            return
        for future in self.futures:  # fail fast: nothing more is sent after a failed statement
            if future.done() and future.exception() is not None:
                raise future.exception()
        self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(self.pool.submit(fn, *args, db=self.db, **kwargs))

    def __exit__(self, exc_type, exc, tb):
        if not self.threaded:
            return False
        try:
            self.pool.shutdown(wait=True, cancel_futures=exc_type is not None)
        finally:
            self.db.dec_thread_sharing()
        if exc_type is None:
            for future in self.futures:
                future.result()  # raises the first failure
        return False
