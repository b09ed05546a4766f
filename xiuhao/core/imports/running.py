"""Running a pipeline over rows: validate every row (nothing written) into a Report, or apply
every row through the config's services in ONE transaction (all rows or none)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit
from ..errors import ServiceError
from .errors import ImportFailed, row_error

PREVIEW_ROWS = 20
PROGRESS_EVERY = 200
MAX_STORED_ERRORS = 1000


@dataclass
class Report:
    total: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0
    errors: list = field(default_factory=list)
    preview: list = field(default_factory=list)

    def add_errors(self, errors):
        self.error_count += len(errors)
        room = MAX_STORED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def message(self):
        if self.error_count > len(self.errors):
            return _("%(count)s errors; the first %(shown)s are listed.") % {
                "count": self.error_count, "shown": len(self.errors)}
        if self.error_count:
            return _("%(count)s errors; nothing will be imported.") % {"count": self.error_count}
        return _("%(created)s to create, %(updated)s to update.") % {"created": self.created, "updated": self.updated}


def validate_rows(pipeline, rows, on_progress=None) -> Report:
    """Check every row; nothing is written. A pipeline with its own `validate_all` (a fast
    path checking all rows with set-wise lookups, e.g. assets' devices) does the whole job."""
    if hasattr(pipeline, "validate_all"):
        return pipeline.validate_all(rows, on_progress=on_progress)
    report = Report()
    for number, raw in rows:
        out = pipeline.check(number, raw, validate_model=True)
        report.total += 1
        if out.errors:
            report.add_errors(out.errors)
        elif out.instance is None:
            report.created += 1
        else:
            report.updated += 1
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(pipeline.preview(out))
        if on_progress and report.total % PROGRESS_EVERY == 0:
            on_progress(report.total)
    return report


def record_import(pipeline, report, source):
    """The import's summary audit event (inside its transaction)."""
    audit.record(
        actor=pipeline.user, action="import", verb=pipeline.config.key,
        message=_("Imported %(created)s new and %(updated)s changed %(what)s from “%(source)s”") % {
            "created": report.created, "updated": report.updated,
            "what": pipeline.config.verbose_name_plural, "source": source},
    )


def apply_rows(pipeline, rows, *, source, on_progress=None, on_done=None) -> Report:
    """Write every row through the config's services in ONE transaction; the first failing
    row raises ImportFailed and rolls back everything. `on_done(report)` runs inside the
    transaction (so a job's DONE state commits together with its rows). A pipeline with its
    own `apply_all` (bulk writes with the same checks and messages) does the whole job."""
    if hasattr(pipeline, "apply_all"):
        return pipeline.apply_all(rows, source=source, on_progress=on_progress, on_done=on_done)
    config, actor = pipeline.config, pipeline.user
    report = Report()
    with transaction.atomic():
        for number, raw in rows:
            out = pipeline.check(number, raw, validate_model=False)
            if out.errors:
                raise ImportFailed.at(out.errors[0])
            try:
                if out.instance is None:
                    config.create(actor=actor, data=out.data)
                    report.created += 1
                else:
                    config.update(actor=actor, obj=out.instance, data=out.data)
                    report.updated += 1
            except ServiceError as exc:
                raise pipeline.write_failed(number, exc) from exc
            except DjangoValidationError as exc:
                raise ImportFailed.at(row_error(number, "", "；".join(exc.messages))) from exc
            report.total += 1
            if on_progress and report.total % PROGRESS_EVERY == 0:
                on_progress(report.total)
        record_import(pipeline, report, source)
        if on_done:
            on_done(report)
    return report
