"""Generic writes for registered models. Domain services call these or replace them.

Every function: checks the permission and data scope, validates, writes in one transaction,
records the audit event in that same transaction. Bad input raises ValidationFailed and changes
nothing.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import ProtectedError as DjangoProtectedError
from django.db.models import RestrictedError

from . import audit
from .constraints import integrity_error_fields
from .errors import NotFound, PermissionDenied, ProtectedError, ValidationFailed
from .numbering import assign_number


def require_perm(actor, model, action):
    opts = model._meta
    if not actor.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
        raise PermissionDenied()


def require_visible(actor, obj, action="view"):
    """The object must lie within the actor's data scope (re-read from the database)."""
    model = type(obj)
    if not model._default_manager.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotFound()


def _assign(obj, data: dict):
    m2m = {}
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        else:
            setattr(obj, name, value)
    return m2m


def _full_clean(obj):
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def _save(obj, m2m):
    try:
        with transaction.atomic(using=router.db_for_write(type(obj))):
            obj.save()
            for name, value in m2m.items():
                getattr(obj, name).set(value)
    except IntegrityError as exc:
        raise integrity_failure(type(obj), exc) from exc


def integrity_failure(model, exc):
    """The ValidationFailed for a database refusal: the constraint's own message on its field
    when the database names a constraint of the model (a race that full_clean could not see)."""
    fields = integrity_error_fields(model, exc)
    if fields:
        return ValidationFailed(fields={("non_field_errors" if k == NON_FIELD_ERRORS else k): v
                                        for k, v in fields.items()})
    return ValidationFailed(message=_integrity_message(exc))


def _integrity_message(exc):
    from django.utils.translation import gettext as _

    text = str(exc).lower()
    if "unique" in text or "duplicate" in text:
        return _("A record with the same unique value already exists.")
    return _("The data breaks a database rule and was not saved.")


def stamp_ownership(obj, actor):
    """Fill created_by/branch/department from the actor where the model has them and the
    caller did not choose them. A record that belongs to an outlet gets no branch or department
    of the actor's, and a department is only taken over inside the actor's own branch."""
    names = {f.name for f in obj._meta.concrete_fields}
    if "created_by" in names and not obj.created_by_id and getattr(actor, "is_authenticated", False):
        obj.created_by = actor
    if getattr(obj, "outlet_id", None):
        return
    if "branch" in names and not getattr(obj, "branch_id", None) and getattr(actor, "branch_id", None):
        obj.branch_id = actor.branch_id
    if (
        "department" in names
        and not getattr(obj, "department_id", None)
        and getattr(actor, "department_id", None)
        and obj.branch_id == actor.branch_id
    ):
        obj.department_id = actor.department_id


def check_still_in_scope(actor, obj):
    """A user may not create or move a record out of the data scope they can see."""
    model = type(obj)
    if not model._default_manager.visible_to(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied(
            message=_scope_message(),
        )


def _scope_message():
    from django.utils.translation import gettext as _

    return _("The record would lie outside your data scope (branch/department).")


def object_create(*, actor, model, data: dict, verb="", before_save=None):
    require_perm(actor, model, "add")
    obj = model()
    with transaction.atomic():
        m2m = _assign(obj, data)
        stamp_ownership(obj, actor)
        if before_save:
            before_save(obj)
        _full_clean(obj)
        assign_number(obj)  # a numbered record left without a number gets the next (core.numbering)
        _save(obj, m2m)
        check_still_in_scope(actor, obj)
        audit.record(actor=actor, action="create", obj=obj, after=audit.snapshot(obj), verb=verb)
    return obj


def object_update(*, actor, obj, data: dict, verb="", before_save=None):
    model = type(obj)
    require_perm(actor, model, "change")
    with transaction.atomic():
        require_visible(actor, obj)
        fresh = model._default_manager.get(pk=obj.pk)
        before = audit.snapshot(fresh)
        m2m = _assign(obj, data)
        if before_save:
            before_save(obj)
        _full_clean(obj)
        assign_number(obj, stored=fresh)
        _save(obj, m2m)
        check_still_in_scope(actor, obj)
        after = audit.snapshot(obj)
        changes = audit.diff(before, after)
        if changes:
            audit.record(actor=actor, action="update", obj=obj, changes=changes, verb=verb)
    return obj


def object_delete(*, actor, obj, verb=""):
    model = type(obj)
    require_perm(actor, model, "delete")
    with transaction.atomic():
        require_visible(actor, obj)
        before = audit.snapshot(obj)
        # The event stays with the record's branch; a deleted branch leaves it branch-less.
        pk, text, branch_id = obj.pk, str(obj), getattr(obj, "branch_id", None)
        try:
            with transaction.atomic():
                obj.delete()
        except (DjangoProtectedError, RestrictedError) as exc:
            raise ProtectedError() from exc
        obj.pk = pk
        audit.record(actor=actor, action="delete", obj=obj, before=before, verb=verb, branch_id=branch_id)
        obj.pk = None
    return text
