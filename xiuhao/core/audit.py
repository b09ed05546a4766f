"""Audit events, written by services inside their transaction (so a rollback leaves none)."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

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
            data[field.name] = sorted(str(o) for o in getattr(obj, field.name).all())
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
