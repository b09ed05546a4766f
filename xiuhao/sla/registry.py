"""Pages, API and menu of the SLA: calendars (working hours and holidays as tabs, a "test the
calendar" page), policies, clocks (read-only, remaining time, pause/resume), pauses and alerts."""

import django_tables2 as tables
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xiuhao.core import audit
from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry
from xiuhao.core.tables import build_table

from . import services, views, workbench  # noqa: F401  (workbench: the start page card)
from .models import BusinessCalendar, Holiday, SlaAlert, SlaClock, SlaPause, SlaPolicy, WorkingPeriod

registry.section("sla", _("SLA"), "clock-hour-4", 55)

# What the operation log and history tabs call this app's audit verbs (moves name their own).
audit.verb_labels({"sla_clock_start": _("Clock started"), "sla_clock_stop": _("Clock stopped"),
                   "sla_clock_reassign": _("Clock owner changed")})


class SlaWrites:
    """Writes through the SLA services: company-wide records are head office's; a change of
    working hours or holidays refreshes the calendar's cached arithmetic."""

    def create(self, *, actor, data):
        return services.sla_object_create(actor=actor, model=self.model, data=data)

    def update(self, *, actor, obj, data):
        return services.sla_object_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.sla_object_delete(actor=actor, obj=obj)


@register
class BusinessCalendarConfig(SlaWrites, ModelConfig):
    model = BusinessCalendar
    menu = "sla"
    menu_order = 10
    icon = "calendar-time"
    list_fields = ["code", "name", "branch", "is_default", "always_open", "remark"]
    search_fields = ["code", "name"]
    filter_fields = ["branch", "is_default", "always_open"]
    form_fields = ["code", "name", "branch", "is_default", "always_open", "remark"]
    select_related = ["branch"]
    natural_key = "code"
    tabs = [
        Tab("periods", _("Working hours"), "sla/tabs/periods.html", views.periods_tab),
        Tab("holidays", _("Holidays"), "sla/tabs/holidays.html", views.holidays_tab),
    ]
    actions = [Action("try", _("Test the calendar"), views.try_calendar, permission="sla.view_businesscalendar")]


@register
class WorkingPeriodConfig(SlaWrites, ModelConfig):
    model = WorkingPeriod
    menu = None  # edited on the calendar's "Working hours" tab
    list_fields = ["calendar", "weekday", "start_time", "end_time"]
    search_fields = ["calendar__name", "calendar__code"]
    filter_fields = ["calendar", "weekday"]
    form_fields = ["calendar", "weekday", "start_time", "end_time"]
    select_related = ["calendar"]


@register
class HolidayConfig(SlaWrites, ModelConfig):
    model = Holiday
    menu = None  # edited on the calendar's "Holidays" tab
    list_fields = ["date", "name", "kind", "works_as", "calendar"]
    search_fields = ["name", "calendar__name"]
    filter_fields = ["calendar", "kind"]
    form_fields = ["calendar", "date", "name", "kind", "works_as"]
    select_related = ["calendar"]


@register
class SlaPolicyConfig(SlaWrites, ModelConfig):
    model = SlaPolicy
    menu = "sla"
    menu_order = 20
    icon = "target-arrow"
    list_fields = ["name", "branch", "request_type", "priority", "customer_tier", "response_minutes",
                   "arrival_minutes", "resolution_minutes", "calendar", "is_active", "sequence"]
    search_fields = ["name"]
    filter_fields = ["branch", "request_type", "priority", "customer_tier", "is_active", "calendar"]
    form_fields = ["name", "sequence", "is_active", "branch", "request_type", "priority", "customer_tier",
                   "response_minutes", "arrival_minutes", "resolution_minutes", "use_contract_targets", "calendar",
                   "warn_first_pct", "warn_second_pct", "escalate_1_after", "escalate_2_after", "escalate_3_after"]
    select_related = ["branch", "calendar"]


class RemainingColumn(tables.Column):
    empty_values = ()

    def render(self, record):
        from django.template.loader import render_to_string

        return format_html("{}", render_to_string("sla/includes/clock_badge.html", {"clock": record}))


CLOCK_FIELDS = ["target_label", "kind", "status", "owner", "branch", "started_at", "due_at", "target_minutes"]


@register
class SlaClockConfig(ModelConfig):
    model = SlaClock
    menu = "sla"
    menu_order = 30
    icon = "clock-hour-4"
    list_fields = CLOCK_FIELDS
    search_fields = ["target_label"]
    filter_fields = ["status", "kind", "branch", "owner"]
    form_fields = []  # started, paused and stopped by the services only
    detail_fields = [*CLOCK_FIELDS, "policy", "calendar", "paused_at", "used", "paused_time", "stopped_at",
                     "next_alert_at", "content_type", "object_id"]
    api_fields = [*CLOCK_FIELDS, "policy", "calendar", "paused_at", "used", "paused_time", "stopped_at",
                  "next_alert_at", "content_type", "object_id", "resumed_at"]
    select_related = ["owner", "branch", "policy", "calendar", "content_type"]
    prefetch_related = ["calendar__periods", "calendar__holidays"]
    deletable = False
    tabs = [Tab("time", _("Time, pauses and alerts"), "sla/tabs/clock.html", views.clock_tab)]
    # Pause and resume are declared moves (models.SlaClock.moves): button, page and API endpoint.

    @cached_property
    def table(self):
        base = build_table(self)
        meta = type("Meta", (base.Meta,), {"sequence": [*self.list_fields, "remaining", "actions"]})
        return type("SlaClockTable", (base,), {
            "remaining": RemainingColumn(verbose_name=_("Remaining"), orderable=False), "Meta": meta})


@register
class SlaPauseConfig(ModelConfig):
    model = SlaPause
    menu = None
    list_fields = ["clock", "reason", "note", "started_at", "ended_at", "business_time", "actor"]
    search_fields = ["note", "clock__target_label"]
    filter_fields = ["reason"]
    form_fields = []
    detail_fields = ["clock", "reason", "note", "started_at", "ended_at", "business_time", "actor", "ended_by"]
    select_related = ["clock", "actor"]
    deletable = False


@register
class SlaAlertConfig(ModelConfig):
    model = SlaAlert
    menu = "sla"
    menu_order = 40
    icon = "bell"
    list_fields = ["clock", "level", "percent", "recipient", "sent_at"]
    search_fields = ["clock__target_label"]
    filter_fields = ["level"]
    form_fields = []  # written by the alert job only
    detail_fields = ["clock", "level", "percent", "recipient", "sent_at"]
    select_related = ["clock", "recipient"]
    deletable = False
registry.message_kind("sla_alert", _("SLA alert"))
