"""Audit events, written by services inside their transaction (so a rollback leaves none)."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import context
from .models import AuditEvent

EXCLUDED_FIELDS = {"password", "updated_at", "last_login", "path"}


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    return value


def _m2m_label(obj):
    """A many-to-many member as the snapshot keeps it: its text; a permission as "app.codename"
    (stable whatever the language; the history shows it translated, core.permissions)."""
    meta = obj._meta
    if meta.app_label == "auth" and meta.model_name == "permission":
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(obj)


def snapshot(obj) -> dict:
    """Field values (foreign keys as their display text, many-to-many as sorted labels)."""
    if obj is None:
        return {}
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in EXCLUDED_FIELDS or field.primary_key:
            continue
        if field.is_relation:
            related_id = getattr(obj, field.attname)
            data[field.name] = str(getattr(obj, field.name)) if related_id is not None else None
        else:
            data[field.name] = _plain(getattr(obj, field.attname))
    if obj.pk:
        for field in obj._meta.many_to_many:
            if field.name in EXCLUDED_FIELDS:
                continue
            data[field.name] = sorted(_m2m_label(o) for o in getattr(obj, field.name).all())
    return data


def diff(before: dict, after: dict) -> dict:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _branch_id_of(obj):
    if obj is None:
        return None
    if getattr(getattr(obj, "scope_fields", None), "branch", None) == "pk":  # a branch is its own
        return obj.pk
    return getattr(obj, "branch_id", None)


_UNSET = object()


# -- verbs: what an event did, as people read it ------------------------------------------------------
# Every verb a service writes has a label: a status move's verb reads as the move's label (core.moves),
# an export or import's verb (the model's key, "customers.customer") as the model's name, and any
# other verb is registered by the app that writes it, in its registry.py:
#     audit.verb_labels({"bulk_load": _("Bulk load"), "part_add": _("Part fitted")})
# core/tests/test_audit_labels.py finds every verb written in the code and fails on one without a label.
_VERBS: dict = {}


def verb_labels(labels: dict):
    """Register {verb: label} (lazy translations); one verb has one label."""
    for verb, label in labels.items():
        if verb in _VERBS and str(_VERBS[verb]) != str(label):
            raise ImproperlyConfigured(f"The audit verb {verb!r} is registered twice with two labels.")
        _VERBS[verb] = label


verb_labels({
    "demo": _("Demo data"),
    "import": _("Import"),  # a fast import's batch event (one per batch of rows)
    "attachment_add": _("Attachment added"),
    "attachment_delete": _("Attachment deleted"),
})


def _move_label(model, verb):
    """The label of `model`'s status move with this verb (None: no such move, or several labels)."""
    from .moves import machine_of

    machine = machine_of(model) if model is not None else None
    if machine is None:
        return None
    labels = {str(m.label): m.label for m in machine if m.verb == verb}
    return next(iter(labels.values())) if len(labels) == 1 else None


def _config_label(verb):
    """An export's or import's verb is the model's key: the model's name ("Customers")."""
    from .registry import registry

    config = registry.configs.get(verb) if "." in verb else None
    return config.title if config is not None else None


def verb_label(verb, model=None):
    """The verb of an event as people read it, in the active language ("" for none). `model`: the
    event's record type, whose status moves name their verbs. An unknown verb reads as itself."""
    if not verb:
        return ""
    label = _move_label(model, verb)
    if label is None:
        label = _VERBS.get(verb)
    if label is None:
        label = _config_label(verb)
    return capfirst(str(label)) if label is not None else verb


def has_label(verb, model=None):
    """Whether `verb` reads as a label — for `model`'s events, or (None) for some model's."""
    if verb in _VERBS or _config_label(verb) is not None:
        return True
    if model is not None:
        return _move_label(model, verb) is not None
    from django.apps import apps

    return any(_move_label(m, verb) is not None for m in apps.get_models())


def record(*, actor, action, obj=None, before=None, after=None, verb="", message="", changes=None, branch_id=_UNSET):
    """Write one audit event. Call inside the service's transaction."""
    ctx = context.current()
    if changes is None:
        changes = diff(before or {}, after or {})
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(str(actor) if actor else "")[:150],
        ip=ctx.ip,
        request_id=ctx.request_id,
        action=action,
        verb=verb[:60],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes,
        message=str(message)[:255],
        branch_id=branch_id if branch_id is not _UNSET else (_branch_id_of(obj) or getattr(actor, "branch_id", None)),
    )


def history_for(obj):
    """Audit events of one record (history tab), newest first."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    concrete = ContentType.objects.get_for_model(obj)
    return AuditEvent.objects.filter(content_type__in={ct, concrete}, object_id=str(obj.pk)).select_related("actor")


def field_labels(model) -> dict:
    """Field name → verbose name, for showing `changes` the way people read them."""
    if model is None:
        return {}
    return {f.name: str(f.verbose_name) for f in model._meta.get_fields() if hasattr(f, "verbose_name")}


def choice_labels(model) -> dict:
    """Field name → {stored value: label} for choice fields (changes keep the stored value)."""
    if model is None:
        return {}
    return {
        f.name: {str(value): str(label) for value, label in f.flatchoices}
        for f in model._meta.concrete_fields
        if getattr(f, "choices", None) and not f.is_relation
    }
