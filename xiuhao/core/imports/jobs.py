"""The huey jobs of large imports: validate (and, when asked, confirm) and apply a job's file."""

import logging

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .. import context
from ..jobs import job
from ..models import ImportJob
from .services import import_apply, import_confirm, import_validate, move_job

log = logging.getLogger(__name__)


def _user(pk):
    return get_user_model().objects.filter(pk=pk).first() if pk else None


@job()
def validate_import_job(job_id, confirm_as=None, ip=None, request_id=""):
    job_row = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).first()
    if job_row is None:
        return
    with context.bound(context.RequestContext(ip=ip, request_id=request_id or f"import-{job_id}")):
        try:
            import_validate(job_row)
        except Exception:
            log.exception("import %s: validation failed", job_id)
            move_job(job_row, ImportJob.Status.FAILED, message=str(_("The file could not be checked.")))
            return
        actor = _user(confirm_as)
        if actor is not None and job_row.status == ImportJob.Status.PREVIEW:
            import_confirm(actor=actor, job=job_row)


@job()
def apply_import_job(job_id, actor_id, ip=None, request_id=""):
    job_row = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).first()
    actor = _user(actor_id)
    if job_row is None or actor is None:
        return
    with context.bound(context.RequestContext(ip=ip, request_id=request_id or f"import-{job_id}")):
        import_apply(job_row, actor)
