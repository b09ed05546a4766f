"""Raw bulk inserts for the device import: rows as tuples of plain values go to the database
without model instances (SQLite: executemany; PostgreSQL: COPY), with primary keys allocated up
front so that child rows (BOM lines under their parent, audit events) can point at them.

Only for writers that hold the write transaction and have checked every value themselves."""

import json

from django.db import connection


class Values:
    """Converters of Python values to what the connection's bulk path takes, picked once per
    write (not per value): dates, datetimes, UUIDs, decimals and JSON."""

    def __init__(self):
        self.sqlite = connection.vendor == "sqlite"

    def date(self, value):
        return value.isoformat() if self.sqlite and value is not None else value

    def datetime(self, value):
        return connection.ops.adapt_datetimefield_value(value) if self.sqlite else value

    def uuid(self, value):
        return value.hex if self.sqlite else value

    def decimal(self, value):
        return str(value) if self.sqlite and value is not None else value

    def json(self, value):
        return json.dumps(value) if self.sqlite else value  # COPY's jsonb type serialises it


def allocate_ids(model, count):
    """`count` fresh primary keys of `model`'s table. PostgreSQL: from its sequence. SQLite:
    above the highest id ever given (AUTOINCREMENT's counter included), safe because the caller
    holds SQLite's write lock (IMMEDIATE transaction) until it commits."""
    if count <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from _meta
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


PG_TYPES = {"AutoField": "int4", "BigAutoField": "int8", "ForeignKey": "int8", "CharField": "text", "TextField": "text",
            "SlugField": "text", "EmailField": "text", "DateField": "date", "DateTimeField": "timestamptz",
            "DecimalField": "numeric", "UUIDField": "uuid", "JSONField": "jsonb", "GenericIPAddressField": "inet",
            "IntegerField": "int4", "PositiveIntegerField": "int4", "PositiveSmallIntegerField": "int2",
            "BooleanField": "bool"}


def _pg_type(field):
    if field.is_relation:
        return _pg_type(field.target_field)
    return PG_TYPES[field.get_internal_type()]


def insert(model, fields, rows):
    """INSERT `rows` (tuples in the order of `fields`, model field names; values converted with
    `Values`) into `model`'s table."""
    if not rows:
        return
    opts = model._meta
    columns = [opts.get_field(name).column for name in fields]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{opts.db_table}" ({quoted}) FROM STDIN') as copy:
                copy.set_types([_pg_type(opts.get_field(name)) for name in fields])  # no per-value type lookup
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{opts.db_table}" ({quoted}) VALUES ({marks})'  # noqa: S608 - names from _meta
        cursor.executemany(sql, rows)
