"""Database constraints that speak to the user.

`CheckConstraint` / `UniqueConstraint` here take `message=` (shown in the user's language, never
the constraint's name) and `field=` (the form field the message is attached to). Model
validation (full_clean) reports a violation on that field; a violation that only the database
catches (two saves racing) is turned into the same message by `integrity_error_fields()`.

Both deconstruct as Django's own constraints without message or field: the message is not part
of the schema, so changing it needs no migration.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


class _Speaking:
    def __init__(self, *args, message=None, field=None, **kwargs):
        self.field = field
        if message is not None:
            kwargs["violation_error_message"] = message
        super().__init__(*args, **kwargs)

    def validate(self, model, instance, exclude=None, using=None):
        kwargs = {"using": using} if using else {}
        try:
            super().validate(model, instance, exclude=exclude, **kwargs)
        except ValidationError as exc:
            # Django's own "X with this Y already exists" for plain unique fields is replaced too.
            raise ValidationError({self.field or NON_FIELD_ERRORS: [self.error()]}) from exc

    def error(self):
        return ValidationError(self.get_violation_error_message(), code=self.name)

    def clone(self):
        _, args, kwargs = super().deconstruct()
        return type(self)(*args, field=self.field, **kwargs)

    def __eq__(self, other):
        # The message is not part of the schema: equal to Django's constraint of the same rule.
        if isinstance(other, models.BaseConstraint):
            return self.deconstruct()[1:] == other.deconstruct()[1:] and type(other).__name__ == type(self).__name__
        return NotImplemented

    __hash__ = models.BaseConstraint.__hash__ if hasattr(models.BaseConstraint, "__hash__") else None

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs.pop("violation_error_message", None)
        return f"django.db.models.{type(self).__name__}", args, kwargs


class CheckConstraint(_Speaking, models.CheckConstraint):
    pass


class UniqueConstraint(_Speaking, models.UniqueConstraint):
    pass


def _columns(model, constraint):
    return {model._meta.get_field(f).column for f in getattr(constraint, "fields", ()) or ()}


def integrity_error_fields(model, exc):
    """{field: [message]} for the model's constraint that an IntegrityError reports, or None.

    PostgreSQL names the constraint; SQLite names a check constraint, and a unique one by its
    columns ("UNIQUE constraint failed: table.a, table.b")."""
    text = str(exc)
    table = model._meta.db_table
    for constraint in model._meta.constraints:
        if not isinstance(constraint, _Speaking):
            continue
        hit = constraint.name in text
        if not hit and isinstance(constraint, models.UniqueConstraint) and "UNIQUE constraint failed:" in text:
            failed = text.split("UNIQUE constraint failed:", 1)[1].strip()
            cols = {part.strip().removeprefix(f"{table}.") for part in failed.split(",")}
            hit = bool(cols) and cols == _columns(model, constraint)
        if hit:
            return {(constraint.field or NON_FIELD_ERRORS): [str(constraint.get_violation_error_message())]}
    return None


# -- rules a model's clean() shares --------------------------------------------------------------
# Units of things one counts (a part comes in whole pieces), not of things one measures (kg, m).
COUNTED_UNITS = {"个", "件", "台", "套", "只", "支", "块", "根", "把", "条", "张", "片", "颗", "盒", "箱", "卷",
                 "pc", "pcs", "piece", "pieces", "ea", "each", "set", "sets", "unit", "units"}


def past_dates(obj, *names):
    """{field: [message]} for each date of `names` that lies after today (a fact that cannot
    have happened yet: installed, shipped, signed, fitted…)."""
    import datetime

    from django.utils import timezone
    from django.utils.translation import gettext as _

    today = timezone.localdate()
    errors = {}
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, datetime.date) and value > today:
            errors[name] = [_("This date cannot be in the future.")]
    return errors


def whole_quantity(quantity, unit, name="quantity"):
    """{name: [message]} when a quantity of a counted unit (个, 件, pcs…) is not a whole number."""
    from decimal import Decimal

    from django.utils.translation import gettext as _

    if isinstance(quantity, Decimal) and (unit or "").strip().lower() in COUNTED_UNITS and quantity % 1:
        return {name: [_("Parts counted in %(unit)s come in whole numbers.") % {"unit": unit}]}
    return {}
