"""Field factories shared by the domain apps: money (Decimal, never float), percentages and
GCJ-02 coordinates."""

from decimal import Decimal

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
