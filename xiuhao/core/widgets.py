"""Selects for related records of large tables (users, regions, engineers): the page carries
only the chosen options; the rest are fetched while typing from /core/choices/<app.model>/,
within the user's data scope."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class AutocompleteMixin:
    def __init__(self, model, attrs=None):
        attrs = {**(attrs or {})}
        attrs["data-autocomplete-url"] = reverse("core-choices", args=[model._meta.label_lower])
        attrs["data-autocomplete-placeholder"] = str(_("Type to search…"))
        super().__init__(attrs=attrs)

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in (None, "")]
        groups = []
        index = 0
        if not self.allow_multiple_selected:
            groups.append((None, [self.create_option(name, "", "---------", not chosen, index, attrs=attrs)], index))
            index += 1
        iterator = self.choices
        queryset = getattr(iterator, "queryset", None)
        if queryset is None or not chosen:
            return groups
        label = iterator.field.label_from_instance
        try:
            selected = list(queryset.filter(pk__in=chosen))
        except (ValueError, TypeError, ValidationError):
            return groups  # a malformed value selects nothing; the field reports the error
        for obj in selected:
            groups.append((None, [self.create_option(name, obj.pk, label(obj), True, index, attrs=attrs)], index))
            index += 1
        return groups


class AutocompleteSelect(AutocompleteMixin, forms.Select):
    pass


class AutocompleteSelectMultiple(AutocompleteMixin, forms.SelectMultiple):
    pass


def autocomplete_widget_for(field, css_class):
    """The autocomplete widget for a ModelChoiceField / ModelMultipleChoiceField whose model is
    registered as searchable, else None."""
    from .registry import registry

    queryset = getattr(field, "queryset", None)
    if queryset is None or registry.search_fields_for_choices(queryset.model) is None:
        return None
    if type(field.widget) not in (forms.Select, forms.SelectMultiple):
        return None  # a purpose-made widget (e.g. the region picker) stays
    cls = AutocompleteSelectMultiple if isinstance(field.widget, forms.SelectMultiple) else AutocompleteSelect
    return cls(queryset.model, attrs={"class": css_class})
