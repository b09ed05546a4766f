"""Trigram (pg_trgm) GIN indexes for the customer search, on PostgreSQL only.

The search (customers.selectors.customer_search) asks `name LIKE '%…%'` (Han text), `UPPER(name)
LIKE '%…%'` (other text), `name_initials LIKE '%…%'`, `name_pinyin LIKE '%…%'` and `phone_digits
LIKE '%<tail> %'`; B-tree indexes cannot serve a leading wildcard, trigram indexes can.
SQLite has no such index: nothing is done there.
"""

from django.db import migrations

INDEXES = [
    ("customers_customer_name_trgm", "customers_customer", "UPPER(name::text) gin_trgm_ops"),
    ("customers_customer_name_plain_trgm", "customers_customer", "name gin_trgm_ops"),  # Han text: no UPPER()
    ("customers_customer_initials_trgm", "customers_customer", "name_initials gin_trgm_ops"),
    ("customers_customer_pinyin_trgm", "customers_customer", "name_pinyin gin_trgm_ops"),
    ("customers_customer_phones_trgm", "customers_customer", "phone_digits gin_trgm_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_search_and_duplicate_columns")]

    operations = [migrations.RunPython(create, drop)]
