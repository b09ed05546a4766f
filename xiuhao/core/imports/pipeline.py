"""Excel and JSON bulk import for every registered model with a `natural_key` (upsert by that key).

One row pipeline serves both sources: an Excel sheet is read into dict rows ({header: cell}); a
JSON bulk request already is dict rows ({field: value}). `RowPipeline.check()` converts a row
into form data, runs the config's form and (when validating) the model's full_clean; the apply
step sends the form's cleaned data to the config's services, so every row gets its audit event.

    upload  → ImportJob VALIDATING → PREVIEW (every row valid) | INVALID (per-row errors)
    confirm → RUNNING → DONE (all rows, in one transaction) | FAILED (rolled back, nothing written)

Nothing is written while validating. Files with more than settings.IMPORT_SYNC_MAX_ROWS rows are
validated and applied by huey jobs. Progress: validation runs outside any transaction and
writes `processed_rows` to the job row every PROGRESS_EVERY rows. The apply step is one write
transaction, whose own writes nobody else sees before it commits (on SQLite it even keeps every
other writer out), so its progress goes to a cache outside the database (`progress_cache()`),
which the status page and the API read.
"""

import copy
import datetime
import logging
import re
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook, SheetTypeEnum

from .. import audit, context, excel, services
from ..errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from ..jobs import enqueue_on_commit, job
from ..models import ImportJob

log = logging.getLogger(__name__)

PREVIEW_ROWS = 20
PROGRESS_EVERY = 200
MAX_STORED_ERRORS = 1000
LANGUAGES = ("zh-hans", "en")
LIST_SEPARATORS = re.compile(r"[,，、;；\n]")
YES = {"是", "true", "1", "yes", "y", "t", "√", "✓", "对", "真"}
NO = {"否", "false", "0", "no", "n", "f", "×", "✗", "错", "假"}


def _setting(name, default):
    return getattr(settings, name, default)


# -- errors ---------------------------------------------------------------------------------------


class InvalidFile(ServiceError):
    code = "invalid_file"
    default_message = gettext_lazy("The file is not an Excel workbook (.xlsx).")


class RowsInvalid(ValidationFailed):
    """Some rows are wrong; the error body lists them as {"row", "field", "message"}."""

    def __init__(self, rows, count=None):
        count = len(rows) if count is None else count
        super().__init__(message=_("%(count)s errors were found; nothing was imported.") % {"count": count})
        self.rows = rows

    def as_dict(self):
        body = super().as_dict()
        body["rows"] = self.rows
        return body


class ImportFailed(ServiceError):
    code = "import_failed"
    default_message = gettext_lazy("The import failed; nothing was written.")


def require_import(actor, config):
    if not config.importable:
        raise NotFound()
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm(config.perm("import"))):
        raise PermissionDenied()


# -- columns ---------------------------------------------------------------------------------------


def _norm(text) -> str:
    """Header / label comparison: no spaces, no required-marker star, case-insensitive."""
    return re.sub(r"\s+", "", str(text)).rstrip("*＊").casefold()


def _in_languages(fn):
    out = []
    for lang in LANGUAGES:
        with translation.override(lang):
            out.append(str(fn()))
    out.append(str(fn()))
    return out


def import_field_names(config) -> list[str]:
    names = list(config.get_import_fields())
    if config.natural_key not in names:
        names.insert(0, config.natural_key)
    return [n for n in names if not isinstance(config.model._meta.get_field(n), models.FileField)]


def related_key(model) -> str | None:
    """The natural key that identifies a record of `model` in a cell (None: its id)."""
    from ..registry import registry

    config = registry.for_model(model)
    if config is not None and config.natural_key:
        return config.natural_key
    concrete = model._meta.concrete_model
    for other in registry:
        if other.natural_key and other.model._meta.concrete_model is concrete:
            return other.natural_key
    return None


def _text(value) -> str:
    if type(value) is str:  # most cells: no further checks
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _plain_widget(form_field):
    """Widgets that read the converted cell values as they are (no multi-part widgets)."""
    if isinstance(form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return forms.SelectMultiple()
    if isinstance(form_field, forms.NullBooleanField):
        return forms.NullBooleanSelect()
    if isinstance(form_field, forms.BooleanField):
        return forms.CheckboxInput()
    return forms.TextInput()


@dataclass
class RowOutcome:
    row: int
    key: str = ""
    instance: object = None  # the existing record (update) or None (create)
    data: dict = field(default_factory=dict)  # what the service writes
    raw: dict = field(default_factory=dict)  # field name -> cell text
    cleaned: dict = field(default_factory=dict)  # the form's cleaned values (for the preview)
    errors: list = field(default_factory=list)

    @property
    def action(self):
        return "update" if self.instance is not None else "create"


class RowPipeline:
    """Checks dict rows of one import against the config's form and model rules.

    Keeps state across rows: the keys seen so far (duplicates in the file; a row may refer to a
    record created by an earlier row of the same file, e.g. a parent department) and lookups.

    Subclasses may declare `required_columns` (columns a sheet must have besides the natural
    key) and `extra_aliases` ({header: field name} accepted besides the field names and labels).
    """

    required_columns: tuple = ()
    extra_aliases: dict = {}

    def __init__(self, config, user):
        self.config = config
        self.user = user
        self.model = config.model
        self.key = config.natural_key
        self.names = import_field_names(config)
        self.fields = {n: self.model._meta.get_field(n) for n in self.names}
        self.labels: dict[str, str] = {}  # field name -> the header/key the source used
        self.aliases = self._aliases()
        self.blank_form = config.form(user=user)
        self.can_add = user.has_perm(config.perm("add"))
        self.seen: dict[str, dict[str, int]] = {}  # unique field -> value -> first row
        self.lookups: dict = {}
        self.choice_maps: dict = {}

    # -- names ----------------------------------------------------------------------------------
    def _aliases(self):
        aliases = {}
        for name in self.names:
            aliases.setdefault(_norm(name), name)
        for name, f in self.fields.items():
            for label in _in_languages(lambda f=f: f.verbose_name):
                aliases.setdefault(_norm(label), name)
        for alias, name in self.extra_aliases.items():
            aliases.setdefault(_norm(alias), name)
        return aliases

    def resolve(self, key) -> str | None:
        return self.aliases.get(_norm(key)) if key not in (None, "") else None

    def header(self, name) -> str:
        return excel.header_for(self.model, name)

    def label(self, name) -> str:
        if not name or name == "__all__":
            return ""
        return self.labels.get(name) or (self.header(name) if name in self.fields else name)

    def map_headers(self, keys, row=1):
        """Excel header row → [(column index, field name)], errors. A missing key (or required)
        column — listed first — or an unknown / repeated column is an error (typos would
        otherwise drop data silently)."""
        positions, errors, used = [], [], {}
        for index, key in enumerate(keys):
            if key in (None, ""):
                continue
            name = self.resolve(key)
            if name is None:
                errors.append(_error(row, key, _("Unknown column “%(name)s”.") % {"name": key}))
            elif name in used:
                errors.append(_error(row, key, _("The column “%(name)s” appears twice.") % {"name": key}))
            else:
                used[name] = key
                self.labels[name] = str(key)
                positions.append((index, name))
        missing = [n for n in dict.fromkeys((*self.required_columns, self.key)) if n not in used]
        return positions, [_error(row, self.header(n), _("The column “%(name)s” is missing; it identifies the records.")
                                  % {"name": self.header(n)}) for n in missing] + errors

    def _named(self, number, raw, out):
        """{field name: value} of a row's source keys (header or field name); unknown or repeated
        keys are errors of `out`, whose `raw` gets the cells as text."""
        values = {}
        for key, value in raw.items():
            name = self.resolve(key)
            if name is None:
                out.errors.append(_error(number, key, _("Unknown column “%(name)s”.") % {"name": key}))
            elif name in values:
                out.errors.append(_error(number, key, _("The column “%(name)s” appears twice.") % {"name": key}))
            else:
                self.labels.setdefault(name, str(key))
                values[name] = value
        out.raw = {name: _text(v) if not isinstance(v, list | tuple) else "、".join(_text(i) for i in v)
                   for name, v in values.items()}
        return values

    # -- one row --------------------------------------------------------------------------------
    def check(self, number, raw: dict, *, validate_model=True) -> RowOutcome:
        """`raw`: source key (header or field name) → value. Returns the outcome with its errors."""
        out = RowOutcome(row=number)

        def err(name, message):
            out.errors.append(_error(number, self.label(name), message))

        values = self._named(number, raw, out)
        out.key = _text(values.get(self.key))
        if not out.key:
            err(self.key, _("This field is required."))
            return out
        self._check_duplicates(out, values, err)

        if not self._existing(out, {self.key: out.key}, err):
            return out

        data, deferred, failed = self._form_data(values, err, number, defer=validate_model)
        if self._run_form(out, data, [n for n in values if n not in deferred and n not in failed], err) and validate_model:
            self._full_clean(out, out.instance, deferred, err)
        return out

    def _existing(self, out, lookup, err):
        """The record `lookup` finds among those the user may change, into `out.instance` (None:
        a new one). False, after an error, when the record exists but the user may not change
        it, or does not exist and the user may not add records."""
        existing = self.config.queryset(self.user, "change").filter(**lookup).first()
        if existing is None and self.model._default_manager.filter(**lookup).exists():
            err(self.key, _("A record with this key exists, but you may not change it."))
            return False
        if existing is None and not self.can_add:
            err(self.key, _("You may not add new records."))
            return False
        out.instance = existing
        return True

    def _run_form(self, out, data, names, err):
        """The config's form over `data`, fitted to the columns `names`: its errors into `out`,
        else what the service writes into out.data (and the cleaned values for the preview).
        True when the row is valid so far."""
        form = self.config.form(data, instance=out.instance, user=self.user)
        self._fit(form, names)
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    err(name, message)
        if out.errors:
            return False
        out.data = form.service_data() if hasattr(form, "service_data") else dict(form.cleaned_data)
        out.cleaned = dict(form.cleaned_data)
        return True

    def _check_duplicates(self, out, values, err):
        for name, value in values.items():
            f = self.fields[name]
            if not (f.unique or name == self.key):
                continue
            text = out.key if name == self.key else _text(value)
            if not text:
                continue
            first = self.seen.setdefault(name, {}).setdefault(text, out.row)
            if first != out.row:
                err(name, _("“%(value)s” also appears in row %(row)s.") % {"value": text, "row": first})

    def _form_field(self, name):
        ff = self.blank_form.fields.get(name)
        if ff is None:
            ff = self.fields[name].formfield()
            qs = getattr(ff, "queryset", None)
            if qs is not None and hasattr(qs, "visible_to"):
                ff.queryset = qs.visible_to(self.user)
            self.blank_form.fields[name] = ff
        return ff

    def _fit(self, form, names):
        """Keep only the columns present: a column left out keeps the stored (or default) value."""
        for name in list(form.fields):
            if name not in names:
                del form.fields[name]
        for name in names:
            if name not in form.fields:
                form.fields[name] = copy.deepcopy(self._form_field(name))
            form.fields[name].widget = _plain_widget(form.fields[name])

    def _lookup(self, name, raw):
        """A related record's form value from its natural key (or, failing that, an integer id)."""
        text = _text(raw)
        cache_key = (name, text)
        if cache_key in self.lookups:
            return self.lookups[cache_key]
        f = self.fields[name]
        ff = self._form_field(name)
        qs = ff.queryset
        to_field = getattr(ff, "to_field_name", None) or "pk"
        key = related_key(f.related_model)
        found = None
        if key:
            hits = list(qs.filter(**{key: text}).values_list(to_field, flat=True)[:2])
            if len(hits) == 1:
                found = hits[0]
        if found is None and text.isdigit() and (key is None or (isinstance(raw, int) and not isinstance(raw, bool))):
            hits = list(qs.filter(pk=int(text)).values_list(to_field, flat=True)[:1])
            found = hits[0] if hits else None
        if found is not None:
            self.lookups[cache_key] = found  # misses are not cached: an earlier row may create it
        return found

    def _pending(self, name, text, number):
        """While validating: the value names a record that an earlier row of this file creates
        (a parent department above its children). It is checked for real on apply."""
        related = self.fields[name].related_model
        first = self.seen.get(self.key, {}).get(text)
        return (related._meta.concrete_model is self.model._meta.concrete_model
                and related_key(related) == self.key and first is not None and first < number)

    def _missing(self, name, text):
        f = self.fields[name]
        key = related_key(f.related_model)
        return _("No %(model)s with %(key)s “%(value)s” (or you may not see it).") % {
            "model": f.related_model._meta.verbose_name,
            "key": f.related_model._meta.get_field(key).verbose_name if key else "ID",
            "value": text,
        }

    def _choice_map(self, name):
        if name not in self.choice_maps:
            mapping = {}
            for value, label in self.fields[name].flatchoices:
                if value in (None, ""):
                    continue
                mapping.setdefault(_norm(value), value)
                for text in _in_languages(lambda label=label: label):
                    mapping.setdefault(_norm(text), value)
            self.choice_maps[name] = mapping
        return self.choice_maps[name]

    def _form_data(self, values, err, number, defer):
        data = MultiValueDict()
        deferred, failed = set(), set()
        for name, raw in values.items():
            f = self.fields[name]
            if f.many_to_many:
                items = raw if isinstance(raw, list | tuple) else LIST_SEPARATORS.split(_text(raw))
                found = []
                for item in items:
                    text = _text(item)
                    if not text:
                        continue
                    value = self._lookup(name, item)
                    if value is None:
                        failed.add(name)
                        err(name, self._missing(name, text))
                    else:
                        found.append(str(value))
                data.setlist(name, found)
            elif f.is_relation:
                text = _text(raw)
                if not text:
                    data[name] = ""
                    continue
                value = self._lookup(name, raw)
                if value is not None:
                    data[name] = str(value)
                elif defer and self._pending(name, text, number):
                    deferred.add(name)  # checked when the earlier row exists (on apply)
                else:
                    failed.add(name)
                    err(name, self._missing(name, text))
            elif f.choices:
                text = _text(raw)
                data[name] = str(self._choice_map(name).get(_norm(text), text)) if text else ""
            elif isinstance(f, models.BooleanField):
                text = _text(raw).casefold()
                if text in YES:
                    data[name] = "true"
                elif text in NO or (not text and not f.null):
                    data[name] = "false"
                elif not text:
                    data[name] = ""
                else:
                    failed.add(name)
                    err(name, _("“%(value)s” is not a yes/no value (是/否, true/false, 1/0).") % {"value": _text(raw)})
            elif isinstance(f, models.DateTimeField):
                data[name] = raw.isoformat(sep=" ") if isinstance(raw, datetime.datetime) else _text(raw)
            elif isinstance(f, models.DateField):
                data[name] = raw.date().isoformat() if isinstance(raw, datetime.datetime) else _text(raw)
            else:
                data[name] = _text(raw)
        return data, deferred, failed

    def _full_clean(self, out, existing, deferred, err):
        obj = existing if existing is not None else self.model()
        for name, value in out.data.items():
            if name in self.fields and not self.fields[name].many_to_many:
                setattr(obj, name, value)
        if existing is None:
            services.stamp_ownership(obj, self.user)
        try:
            obj.full_clean(exclude=list(deferred) or None)
        except DjangoValidationError as exc:
            for name, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                for message in messages:
                    err(name, message)

    # -- display ----------------------------------------------------------------------------------
    def preview(self, out) -> dict:
        values = {}
        for name, text in out.raw.items():
            values[name] = self._display(name, out.cleaned[name]) if name in out.cleaned else text
        return {"row": out.row, "action": out.action, "ok": not out.errors, "values": values}

    def _display(self, name, value):
        f = self.fields[name]
        if value is None:
            return ""
        if f.many_to_many:
            return "、".join(str(o) for o in value)
        if f.choices and not f.is_relation:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if isinstance(value, datetime.date | datetime.time):
            return value.isoformat()
        return str(value)


class CompositeKeyPipeline(RowPipeline):
    """Upsert by several columns together through the config's form and services: a contact by
    (customer, name), a payment plan by (contract, due date), a fault code by (category, type,
    code). Declared by the app:

    * `key_fields`: the columns that identify a record (the config's natural_key is one of them;
      all of them are required columns of a sheet);
    * `rules` (optional): the model's service check, `staticmethod(check)` raising ServiceError,
      run on each valid row's record while validating, so that the preview reports what the
      apply step would refuse;
    * `key_value(name, value)` (optional override): a key cell as the database compares it.
    """

    key_fields: tuple = ()
    rules = None

    @property
    def required_columns(self):
        return self.key_fields

    def check(self, number, raw, *, validate_model=True) -> RowOutcome:
        out = RowOutcome(row=number)

        def err(name, message):
            out.errors.append(_error(number, self.label(name), message))

        values = self._named(number, raw, out)
        for name in self.key_fields:
            if not _text(values.get(name)):
                err(name, _("This field is required."))
        if out.errors:
            return out
        data, _deferred, failed = self._form_data(values, err, number, defer=False)
        if failed & set(self.key_fields):
            return out
        lookup = self._key_lookup(data, err)
        if lookup is None:
            return out
        out.key = " / ".join(_text(values[n]) for n in self.key_fields)
        first = self.seen.setdefault("__key__", {}).setdefault(tuple(lookup.values()), number)
        if first != number:
            err(self.key, _("“%(value)s” also appears in row %(row)s.") % {"value": out.key, "row": first})
            return out
        if not self._existing(out, lookup, err):
            return out
        if self._run_form(out, data, [n for n in values if n not in failed], err) and validate_model:
            self._full_clean(out, out.instance, set(), err)
            if not out.errors:
                self.check_rules(out, out.instance, err)
        return out

    def key_value(self, name, value):
        """A key cell (form data) as the database compares it ("30" and "30.0" km are one key;
        a related record: its id). Raises Django's ValidationError."""
        f = self.fields[name]
        return f.target_field.to_python(value) if f.is_relation else f.to_python(value)

    def _key_lookup(self, data, err):
        """{attname: value} of the key columns; None after reporting a value that cannot be a key."""
        lookup = {}
        for name in self.key_fields:
            try:
                lookup[self.fields[name].attname] = self.key_value(name, data[name])
            except DjangoValidationError as exc:
                for message in exc.messages:
                    err(name, message)
                return None
        return lookup

    def check_rules(self, out, existing, err):
        """`rules` on a copy of the record as the row would leave it; its errors become the row's."""
        if self.rules is None:
            return
        obj = copy.copy(existing) if existing is not None else self.model()
        for name, value in out.data.items():
            setattr(obj, name, value)
        try:
            type(self).rules(obj)
        except ServiceError as exc:
            for name, messages in (exc.fields or {"": [exc.message]}).items():
                for message in messages:
                    err(name, message)


def pipeline_for(config, user):
    """The row pipeline of `config`'s import: the config's own `import_pipeline` class (a
    subclass of RowPipeline, e.g. for a composite key) or the generic one."""
    return (getattr(config, "import_pipeline", None) or RowPipeline)(config, user)


def _error(row, field_label, message):
    return {"row": row, "field": str(field_label or ""), "message": str(message)}


def _row_message(error):
    if error.get("field"):
        return _("Row %(row)s, %(field)s: %(message)s") % error
    return _("Row %(row)s: %(message)s") % error


def _service_error_message(pipeline, exc):
    if getattr(exc, "fields", None):
        parts = [f"{pipeline.label(n) or ''}{'：' if pipeline.label(n) else ''}{m}"
                 for n, msgs in exc.fields.items() for m in msgs]
        return "；".join(parts)
    return str(exc.message)


# -- running the pipeline ---------------------------------------------------------------------------


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
                raise ImportFailed(_row_message(out.errors[0]))
            try:
                if out.instance is None:
                    config.create(actor=actor, data=out.data)
                    report.created += 1
                else:
                    config.update(actor=actor, obj=out.instance, data=out.data)
                    report.updated += 1
            except ServiceError as exc:
                raise ImportFailed(_row_message(_error(number, "", _service_error_message(pipeline, exc)))) from exc
            except DjangoValidationError as exc:
                message = "；".join(exc.messages)
                raise ImportFailed(_row_message(_error(number, "", message))) from exc
            report.total += 1
            if on_progress and report.total % PROGRESS_EVERY == 0:
                on_progress(report.total)
        record_import(pipeline, report, source)
        if on_done:
            on_done(report)
    return report


# -- Excel files ------------------------------------------------------------------------------------


def check_xlsx(upload):
    """The upload must really be an .xlsx workbook (a zip holding xl/…), of a sane size."""
    if upload is None:
        raise InvalidFile(_("Choose an Excel file (.xlsx) to import."))
    name = PurePath(str(upload.name or "").replace("\\", "/")).name
    if not name.lower().endswith(".xlsx"):
        raise InvalidFile(_("Only Excel workbooks (.xlsx) can be imported; “%(name)s” is not one.") % {"name": name})
    max_bytes = _setting("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
    if upload.size and upload.size > max_bytes:
        raise InvalidFile(_("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)})
    not_xlsx = _("“%(name)s” is not an Excel workbook (.xlsx); save it from Excel as .xlsx and try again.") % {
        "name": name}
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as zf:
            names = set(zf.namelist())
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidFile(not_xlsx) from exc
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise InvalidFile(not_xlsx)
    if unpacked > _setting("IMPORT_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024):
        raise InvalidFile(_("The workbook is too large once unpacked."))


class Sheet:
    """The first worksheet of an uploaded workbook, read with calamine (Rust; ≈ 7 × faster than
    openpyxl's read-only mode, which is what makes a 100 000-row import affordable). Formulas
    come as their cached values. `rows()` yields tuples from column A and row 1 with the values
    openpyxl would give: an empty cell is None and a whole number is an int (a serial typed as
    a number must not turn into “123.0”). A date cell comes as a date (or a datetime when it has
    a time of day); error cells (#N/A) come as None."""

    def __init__(self, sheet):
        self._sheet = sheet
        end = sheet.end
        self.max_row = end[0] + 1 if end else 0  # the last row holding a value (1-based)

    def rows(self, min_row=1):
        start = self._sheet.start
        if start is None:  # nothing in the sheet
            return
        pad = (None,) * start[1]  # calamine's rows begin at the first column holding a value
        # …and at row 1: calamine's iterator yields empty rows above the first value itself
        for number, row in enumerate(self._sheet.iter_rows(), start=1):
            if number >= min_row:
                yield (*pad, *[None if v == "" else int(v) if type(v) is float and v.is_integer() else v
                               for v in row])


@contextmanager
def open_sheet(fileobj):
    """The workbook's first worksheet (see Sheet). Anything calamine cannot read is InvalidFile."""
    unreadable = _("The file could not be read as an Excel workbook.")
    try:
        fileobj.seek(0)
        wb = CalamineWorkbook.from_filelike(fileobj)
        index = next((i for i, meta in enumerate(wb.sheets_metadata) if meta.typ == SheetTypeEnum.WorkSheet), None)
        if index is None:
            raise InvalidFile(_("The workbook has no worksheet."))
        sheet = Sheet(wb.get_sheet_by_index(index))
    except InvalidFile:
        raise
    except Exception as exc:  # calamine's own errors: damaged zip, bad XML, …
        raise InvalidFile(unreadable) from exc
    except BaseException as exc:  # a Rust panic (pyo3's PanicException) on a malformed file
        if type(exc).__name__ != "PanicException":
            raise
        raise InvalidFile(unreadable) from exc
    try:
        yield sheet
    finally:
        wb.close()


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def excel_rows(pipeline, ws):
    """(header errors, iterator of (Excel row number, {header: cell})). Empty rows are skipped."""
    it = ws.rows()
    header = next(it, None)
    if header is None or all(_blank(v) for v in header):
        return [_error(1, "", _("The sheet is empty: row 1 must hold the column names."))], iter(())
    positions, errors = pipeline.map_headers([_text(h) for h in header])
    keys = [pipeline.labels[name] for _i, name in positions]
    indexes = [i for i, _name in positions]
    width = max(indexes, default=-1) + 1

    def rows():
        for number, values in enumerate(it, start=2):
            if all(_blank(v) for v in values):
                continue
            if len(values) < width:
                values = (*values, *([None] * (width - len(values))))
            yield number, dict(zip(keys, [values[i] for i in indexes], strict=True))

    return errors, rows()


def count_rows(ws) -> int:
    """Data rows in the sheet: rows below the header down to the last one holding a value (empty
    rows in between count; they are skipped when the rows are read)."""
    return max(ws.max_row - 1, 0)


def template_workbook(config):
    """The import template: one header row (field names in the user's language), validation
    lists for choices and yes/no columns, and a notes sheet."""
    names = import_field_names(config)
    model = config.model
    form = config.form()
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\\/?*\[\]:]", "", str(config.verbose_name_plural))[:31] or "Sheet1"
    ws.append([excel.header_for(model, n) for n in names])
    notes = wb.create_sheet(re.sub(r"[\\/?*\[\]:]", "", _("Notes"))[:31])
    notes.append([_("Column"), _("Required"), _("Format"), _("Allowed values")])
    bold = Font(bold=True)
    required_font = Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="F2F2F2")
    for index, name in enumerate(names, start=1):
        f = model._meta.get_field(name)
        ff = form.fields.get(name) or f.formfield()
        required = name == config.natural_key or bool(ff and ff.required)
        cell = ws.cell(row=1, column=index)
        cell.font = required_font if required else bold
        cell.fill = fill
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(12, min(40, len(str(cell.value)) * 2 + 4))
        fmt, allowed = _describe(f)
        notes.append([excel.header_for(model, name), str(_("Yes") if required else _("No")), fmt, allowed])
        if isinstance(f, models.DateTimeField):
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(f, models.DateField):
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        choices = None
        if f.choices and not f.is_relation:
            choices = [str(label) for value, label in f.flatchoices if value not in (None, "")]
        elif isinstance(f, models.BooleanField):
            choices = ["是", "否"]
        formula = '"' + ",".join(choices) + '"' if choices else ""
        if choices and len(formula) <= 255 and not any("," in c or '"' in c for c in choices):
            dv = DataValidation(type="list", formula1=formula, allow_blank=True)
            dv.add(f"{letter}2:{letter}{_setting('IMPORT_TEMPLATE_ROWS', 5000)}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    notes.append([])
    for line in (
        _("Row 1 holds the column names; enter one record per row from row 2. Red columns are required."),
        _("Records are matched by “%(key)s”: an existing key updates that record, a new key creates one.")
        % {"key": excel.header_for(model, config.natural_key)},
        _("An empty cell clears the value; leave a column out of the sheet to keep the stored values."),
        _("Nothing is written until every row is valid and you confirm the import."),
    ):
        notes.append([line])
    for cell in notes[1]:
        cell.font = bold
        cell.fill = fill
    for letter, width in (("A", 20), ("B", 8), ("C", 50), ("D", 50)):
        notes.column_dimensions[letter].width = width
    return wb


def _describe(f):
    """(format text, allowed values) of one column for the notes sheet."""
    if f.many_to_many or f.is_relation:
        related = f.related_model
        key = related_key(related)
        key_label = related._meta.get_field(key).verbose_name if key else "ID"
        if f.many_to_many:
            text = _("%(key)s of the %(model)s, several separated by “,” or “、”")
        else:
            text = _("%(key)s of the %(model)s")
        return text % {"key": key_label, "model": related._meta.verbose_name}, ""
    if f.choices:
        allowed = "、".join(f"{label}（{value}）" for value, label in f.flatchoices if value not in (None, ""))
        return _("One of the allowed values (label or code)"), allowed
    if isinstance(f, models.BooleanField):
        return _("Yes or no: 是/否, true/false, 1/0"), "是、否"
    if isinstance(f, models.DateTimeField):
        return _("Date and time (YYYY-MM-DD HH:MM)"), ""
    if isinstance(f, models.DateField):
        return _("Date (YYYY-MM-DD)"), ""
    if isinstance(f, models.IntegerField):
        return _("Whole number"), ""
    if isinstance(f, models.DecimalField | models.FloatField):
        return _("Number"), ""
    if getattr(f, "max_length", None):
        return _("Text, at most %(max)s characters") % {"max": f.max_length}, ""
    return _("Text"), ""


# -- job states --------------------------------------------------------------------------------------


def _config_of(job_row):
    from ..registry import registry

    config = registry.configs.get(job_row.model_label)
    if config is None or not config.importable:
        raise NotFound()
    return config


def _move(job_row, to, **values):
    """Move the job to `to` if its declared moves allow it, as one conditional UPDATE (two
    confirmations of one job race here; the database lets exactly one through)."""
    sources = [s for s, targets in ImportJob.MOVES.items() if to in targets]
    changed = ImportJob.objects.filter(pk=job_row.pk, status__in=sources).update(
        status=to, updated_at=timezone.now(), **values)
    if not changed:
        raise Conflict(_("The import is no longer in a state that allows this."))
    job_row.refresh_from_db()
    return job_row


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


# -- services -------------------------------------------------------------------------------------


def _sync_limit():
    return _setting("IMPORT_SYNC_MAX_ROWS", 500)


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
    if estimate > _sync_limit():
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
    config = _config_of(job_row)
    actor = actor or job_row.created_by
    pipeline = pipeline_for(config, actor)
    pipeline.job = job_row  # a pipeline may keep work between validating and applying the same file

    def progress(n):
        ImportJob.objects.filter(pk=job_row.pk).update(processed_rows=n)

    try:
        with job_row.file.open("rb") as fh, open_sheet(fh) as ws:
            header_errors, rows = excel_rows(pipeline, ws)
            if header_errors:
                report = Report(total=job_row.total_rows)
            else:
                report = validate_rows(pipeline, rows, on_progress=progress)
    except InvalidFile as exc:
        return _move(job_row, ImportJob.Status.FAILED, message=str(exc.message)[:255])
    report.errors = header_errors + report.errors
    report.error_count += len(header_errors)
    if not report.total and not report.errors:
        report.errors = [_error(2, "", _("The sheet has no data rows."))]
        report.error_count = 1
    status = ImportJob.Status.INVALID if report.errors else ImportJob.Status.PREVIEW
    return _move(
        job_row, status, total_rows=report.total, processed_rows=report.total, errors=report.errors[:MAX_STORED_ERRORS],
        preview=report.preview, created_count=report.created, updated_count=report.updated,
        message=str(report.message())[:255],
    )


def import_confirm(*, actor, job) -> ImportJob:
    """PREVIEW → RUNNING, then apply (inline, or as a job for large files)."""
    config = _config_of(job)
    require_import(actor, config)
    if job.status != ImportJob.Status.PREVIEW:
        raise Conflict(_("Only an import that is ready (no errors) can be confirmed."))
    _move(job, ImportJob.Status.RUNNING, processed_rows=0, created_count=0, updated_count=0)
    if job.total_rows > _sync_limit():
        enqueue_on_commit(apply_import_job, job.pk, actor.pk, **_ctx())
        job.refresh_from_db()
        return job
    return import_apply(job, actor)


def import_apply(job_row, actor) -> ImportJob:
    """RUNNING → DONE (every row, one transaction) | FAILED (rolled back; the reason is kept)."""
    config = _config_of(job_row)
    pipeline = pipeline_for(config, actor)
    pipeline.job = job_row
    cache, key = progress_cache(), progress_key(job_row.pk)

    def progress(n):
        try:
            cache.set(key, n, 3600)
        except Exception:  # progress is a nicety; it never fails the import
            log.warning("import %s: progress not stored", job_row.pk, exc_info=True)

    def done(report):
        _move(job_row, ImportJob.Status.DONE, processed_rows=report.total, created_count=report.created,
              updated_count=report.updated,
              message=str(_("%(created)s created, %(updated)s updated.") % {
                  "created": report.created, "updated": report.updated})[:255])

    try:
        require_import(actor, config)
        apply_rows(pipeline, _sheet_rows(job_row, pipeline), source=job_row.original_name, on_progress=progress,
                   on_done=done)
    except ServiceError as exc:
        _move(job_row, ImportJob.Status.FAILED, message=str(exc.message)[:255], created_count=0, updated_count=0)
    except Exception:
        log.exception("import %s failed", job_row.pk)
        _move(job_row, ImportJob.Status.FAILED, created_count=0, updated_count=0,
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
            raise ImportFailed(_row_message(header_errors[0]))
        yield from rows


def import_bulk(*, actor, config, rows, dry_run=False) -> dict:
    """JSON bulk upsert: the Excel pipeline over dict rows; all rows or none. Invalid rows raise
    RowsInvalid (listing every error); a failing write raises ImportFailed."""
    require_import(actor, config)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(_("“rows” must be a list of objects."))
    if not rows:
        raise ValidationFailed(_("“rows” is empty."))
    limit = _setting("IMPORT_BULK_MAX_ROWS", 5000)
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
    config = _config_of(job_row)
    if not user.has_perm(config.perm("import")):
        raise NotFound()
    return job_row


def errors_workbook(job_row):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors")[:31])
    ws.append([_("Row"), _("Column"), _("Error")])
    for e in job_row.errors:
        ws.append([e.get("row"), e.get("field"), e.get("message")])
    return wb


# -- jobs ---------------------------------------------------------------------------------------------


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
            _move(job_row, ImportJob.Status.FAILED, message=str(_("The file could not be checked.")))
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

