"""The row pipeline: one import's rows (dict rows from a sheet or a JSON request) checked
against the config's form and the model's rules, into what the services write.

`RowPipeline.check()` converts a row into form data, runs the config's form and (when
validating) the model's full_clean. An app plugs in its own pipeline with the config's
`import_pipeline`: a `CompositeKeyPipeline` declaring `key_fields`, or a `RowPipeline` subclass
using the hooks documented on it (`named_values`, `missing_message`, `choice_value`,
`write_failed`; a pipeline may also bring `validate_all` / `apply_all`, see running.py).
"""

import copy
import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from .. import excel, services
from ..errors import ServiceError
from .errors import ImportFailed, row_error

LANGUAGES = ("zh-hans", "en")
LIST_SEPARATORS = re.compile(r"[,，、;；\n]")
YES = {"是", "true", "1", "yes", "y", "t", "√", "✓", "对", "真"}
NO = {"否", "false", "0", "no", "n", "f", "×", "✗", "错", "假"}


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


def import_field_names(config, user=None) -> list[str]:
    """The columns of `config`'s import; a field `user` may not see is not one (core.visibility)."""
    names = config.visible_fields(config.get_import_fields(), user)
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
    try:  # a reference table without an import (regions): its unique code, which people know
        code = model._meta.get_field("code")
    except FieldDoesNotExist:
        return None
    return "code" if code.unique else None


def cell_text(value) -> str:
    """A cell (or JSON value) as the text the checks compare: trimmed; 12.0 → "12"; dates ISO."""
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
        self.names = import_field_names(config, user)
        self.fields = {n: self.model._meta.get_field(n) for n in self.names}
        self.labels: dict[str, str] = {}  # field name -> the header/key the source used
        self.aliases = self._aliases()
        self.blank_form = config.form(user=user)
        self.can_add = user.has_perm(config.perm("add"))
        self.seen: dict[str, dict[str, int]] = {}  # unique field -> value -> first row
        self.lookups: dict = {}
        self.choice_maps: dict = {}
        self._readonly = None

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

    @property
    def readonly(self) -> set[str]:
        """Headers of the columns the model's export writes for reading only (a name beside a
        code, a computed value): a sheet exported, edited and imported back carries them, and
        the import skips them (core.imports.columns)."""
        if self._readonly is None:
            from .columns import readonly_headers

            self._readonly = readonly_headers(self.config, self.user)
        return self._readonly

    def skipped(self, key) -> bool:
        """The source key names no import column but one of the export's read-only columns."""
        return key not in (None, "") and self.resolve(key) is None and _norm(key) in self.readonly

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
            if key in (None, "") or self.skipped(key):
                continue
            name = self.resolve(key)
            if name is None:
                errors.append(row_error(row, key, _("Unknown column “%(name)s”.") % {"name": key}))
            elif name in used:
                errors.append(row_error(row, key, _("The column “%(name)s” appears twice.") % {"name": key}))
            else:
                used[name] = key
                self.labels[name] = str(key)
                positions.append((index, name))
        missing = [n for n in dict.fromkeys((*self.required_columns, self.key)) if n not in used]
        return positions, [row_error(row, self.header(n), _("The column “%(name)s” is missing; it identifies the records.")
                                  % {"name": self.header(n)}) for n in missing] + errors

    def named_values(self, number, raw, out):
        """Hook: {field name: value} of a row's source keys (header or field name); unknown or
        repeated keys are errors of `out`, whose `raw` gets the cells as text."""
        values = {}
        for key, value in raw.items():
            if self.skipped(key):
                continue
            name = self.resolve(key)
            if name is None:
                out.errors.append(row_error(number, key, _("Unknown column “%(name)s”.") % {"name": key}))
            elif name in values:
                out.errors.append(row_error(number, key, _("The column “%(name)s” appears twice.") % {"name": key}))
            else:
                self.labels.setdefault(name, str(key))
                values[name] = value
        out.raw = {name: cell_text(v) if not isinstance(v, list | tuple) else "、".join(cell_text(i) for i in v)
                   for name, v in values.items()}
        return values

    # -- one row --------------------------------------------------------------------------------
    def check(self, number, raw: dict, *, validate_model=True) -> RowOutcome:
        """`raw`: source key (header or field name) → value. Returns the outcome with its errors."""
        out = RowOutcome(row=number)

        def err(name, message):
            out.errors.append(row_error(number, self.label(name), message))

        values = self.named_values(number, raw, out)
        out.key = cell_text(values.get(self.key))
        self._check_duplicates(out, values, err)
        if not out.key:  # the other cells are still checked: every error of the row at once
            err(self.key, _("This field is required."))
        elif not self._existing(out, {self.key: out.key}, err):
            return out

        data, deferred, failed = self._form_data(values, err, number, defer=validate_model)
        if not out.key:
            failed.add(self.key)
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
            text = out.key if name == self.key else cell_text(value)
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
        text = cell_text(raw)
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
            if not hits and isinstance(f.related_model._meta.get_field(key), models.CharField):
                # codes are matched whatever their case ("c0001" finds C0001), when that is unambiguous
                hits = list(qs.filter(**{f"{key}__iexact": text}).values_list(to_field, flat=True)[:2])
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

    def missing_message(self, name, text):
        """Hook: the error for a related-record cell `text` that names no record the user sees."""
        f = self.fields[name]
        key = related_key(f.related_model)
        return _("No %(model)s with %(key)s “%(value)s” (or you may not see it).") % {
            "model": f.related_model._meta.verbose_name,
            "key": f.related_model._meta.get_field(key).verbose_name if key else "ID",
            "value": text,
        }

    def choice_value(self, name, text):
        """Hook: the stored value of a choice cell given as its code or its label (in any of the
        languages); None when `text` is neither."""
        return self._choice_map(name).get(_norm(text))

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
                items = raw if isinstance(raw, list | tuple) else LIST_SEPARATORS.split(cell_text(raw))
                found = []
                for item in items:
                    text = cell_text(item)
                    if not text:
                        continue
                    value = self._lookup(name, item)
                    if value is None:
                        failed.add(name)
                        err(name, self.missing_message(name, text))
                    else:
                        found.append(str(value))
                data.setlist(name, found)
            elif f.is_relation:
                text = cell_text(raw)
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
                    err(name, self.missing_message(name, text))
            elif f.choices:
                text = cell_text(raw)
                value = self.choice_value(name, text) if text else None
                data[name] = "" if not text else str(text if value is None else value)
            elif isinstance(f, models.BooleanField):
                text = cell_text(raw).casefold()
                if text in YES:
                    data[name] = "true"
                elif text in NO or (not text and not f.null):
                    data[name] = "false"
                elif not text:
                    data[name] = ""
                else:
                    failed.add(name)
                    err(name, _("“%(value)s” is not a yes/no value (是/否, true/false, 1/0).") % {"value": cell_text(raw)})
            elif isinstance(f, models.DateTimeField):
                data[name] = raw.isoformat(sep=" ") if isinstance(raw, datetime.datetime) else cell_text(raw)
            elif isinstance(f, models.DateField):
                data[name] = raw.date().isoformat() if isinstance(raw, datetime.datetime) else cell_text(raw)
            else:
                data[name] = cell_text(raw)
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
            if name in out.cleaned:
                values[name] = self._display(name, out.cleaned[name])
            else:  # a row with errors: still a choice's label, not its code
                f = self.fields.get(name)
                value = self.choice_value(name, text) if f is not None and f.choices and not f.is_relation and text else None
                values[name] = text if value is None else self._display(name, value)
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

    # -- writing ----------------------------------------------------------------------------------
    def write_failed(self, number, exc) -> ImportFailed:
        """Hook: the failure of the import when the service refuses row `number` (a ServiceError,
        whose field errors are named by their column)."""
        if getattr(exc, "fields", None):
            parts = [f"{self.label(n) or ''}{'：' if self.label(n) else ''}{m}"
                     for n, msgs in exc.fields.items() for m in msgs]
            message = "；".join(parts)
        else:
            message = str(exc.message)
        return ImportFailed.at(row_error(number, "", message))


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
            out.errors.append(row_error(number, self.label(name), message))

        values = self.named_values(number, raw, out)
        missing = {name for name in self.key_fields if not cell_text(values.get(name))}
        for name in self.key_fields:
            if name in missing:
                err(name, _("This field is required."))
        data, _deferred, failed = self._form_data(values, err, number, defer=False)
        failed |= missing
        # A row whose key is incomplete is still checked cell by cell (as a new record): every
        # error of the row at once.
        lookup = None if failed & set(self.key_fields) else self._key_lookup(data, err, failed)
        if lookup is not None:
            out.key = " / ".join(cell_text(values[n]) for n in self.key_fields)
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

    def _key_lookup(self, data, err, failed):
        """{attname: value} of the key columns; None after reporting the values that cannot be a
        key (added to `failed`)."""
        lookup = {}
        for name in self.key_fields:
            try:
                lookup[self.fields[name].attname] = self.key_value(name, data[name])
            except DjangoValidationError as exc:
                for message in exc.messages:
                    err(name, message)
                failed.add(name)
        return None if failed & set(self.key_fields) else lookup

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
