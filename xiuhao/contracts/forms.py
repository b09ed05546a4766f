"""Inputs of the contract moves (pages and API alike: core.moves derives the API body)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiuhao.core.moves import ReasonForm


class ExtendForm(ReasonForm):
    new_end = forms.DateField(label=_("New end date"))
    field_order = ["new_end", "reason"]


class RenewForm(forms.Form):
    """Everything may be left out: the renewal then takes the next period, the same amount and a
    code of its own (the page pre-fills them)."""

    code = forms.CharField(label=_("Contract no. of the renewal"), max_length=50, required=False)
    start_date = forms.DateField(label=_("start date"), required=False)
    end_date = forms.DateField(label=_("end date"), required=False)
    amount = forms.DecimalField(label=_("contract amount"), max_digits=14, decimal_places=2, min_value=0,
                                required=False)
    reason = forms.CharField(label=_("Remark"), max_length=255, required=False)
