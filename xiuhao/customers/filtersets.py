"""The customer FilterSet: the platform's derived one with the customer search behind `q` (the
page's search box and `?q=` in the API) and `search` (`?search=`, the usual DRF name)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from xiuhao.core.filtersets import build_filterset

from .selectors import customer_search


def build_customer_filterset(config):
    base = build_filterset(config)

    def filter_search(self, queryset, name, value):
        return customer_search(queryset, value)

    attrs = {
        "q": django_filters.CharFilter(
            method="filter_search", label=_("Search"),
            widget=forms.TextInput(attrs={"placeholder": _("Name, pinyin initials, phone tail, S/N")})),
        "search": django_filters.CharFilter(method="filter_search", label=_("Search"), widget=forms.HiddenInput),
        "filter_search": filter_search,
    }
    return type("CustomerFilterSet", (base,), attrs)
