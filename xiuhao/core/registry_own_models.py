"""Registry declarations of core's own models: operation log, dictionaries, document numbering.

Other apps keep their declarations in `<app>/registry.py`, which the registry discovers; in core
that name is the registry itself, so core's declarations live here and CoreConfig.ready() imports
this module before discovery."""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import audit, history, numbering, visibility
from .api import build_serializer
from .filtersets import ScopedFilterSet
from .forms import ScopedModelForm
from .models import AuditEvent, DictItem, DictType, NumberFormat
from .registry import ModelConfig, Tab, register, registry


def record_type_choices():
    """What the operation log can be filtered by: the record types people have pages for, by their
    names in the user's language (not the internal tables: idempotency records, job runs, …)."""
    configs = [c for c in registry if c.pages]
    types = ContentType.objects.get_for_models(*[c.model for c in configs], for_concrete_models=False)
    return sorted(((ct.pk, capfirst(str(model._meta.verbose_name))) for model, ct in types.items()),
                  key=lambda choice: str(choice[1]))


class AuditEventFilterSet(ScopedFilterSet):
    search_fields = ("actor_name", "object_repr", "message", "ip", "request_id")
    at = django_filters.DateFromToRangeFilter(
        label=_("time"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )
    content_type = django_filters.ChoiceFilter(choices=record_type_choices, label=_("record type"))
    object_id = django_filters.CharFilter(label=_("record ID"))
    # A text match: an exact filter hands any text to PostgreSQL's inet type, which refuses it.
    ip = django_filters.CharFilter(field_name="ip", lookup_expr="icontains", label=_("IP address"))

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "content_type", "object_id", "ip", "at"]


@extend_schema_field({"type": "object", "additionalProperties": {"type": "array", "items": {}}})
def _changes_for_requester(serializer, obj):
    return visibility.event_changes(obj, getattr(serializer.context.get("request"), "user", None))


@register
class AuditEventConfig(ModelConfig):
    model = AuditEvent
    menu = "system"
    menu_order = 10
    list_fields = ["at", "actor_name", "action", "verb", "object_repr", "ip", "message"]
    export_fields = ["at", "actor_name", "ip", "request_id", "action", "verb", "content_type", "object_id",
                     "object_repr", "message", "changes"]
    detail_fields = ["at", "actor_name", "ip", "request_id", "action", "verb", "content_type", "object_id",
                     "object_repr", "message"]
    search_fields = list(AuditEventFilterSet.search_fields)
    api_fields = ["at", "actor", "actor_name", "ip", "request_id", "action", "verb", "content_type", "object_id",
                  "object_repr", "changes", "message", "branch"]
    filterset_class = AuditEventFilterSet
    form_fields = []  # the log is written by services only
    deletable = False
    select_related = ["content_type"]
    tabs = [Tab("changes", _("Changes"), "core/tabs/changes.html", lambda obj, request: {
        "rows": history.change_rows(history.event_model(obj),
                                    visibility.event_changes(obj, request.user, visibility.HIDDEN)),
    })]
    # Times in the local time zone to the minute (the detail: to the second), verbs and record types
    # by their names; the API keeps ISO 8601 with the offset and the codes.
    value_labels = {"at": lambda at: history.local_time(at, history.DATETIME_SECONDS), "verb": None,
                    "content_type": None}

    def value_label(self, obj, name):
        if name == "verb":
            return audit.verb_label(obj.verb, history.event_model(obj))
        if name == "content_type":
            return history.record_type_label(obj)
        return super().value_label(obj, name)

    @cached_property
    def table(self):
        from .tables import build_table

        def render_at(self, value, record):
            return format_html('<a href="{}">{}</a>', reverse("core_auditevent_detail", args=[record.pk]),
                               history.local_time(value))

        def render_verb(self, value, record):
            return audit.verb_label(value, history.event_model(record)) or "—"

        return type("AuditEventTable", (build_table(self),), {"render_at": render_at, "render_verb": render_verb})

    @cached_property
    def serializer(self):
        return type("AuditEventSerializer", (build_serializer(self),), {
            "changes": serializers.SerializerMethodField(help_text=_(
                "Field → [old, new]. Fields the requesting user may not see are left out.")),
            "get_changes": _changes_for_requester,
        })

    def export_cell(self, obj, name, user):
        if name == "changes":  # "Label: old → new" per line; fields the user may not see are left out
            return history.export_changes(obj, user)
        if name == "at":  # a date cell in the local time zone, to the second
            return history.naive_local(obj.at)
        return super().export_cell(obj, name, user)


def dict_items(obj, request):
    return {"items": obj.items.all(), "add_url": DictItemConfig().url("add") + f"?dict_type={obj.pk}"}


@register
class DictTypeConfig(ModelConfig):
    model = DictType
    menu = "system"
    menu_order = 20
    list_fields = ["code", "name", "description", "is_system"]
    search_fields = ["code", "name"]
    filter_fields = ["is_system"]
    form_fields = ["code", "name", "description"]
    natural_key = "code"
    tabs = [Tab("items", _("Items"), "core/tabs/dict_items.html", dict_items)]


@register
class DictItemConfig(ModelConfig):
    model = DictItem
    menu = None
    list_fields = ["label", "value", "dict_type", "label_en", "sort", "is_active"]
    search_fields = ["value", "label", "label_en"]
    filter_fields = ["dict_type", "is_active"]
    form_fields = ["dict_type", "value", "label", "label_en", "sort", "is_active"]
    select_related = ["dict_type"]


class NumberFormatForm(ScopedModelForm):
    kind = forms.ChoiceField(label=_("document type"))

    class Meta:
        model = NumberFormat
        fields = ["kind", "prefix", "pattern", "reset"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = numbering.kind_choices()
        if self.instance.kind and self.instance.kind not in dict(choices):
            choices.append((self.instance.kind, self.instance.kind))  # a type no longer numbered stays editable
        self.fields["kind"].choices = [("", "---------"), *choices]


@register
class NumberFormatConfig(ModelConfig):
    """Prefix, pattern and reset period of a document type's numbers (core.numbering); a type
    without a row is numbered as its model declares."""

    model = NumberFormat
    menu = "system"
    menu_order = 30
    list_fields = ["kind", "prefix", "pattern", "reset", "updated_at"]
    search_fields = ["kind", "prefix", "pattern"]
    filter_fields = ["reset"]
    form_fields = ["kind", "prefix", "pattern", "reset"]
    form_class = NumberFormatForm
    value_labels = {"kind": numbering.kind_label}
