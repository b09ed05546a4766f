"""An import job's progress: rows done so far and the percentage the status page shows.

Validation writes `processed_rows` to the job row. The apply step is one write transaction, whose
own writes nobody else sees before it commits (on SQLite it even keeps every other writer out),
so its progress goes to a cache outside the database (`progress_cache()`)."""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache

from ..models import ImportJob


def progress_cache():
    """Where the apply step reports progress: never the database (the apply transaction is
    still open). settings.CACHES["progress"] if configured; else the default cache unless it
    lives in the database; else files under var/cache/progress (one host)."""
    if "progress" in settings.CACHES:
        return caches["progress"]
    default = caches["default"]
    if not isinstance(default, DatabaseCache):
        return default
    global _file_cache
    if _file_cache is None:
        _file_cache = FileBasedCache(str(settings.VAR_DIR / "cache" / "progress"), {"TIMEOUT": 3600})
    return _file_cache


_file_cache = None


def progress_key(job_id):
    return f"xiuhao:import-progress:{job_id}"


def processed_rows(job_row) -> int:
    """Rows done so far: from the job row, or from the progress cache while applying."""
    if job_row.status == ImportJob.Status.RUNNING:
        try:
            return int(progress_cache().get(progress_key(job_row.pk)) or 0)
        except Exception:  # a progress read never breaks the status page
            return 0
    return job_row.processed_rows


def percent(job_row) -> int:
    if job_row.status in (ImportJob.Status.DONE, ImportJob.Status.PREVIEW, ImportJob.Status.INVALID):
        return 100
    total = job_row.total_rows
    return min(100, int(processed_rows(job_row) * 100 / total)) if total else 0
