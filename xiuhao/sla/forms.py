"""The input of a clock's moves (declared in models.SlaClock.moves): the page form, and through
core.moves the API body."""

from django import forms
from django.utils.translation import gettext_lazy as _


def _pause_reasons():
    from .models import SlaPause

    return SlaPause.Reason.choices


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=_pause_reasons,
                               widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label=_("Note"), max_length=255, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))
