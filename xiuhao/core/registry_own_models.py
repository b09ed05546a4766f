"""Registry declarations of core's own models: operation log, dictionaries, document numbering.

Other apps keep their declarations in `<app>/registry.py`, which the registry discovers; in core
that name is the registry itself, so core's declarations live here and CoreConfig.ready() imports
this module before discovery."""

import json

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import audit, numbering, visibility
from .api import build_serializer
from .filtersets import ScopedFilterSet
from .forms import ScopedModelForm
from .models import AuditEvent, DictItem, DictType, NumberFormat
from .registry import ModelConfig, Tab, register, registry


def _record_types():
    """The content types of the registered models: what the operation log can be filtered by."""
    return ContentType.objects.filter(app_label__in={config.app_label for config in registry}).order_by("app_label",
                                                                                                        "model")


class AuditEventFilterSet(ScopedFilterSet):
    search_fields = ("actor_name", "object_repr", "message", "ip", "request_id")
    at = django_filters.DateFromToRangeFilter(
        label=_("time"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )
    content_type = django_filters.ModelChoiceFilter(queryset=lambda request: _record_types(), label=_("record type"))
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
        "changes": visibility.event_changes(obj, request.user, visibility.HIDDEN),
        "labels": audit.field_labels(obj.content_type.model_class() if obj.content_type_id else None),
        "choices": audit.choice_labels(obj.content_type.model_class() if obj.content_type_id else None),
    })]

    @cached_property
    def serializer(self):
        return type("AuditEventSerializer", (build_serializer(self),), {
            "changes": serializers.SerializerMethodField(help_text=_(
                "Field → [old, new]. Fields the requesting user may not see are left out.")),
            "get_changes": _changes_for_requester,
        })

    def export_cell(self, obj, name, user):
        if name == "changes":  # fields the user may not see are left out
            return json.dumps(visibility.event_changes(obj, user), ensure_ascii=False, default=str)
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
