"""Audit events as people read them: the fields a user knows under their names, choices as their
labels, related records by name, times in the local time zone; the columns kept for search
(pinyin, initials, phone digits, normalised names, versions) are left out.

`change_rows(model, changes)` serves a record's History tab, the operation log's Changes tab and
any page that shows an event's changes (a device's repair history)."""

import datetime
import json

from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst

from . import audit

DATETIME = "Y-m-d H:i"
DATETIME_SECONDS = "Y-m-d H:i:s"
EMPTY = "—"


def local_time(value, fmt=DATETIME):
    """An aware datetime (or its ISO text) in the local time zone: "2026-12-04 10:15"."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, fmt)


def _user_facing(model):
    """Fields a config shows or edits (its pages know them by name), None without a config."""
    from .registry import registry

    config = registry.for_model(model) if model is not None else None
    if config is None:
        return None
    names = [*config.list_fields, *config.get_detail_fields(), *config.form_fields, *config.get_export_fields()]
    return {name.split("__", 1)[0] for name in names}


def _auto_named(field):
    """A field declared without a verbose name (an internal column: name_pinyin, version)."""
    return str(field.verbose_name) == field.name.replace("_", " ")


def shown_fields(model):
    """{field name: field} of the fields whose changes people see."""
    if model is None:
        return {}
    facing = _user_facing(model)
    shown = {}
    for f in model._meta.get_fields():
        if not hasattr(f, "verbose_name") or f.name in audit.EXCLUDED_FIELDS or getattr(f, "primary_key", False):
            continue
        known = facing is not None and f.name in facing
        if not known and (not f.editable or _auto_named(f)):
            continue
        shown[f.name] = f
    return shown


def _related_names(model, changes_list, fields):
    """{field name: {pk: text}} for relations stored as a primary key (status moves write ids),
    one query per field for all the events shown."""
    wanted = {}
    for changes in changes_list:
        for name, pair in (changes or {}).items():
            field = fields.get(name)
            if field is None or not field.is_relation or field.many_to_many or not isinstance(pair, list | tuple):
                continue
            wanted.setdefault(name, set()).update(v for v in pair if isinstance(v, int) and not isinstance(v, bool))
    return {name: {obj.pk: str(obj) for obj in fields[name].related_model._default_manager.filter(pk__in=pks)}
            for name, pks in wanted.items() if pks}


def _value(field, value, related, placeholder_values):
    if value is None or value == "" or value == []:
        return EMPTY
    if not isinstance(value, list | dict) and str(value) in placeholder_values:
        return str(value)
    if field is not None and getattr(field, "choices", None) and not field.is_relation:
        return str(dict((str(k), v) for k, v in field.flatchoices).get(str(value), value))
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if field is not None and field.is_relation and isinstance(value, int):
        return related.get(value, f"#{value}")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return local_time(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _list_pair(field, old, new):
    """A many-to-many change: what was removed and what was added (not both whole lists)."""
    old, new = list(old or []), list(new or [])
    removed, added = [v for v in old if v not in new], [v for v in new if v not in old]
    if field is not None and field.related_model is not None and field.related_model._meta.label == "auth.Permission":
        from .permissions import stored_permission_labels

        removed, added = stored_permission_labels(removed), stored_permission_labels(added)
    if not old:
        return EMPTY, "、".join(added) or EMPTY
    return ("、".join(f"−{v}" for v in removed) or EMPTY), ("、".join(f"+{v}" for v in added) or EMPTY)


def change_rows(model, changes, related=None):
    """[{"field", "label", "old", "new"}] of an event's changes for people (see the module doc);
    a value already replaced by core.visibility's placeholder stays as it is. `related`: the names
    of related records already read for many events (`present`)."""
    from .visibility import HIDDEN

    if not isinstance(changes, dict) or not changes:
        return []
    fields = shown_fields(model)
    every = {f.name for f in model._meta.get_fields()} if model is not None else set()
    if related is None:
        related = _related_names(model, [changes], fields)
    placeholders = {str(HIDDEN)}
    rows = []
    for name, pair in changes.items():
        if name in every and name not in fields:
            continue  # an internal column
        if name in audit.EXCLUDED_FIELDS:
            continue
        field = fields.get(name)
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        label = capfirst(str(field.verbose_name)) if field is not None else name
        if field is not None and field.many_to_many and isinstance(new, list | type(None)) \
                and isinstance(old, list | type(None)):
            shown_old, shown_new = _list_pair(field, old, new)
        else:
            names = related.get(name, {})
            shown_old, shown_new = (_value(field, old, names, placeholders), _value(field, new, names, placeholders))
        rows.append({"field": name, "label": label, "old": shown_old, "new": shown_new})
    return rows


def event_model(event):
    return event.content_type.model_class() if event.content_type_id else None


def record_type_label(event):
    """The event's record type by the model's name ("Customer"), "" for none."""
    model = event_model(event)
    if model is not None:
        return capfirst(str(model._meta.verbose_name))
    return str(event.content_type) if event.content_type_id else ""


def present(events, model=None, *, user=None, placeholder=None):
    """Give each event `.rows` (its changes for people, fields `user` may not see as `placeholder`)
    and `.verb_label`. `model`: the record type of all events (a History tab), else each event's."""
    from . import visibility

    events = list(events)
    by_model = {}
    for event in events:
        of = model if model is not None else event_model(event)
        event.shown_changes = visibility.visible_changes(of, event.changes, user, placeholder) \
            if user is not None else event.changes
        by_model.setdefault(of, []).append(event)
    for of, group in by_model.items():
        related = _related_names(of, [e.shown_changes for e in group], shown_fields(of))
        for event in group:
            event.rows = change_rows(of, event.shown_changes, related)
            event.verb_label = audit.verb_label(event.verb, of)
    return events


def export_changes(event, user):
    """An event's changes in one cell: "Label: old → new" per line (fields `user` may not see left out)."""
    from . import visibility

    rows = change_rows(event_model(event), visibility.event_changes(event, user))
    return "\n".join(f"{r['label']}: {r['old']} → {r['new']}" for r in rows)


def naive_local(value):
    """An aware datetime as a local, naive one to the second (an Excel cell)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None, microsecond=0)
    return value
