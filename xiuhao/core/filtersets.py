"""FilterSets derived from a ModelConfig. One FilterSet serves the page and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_filters.utils import label_for_filter

# django-filter computes a missing label once, in the language active at that moment, and keeps
# it on the class-level filter: whoever rendered the API schema first fixed every label's
# language for the process. A lazy label is translated each time it is shown.
lazy_label_for_filter = lazy(label_for_filter, str)

from .visibility import path_hidden, visible
from .widgets import autocomplete_widget_for


class ScopedFilterSet(django_filters.FilterSet):
    """Choices of related-record filters are limited to what the user may see; `q` searches
    the config's search fields."""

    search_fields: tuple = ()

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        f = super().filter_for_field(field, field_name, lookup_expr)
        if f._label is None:
            f.label = lazy_label_for_filter(cls._meta.model, field_name, f.lookup_expr, f.exclude)
        return f

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        # Filtering or searching by a field the user may not see would reveal it by probing.
        model = self._meta.model
        for name in [n for n, f in self.filters.items() if f.field_name and path_hidden(model, f.field_name, user)]:
            del self.filters[name]
        self.search_fields = tuple(visible(model, self.search_fields, user))
        for name, f in self.filters.items():
            if isinstance(f, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
                related = f.queryset
                if related is not None and not callable(related) and hasattr(related, "for_choices"):
                    f.queryset = related.for_choices(user)
                    form_field = self.form.fields.get(name)
                    if form_field is not None:
                        auto = autocomplete_widget_for(form_field, "form-select form-select-sm")
                        if auto is not None:
                            form_field.widget = auto
                        form_field.queryset = f.queryset
        for bound in self.form.fields.values():
            if bound.label:
                bound.label = capfirst(bound.label)  # "Status", not "status", in English
            widget = bound.widget
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs.setdefault("class", css)

    def filter_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value or not self.search_fields:
            return queryset
        q = Q()
        for path in self.search_fields:
            q |= Q(**{f"{path}__icontains": value})
        return queryset.filter(q)


def build_filterset(config):
    from .registry import registry

    meta = type("Meta", (), {"model": config.model, "fields": list(config.filter_fields)})
    attrs = {"Meta": meta, "search_fields": tuple(config.search_fields)}
    for name in config.filter_fields:
        model_field = config.model._meta.get_field(name)
        shared = registry.filter_class_for(model_field)  # e.g. the region filter org contributes
        if shared is not None:
            attrs[name] = shared(field_name=name, label=capfirst(model_field.verbose_name))
        elif model_field.many_to_many:
            attrs[name] = django_filters.ModelChoiceFilter(
                field_name=name, queryset=model_field.related_model._default_manager.all(),
                label=capfirst(model_field.verbose_name),
            )
        elif isinstance(model_field.__class__.__mro__[0], type) and model_field.get_internal_type() == "BooleanField":
            attrs[name] = django_filters.BooleanFilter(
                field_name=name, label=capfirst(model_field.verbose_name),
                widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
            )
    return type(f"{config.model.__name__}FilterSet", (ScopedFilterSet,), attrs)
