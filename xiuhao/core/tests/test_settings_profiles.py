"""The environment chooses the backends: SQLite + database cache + SQLite huey by default,
PostgreSQL via DATABASE_URL, Redis for the cache and the job queue via REDIS_URL."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[3]

PROBE = """
import django, json
django.setup()
from django.conf import settings
from huey.contrib.djhuey import HUEY
db = settings.DATABASES["default"]
print(json.dumps({"engine": db["ENGINE"], "options": db.get("OPTIONS", {}),
                  "cache": settings.CACHES["default"]["BACKEND"], "huey": type(HUEY).__name__}))
"""


def probe(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.update(env, DJANGO_SETTINGS_MODULE="xiuhao.config.settings")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, env=clean, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_default_is_sqlite_with_wal_and_immediate_transactions_and_a_sqlite_job_queue():
    found = probe()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in found["options"]["init_command"]
    assert found["huey"] == "SqliteHuey"
    assert found["cache"].endswith("DatabaseCache")


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    found = probe(DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/15")
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["huey"] == "RedisHuey"
    assert found["cache"].endswith("RedisCache")
