"""Background jobs on huey: enqueue after commit, run once per key, a periodic-job registry.

Job modules are named jobs.py (a "task" is always a Task Centre task).
"""

import functools
import logging

from django.db import IntegrityError, transaction
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from .models import JobRun

log = logging.getLogger(__name__)

# name -> (description, crontab kwargs); read by the system page and the docs.
PERIODIC_JOBS: dict[str, dict] = {}

job = db_task  # a job: a function huey runs in the worker with a fresh DB connection


def enqueue_on_commit(job_fn, *args, **kwargs):
    """Enqueue `job_fn` once the current transaction commits (never for a rolled-back write)."""
    transaction.on_commit(lambda: job_fn(*args, **kwargs))


def periodic_job(name, description="", **schedule):
    """Register a periodic job: `@periodic_job("warranty-alerts", minute="0", hour="7")`."""

    def decorator(fn):
        PERIODIC_JOBS[name] = {"description": description, "schedule": schedule, "function": fn.__module__ + "." + fn.__name__}
        return db_periodic_task(crontab(**schedule), name=name)(fn)

    return decorator


def once(key: str) -> bool:
    """Claim the unit of work `key`; False when it was already done. Call inside the job's
    transaction so that a failure releases the claim with the rollback."""
    try:
        with transaction.atomic():
            JobRun.objects.create(key=key[:200])
        return True
    except IntegrityError:
        return False


def run_once(key_fn):
    """Decorator for idempotent jobs: the body runs at most once per key (in one transaction)."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = key_fn(*args, **kwargs)
            with transaction.atomic():
                if not once(key):
                    log.info("job %s already done", key)
                    return None
                return fn(*args, **kwargs)

        return wrapper

    return decorator


def queue_state() -> dict:
    """The job queue as /healthz reports it."""
    try:
        pending = HUEY.pending_count()
        scheduled = HUEY.scheduled_count()
        return {"ok": True, "backend": type(HUEY.storage).__name__, "pending": pending, "scheduled": scheduled}
    except Exception as exc:  # the health check reports, it does not raise
        return {"ok": False, "backend": type(HUEY.storage).__name__, "error": str(exc)[:200]}


@periodic_job("purge-idempotency-keys", "Forget Idempotency-Key answers older than 7 days", minute="17", hour="3")
def purge_idempotency_keys():
    from datetime import timedelta

    from django.utils import timezone

    from .models import IdempotencyRecord

    IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(days=7)).delete()
