"""Field factories shared by the domain apps: money (Decimal, never float), percentages and
GCJ-02 coordinates."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def money_field(verbose_name, **kwargs):
    """A non-negative amount in yuan with two decimals."""
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0"))], **kwargs)


def percent_field(verbose_name, default=Decimal("100")):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, default=default,
                               validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])


def latitude_field(verbose_name=None):
    return models.DecimalField(verbose_name or _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                               validators=[MinValueValidator(-90), MaxValueValidator(90)])


def longitude_field(verbose_name=None):
    return models.DecimalField(verbose_name or _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                               validators=[MinValueValidator(-180), MaxValueValidator(180)])


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(value):
    """Text may hold tab and line breaks but no other control character (U+0000–U+001F, U+007F):
    they cannot be shown, nor written to an Excel export. Added to every text field of the shared
    forms (core.forms.ScopedModelForm) and API serializers (core.api.ScopedModelSerializer)."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError(_("Remove the invisible control characters from this text."), code="control_characters")
