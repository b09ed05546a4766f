"""The import services: an uploaded file becomes an ImportJob that is validated, then, once
confirmed, applied; and the JSON bulk upsert. Every status move of a job goes through
`move_job()`.

    upload  → ImportJob VALIDATING → PREVIEW (every row valid) | INVALID (per-row errors)
    confirm → RUNNING → DONE (all rows, in one transaction) | FAILED (rolled back, nothing written)

Nothing is written while validating. Files with more than settings.IMPORT_SYNC_MAX_ROWS rows are
validated and applied by the huey jobs of jobs.py.
"""

import logging
import uuid
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from .. import context
from ..errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from ..jobs import enqueue_on_commit
from ..models import ImportJob
from ..moves import transition
from . import progress
from .errors import ImportFailed, InvalidFile, RowsInvalid, row_error
from .pipeline import pipeline_for
from .reading import check_xlsx, count_rows, excel_rows, open_sheet
from .running import MAX_STORED_ERRORS, Report, apply_rows, validate_rows

log = logging.getLogger(__name__)


def require_import(actor, config):
    """The actor may import `config`'s records (NotFound when the model has no import)."""
    if not config.importable:
        raise NotFound()
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm(config.perm("import"))):
        raise PermissionDenied()


def config_of(job_row):
    """The registry config of the model the job imports (NotFound when it has no import)."""
    from ..registry import registry

    config = registry.configs.get(job_row.model_label)
    if config is None or not config.importable:
        raise NotFound()
    return config


def move_job(job_row, to, **values):
    """Move the job — as read — to `to` by its declared moves (`ImportJob.moves`): one conditional
    UPDATE on the status read (two confirmations of one job race here; the database lets exactly
    one through, the other gets `conflict`). The moves are the job's bookkeeping and not audited
    on their own: the import's summary event is written with its rows."""
    move = next((m for m in ImportJob.moves if m.target == to and m.starts_from(job_row.status)), None)
    return transition(job_row, to=to, actor=None, verb=move.verb if move else str(to), values=values,
                      audited=False)


def sync_limit():
    """Files with more rows are validated and applied by jobs (settings.IMPORT_SYNC_MAX_ROWS)."""
    return getattr(settings, "IMPORT_SYNC_MAX_ROWS", 500)


def _ctx():
    ctx = context.current()
    return {"ip": ctx.ip, "request_id": ctx.request_id}


def import_upload(*, actor, config, file, confirm=False) -> ImportJob:
    """Store an uploaded workbook as an ImportJob and validate it (inline for small files, as a
    job for large ones). With `confirm`, a valid file is applied straight away."""
    require_import(actor, config)
    check_xlsx(file)
    with open_sheet(file) as ws:
        estimate = count_rows(ws)
    original = PurePath(str(file.name).replace("\\", "/")).name[:255]
    job_row = ImportJob(
        model_label=config.key, original_name=original, created_by=actor,
        branch_id=getattr(actor, "branch_id", None), total_rows=estimate,
    )
    file.seek(0)
    job_row.file.save(f"{uuid.uuid4().hex}.xlsx", file, save=False)
    job_row.save()
    if estimate > sync_limit():
        from .jobs import validate_import_job

        enqueue_on_commit(validate_import_job, job_row.pk, confirm_as=actor.pk if confirm else None, **_ctx())
        job_row.refresh_from_db()  # outside a transaction an inline (immediate) job has already run
        return job_row
    import_validate(job_row)
    if confirm and job_row.status == ImportJob.Status.PREVIEW:
        import_confirm(actor=actor, job=job_row)
    return job_row


def import_validate(job_row, actor=None):
    """VALIDATING → PREVIEW | INVALID (| FAILED when the file cannot be read). Writes nothing
    but the job row; progress is saved every PROGRESS_EVERY rows."""
    config = config_of(job_row)
    actor = actor or job_row.created_by
    pipeline = pipeline_for(config, actor)
    pipeline.job = job_row  # a pipeline may keep work between validating and applying the same file

    def store_progress(n):
        ImportJob.objects.filter(pk=job_row.pk).update(processed_rows=n)

    try:
        with job_row.file.open("rb") as fh, open_sheet(fh) as ws:
            header_errors, rows = excel_rows(pipeline, ws)
            if header_errors:
                report = Report(total=job_row.total_rows)
            else:
                report = validate_rows(pipeline, rows, on_progress=store_progress)
    except InvalidFile as exc:
        return move_job(job_row, ImportJob.Status.FAILED, message=str(exc.message)[:255])
    report.errors = header_errors + report.errors
    report.error_count += len(header_errors)
    if not report.total and not report.errors:
        report.errors = [row_error(2, "", _("The sheet has no data rows."))]
        report.error_count = 1
    status = ImportJob.Status.INVALID if report.errors else ImportJob.Status.PREVIEW
    return move_job(
        job_row, status, total_rows=report.total, processed_rows=report.total, errors=report.errors[:MAX_STORED_ERRORS],
        preview=report.preview, created_count=report.created, updated_count=report.updated,
        message=str(report.message())[:255],
    )


def import_confirm(*, actor, job) -> ImportJob:
    """PREVIEW → RUNNING, then apply (inline, or as a job for large files)."""
    config = config_of(job)
    require_import(actor, config)
    if job.status != ImportJob.Status.PREVIEW:
        raise ImportJob.Refusals.NOT_READY()
    move_job(job, ImportJob.Status.RUNNING, processed_rows=0, created_count=0, updated_count=0)
    if job.total_rows > sync_limit():
        from .jobs import apply_import_job

        enqueue_on_commit(apply_import_job, job.pk, actor.pk, **_ctx())
        job.refresh_from_db()
        return job
    return import_apply(job, actor)


def import_apply(job_row, actor) -> ImportJob:
    """RUNNING → DONE (every row, one transaction) | FAILED (rolled back; the reason is kept)."""
    config = config_of(job_row)
    pipeline = pipeline_for(config, actor)
    pipeline.job = job_row
    cache, key = progress.progress_cache(), progress.progress_key(job_row.pk)

    def store_progress(n):
        try:
            cache.set(key, n, 3600)
        except Exception:  # progress is a nicety; it never fails the import
            log.warning("import %s: progress not stored", job_row.pk, exc_info=True)

    def done(report):
        move_job(job_row, ImportJob.Status.DONE, processed_rows=report.total, created_count=report.created,
              updated_count=report.updated,
              message=str(_("%(created)s created, %(updated)s updated.") % {
                  "created": report.created, "updated": report.updated})[:255])

    try:
        require_import(actor, config)
        apply_rows(pipeline, _sheet_rows(job_row, pipeline), source=job_row.original_name, on_progress=store_progress,
                   on_done=done)
    except ServiceError as exc:
        move_job(job_row, ImportJob.Status.FAILED, message=str(exc.message)[:255], created_count=0, updated_count=0)
    except Exception:
        log.exception("import %s failed", job_row.pk)
        move_job(job_row, ImportJob.Status.FAILED, created_count=0, updated_count=0,
              message=str(_("The import failed unexpectedly; nothing was written.")))
    finally:
        try:
            cache.delete(key)
        except Exception:
            pass
    return job_row


def _sheet_rows(job_row, pipeline):
    """The rows of the job's workbook, read when first asked for: a pipeline that kept what it
    validated (assets' devices) applies that without opening the workbook again."""
    with job_row.file.open("rb") as fh, open_sheet(fh) as ws:
        header_errors, rows = excel_rows(pipeline, ws)
        if header_errors:
            raise ImportFailed.at(header_errors[0])
        yield from rows


def import_bulk(*, actor, config, rows, dry_run=False) -> dict:
    """JSON bulk upsert: the Excel pipeline over dict rows; all rows or none. Invalid rows raise
    RowsInvalid (listing every error); a failing write raises ImportFailed."""
    require_import(actor, config)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(_("“rows” must be a list of objects."))
    if not rows:
        raise ValidationFailed(_("“rows” is empty."))
    limit = getattr(settings, "IMPORT_BULK_MAX_ROWS", 5000)
    if len(rows) > limit:
        raise ValidationFailed(_("At most %(limit)s rows per request; upload larger sets as an Excel file.")
                               % {"limit": limit})
    numbered = list(enumerate(rows, start=1))
    report = validate_rows(pipeline_for(config, actor), numbered)
    if report.errors:
        raise RowsInvalid(report.errors, report.error_count)
    if not dry_run:
        report_applied = apply_rows(pipeline_for(config, actor), numbered, source=_("API bulk request"))
        report.created, report.updated = report_applied.created, report_applied.updated
    return {
        "dry_run": bool(dry_run),
        "status": "preview" if dry_run else "done",
        "total_rows": report.total,
        "created_count": report.created,
        "updated_count": report.updated,
        "errors": [],
        "preview": report.preview,
    }


def import_job_get(*, user, pk) -> ImportJob:
    """The import job if the user may see it (data scope of the job + import permission)."""
    job_row = ImportJob.objects.visible_to(user).filter(pk=pk).first()
    if job_row is None:
        raise NotFound()
    config = config_of(job_row)
    if not user.has_perm(config.perm("import")):
        raise NotFound()
    return job_row
