"""Catalogue pages beyond the registry's CRUD: the BOM tab, the mileage-band and fault-code tabs,
and the fee standard's trial calculation 试算."""

from decimal import Decimal

from django import forms
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.errors import ServiceError
from xiuhao.core.views import apply_service_error

from . import formulas, selectors, services
from .models import FaultCode


def bom_tab(product_model, request):
    lines = selectors.bom_lines(product_model)
    return {"lines": lines, "total_cost": selectors.bom_total_cost(lines),
            "max_depth": max((line.depth for line in lines), default=0)}


def mileage_bands_tab(standard, request):
    return {"bands": standard.mileage_bands.order_by("from_km")}


def fault_codes_tab(category, request):
    codes = list(selectors.fault_codes(category, active_only=False))
    groups = [(label, [c for c in codes if c.kind == value]) for value, label in FaultCode.Kind.choices]
    return {"groups": groups}


def where_used_tab(part, request):
    return {"uses": part.bom_lines.select_related("product_model", "parent__part").order_by("product_model__code")}


TIER_CHOICES = [("standard", gettext_lazy("Standard")), ("silver", gettext_lazy("Silver")),
                ("gold", gettext_lazy("Gold"))]


class QuoteForm(forms.Form):
    hours = forms.DecimalField(label=gettext_lazy("Labour hours"), min_value=Decimal("0"), max_digits=8,
                               decimal_places=2, initial=Decimal("1"))
    km = forms.DecimalField(label=gettext_lazy("One-way distance (km)"), min_value=Decimal("0"), max_digits=8,
                            decimal_places=1, initial=Decimal("0"))
    parts_amount = forms.DecimalField(label=gettext_lazy("Parts amount"), min_value=Decimal("0"), max_digits=14,
                                      decimal_places=2, initial=Decimal("0"), required=False)
    visits = forms.IntegerField(label=gettext_lazy("Visits"), min_value=1, max_value=100, initial=1, required=False)
    tier = forms.ChoiceField(label=gettext_lazy("Customer tier"), choices=TIER_CHOICES, initial="standard",
                             required=False)

    def quote_input(self):
        """The cleaned input, left-out optional fields at their defaults."""
        data = self.cleaned_data
        return {"hours": data["hours"], "km": data["km"], "parts_amount": data.get("parts_amount") or Decimal("0"),
                "visits": data.get("visits") or 1, "tier": data.get("tier") or "standard"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"


def trial_calculation(request, config, standard):
    """试算: the fees of a case under this standard, without saving anything."""
    form = QuoteForm(request.POST or None)
    quote = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                quote = services.fee_quote(standard, **form.quote_input())
            except ServiceError as exc:
                apply_service_error(request, exc, form)
        if form.errors:
            status = 400
    context = {
        "form": form, "object": standard, "config": config, "quote": quote,
        "bands": standard.mileage_bands.order_by("from_km"), "cancel_url": config.url("detail", standard),
        "variables": [(name, text) for name, (text, _sample) in formulas.VARIABLES.items()],
        "breadcrumbs": [(config.title, config.url("list")), (str(standard), config.url("detail", standard)),
                        (_("Trial calculation"), None)],
    }
    return TemplateResponse(request, "catalog/trial_calculation.html", context, status=status)
