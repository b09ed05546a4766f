"""Registry declarations of tasks (the task query 任务查询 list, export, API), task events and engineer
states; the Task Centre's menu entries, phone tab and the to-do task type."""

import django_filters
from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xiuhao.core import audit
from xiuhao.core.api import ScopedModelSerializer
from xiuhao.core.forms import ScopedModelForm, build_form
from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry

from . import jobs, selectors, services, workbench  # noqa: F401  (jobs: the overdue reminder; workbench: start page cards)
from .models import EngineerState, Task, TaskEvent
from .types import task_type_choices, task_type_label

registry.section("tasks", _("Task centre"), "checklist", 20)

# What the operation log and history tabs call this app's audit verbs (task moves name their own).
audit.verb_labels({"set_state": _("Engineer status set")})

TASK_FORM = ["title", "description", "assignee", "candidate_role", "candidate_department", "candidate_region",
             "candidate_skill", "priority", "due_at"]
TASK_EDITABLE = ["title", "description", "priority", "due_at"]  # the rest moves through the task's actions
TASK_STATE = ["kind", "status", "branch", "department", "outlet", "subject_repr", "url", "process_instance", "step",
              "data", "outcome", "previous_assignee", "claimed_at", "completed_at", "completed_by", "urge_count",
              "last_urged_at", "created_by", "created_at", "updated_at"]
TASK_RELATED = ["assignee", "branch", "department", "created_by", "candidate_role", "candidate_department",
                "candidate_region", "candidate_skill", "outlet", "completed_by", "previous_assignee"]


def _serializer(model, fields, read_only, name, **attrs):
    extra = [k for k, v in attrs.items() if isinstance(v, serializers.Field)]  # declared fields
    meta = type("Meta", (), {"model": model, "fields": ["id", "display", *fields, *read_only, *extra],
                             "read_only_fields": read_only, "validators": []})
    return type(name, (ScopedModelSerializer,), {"Meta": meta, **attrs})


def _get_kind_display(self, obj) -> str:
    return task_type_label(obj.kind)


# `kind` stays the code (for programs); `kind_display` is the task type's label in the request's
# language (for people).
KIND_DISPLAY = {
    "kind_display": serializers.SerializerMethodField(help_text=_("The task type's name in the user's language")),
    "get_kind_display": _get_kind_display,
}


class TaskForm(ScopedModelForm):
    """Add: a to-do for a person or a pool. Edit: only the wording, priority and due time; the
    assignee changes through transfer / return / reassign."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in TASK_FORM:
                if name not in TASK_EDITABLE and name in self.fields:
                    self.fields[name].disabled = True


def _overdue(qs, name, value):
    from django.utils import timezone

    if value is None:
        return qs
    late = {"status": Task.Status.OPEN, "due_at__lt": timezone.now()}
    return qs.filter(**late) if value else qs.exclude(**late)


NOT_CANCELLED = "not_cancelled"


def _status(qs, name, value):
    if not value:
        return qs
    return qs.exclude(status=Task.Status.CANCELLED) if value == NOT_CANCELLED else qs.filter(status=value)


def _date_range(label):
    return django_filters.DateFromToRangeFilter(
        label=label, widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}))


def _task_filterset(config):
    """The registry's derived FilterSet plus the type from the task type registry, date ranges on
    the creation, due and completion times (created_at_after / created_at_before, due_at_…,
    completed_at_…), "overdue", and a status "not cancelled" (the employee board's due tasks)."""
    from xiuhao.core.filtersets import build_filterset

    attrs = {
        "kind": django_filters.ChoiceFilter(choices=task_type_choices, label=_("task type")),
        "status": django_filters.ChoiceFilter(
            choices=[*Task.Status.choices, (NOT_CANCELLED, _("Not cancelled"))], method=_status, label=_("status")),
        "created_at": _date_range(_("created")),
        "due_at": _date_range(_("due at")),
        "completed_at": _date_range(_("completed at")),
        "overdue": django_filters.BooleanFilter(
            method=_overdue, label=_("Overdue"),
            widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))])),
    }
    return type("TaskFilterSet", (build_filterset(config),), attrs)


def row_moves(user, task):
    """The moves on someone else's task a manager reaches from the task query (urge 催办, reassign,
    cancel), decided without a query per row: the rows are the user's data scope already, so what
    is left of the services' guards is the status, the assignee, the creator and the permissions
    (the move's page and service check everything again)."""
    if task.status not in (Task.Status.POOL, Task.Status.OPEN):
        return []
    moves = []
    if task.status == Task.Status.OPEN and task.assignee_id and task.assignee_id != user.pk:
        moves.append("urge")
    if user.has_perm("tasks.reassign_task"):
        moves.append("reassign")
    if user.is_superuser or task.created_by_id == user.pk or user.has_perm("tasks.change_task"):
        moves.append("cancel")
    return moves


def _task_table(config):
    from django.urls import reverse
    from django.utils.html import format_html, format_html_join

    from xiuhao.core.tables import build_table

    base = build_table(config)
    labels = {m.name: m.label for m in Task.moves.moves.values()}

    def render_kind(self, value):
        return task_type_label(value)

    def render_title(self, value, record):
        # a task opens on its work page: its details, history and the moves the user may make
        return format_html('<a href="{}">{}</a>', reverse("tasks_work", args=[record.pk]), value)

    def render_actions(self, record):
        user = getattr(self, "request", None) and self.request.user
        if not user:
            return "—"
        url = reverse("tasks_work", args=[record.pk])
        moves = format_html_join(" ", '<a href="{}#move-{}" class="{}" data-move="{}">{}</a>',
                                 ((url, m, "text-danger" if m == "cancel" else "", m, labels[m])
                                  for m in row_moves(user, record)))
        edit = self.columns["actions"].column.render(record=record, table=self)
        parts = [p for p in (moves, "" if edit == "—" else edit) if p]
        return format_html_join(" ", "{}", ((p,) for p in parts)) if parts else "—"

    return type("TaskTable", (base,), {"render_kind": render_kind, "render_title": render_title,
                                       "render_actions": render_actions})


def _work_link(request, config, task):
    from django.shortcuts import redirect

    return redirect("tasks_work", pk=task.pk)


def _moves_tab(task, request):
    return {"events": task.events.select_related("actor", "from_user", "to_user")}


@register
class TaskConfig(ModelConfig):
    model = Task
    menu = "tasks"
    menu_order = 40
    menu_label = _("Task query")
    icon = "list-search"
    list_fields = ["title", "kind", "status", "priority", "assignee", "branch", "department", "due_at", "created_at",
                   "completed_at"]
    search_fields = ["title", "subject_repr", "assignee__username", "assignee__display_name"]
    filter_fields = ["status", "kind", "branch", "department", "assignee", "priority"]
    form_fields = TASK_FORM
    detail_fields = ["title", "kind", "status", "priority", "assignee", "description", "subject_repr", "step",
                     "outcome", "due_at", "candidate_role", "candidate_department", "candidate_region",
                     "candidate_skill", "outlet", "branch", "department", "created_by", "created_at",
                     "previous_assignee", "claimed_at", "completed_at", "completed_by", "urge_count"]
    export_fields = [*list_fields, "subject_repr", "outcome", "created_by", "urge_count"]
    select_related = TASK_RELATED
    deletable = False  # a task is cancelled, never deleted: its history stays
    serializer_class = _serializer(Task, TASK_FORM, TASK_STATE, "TaskSerializer", **KIND_DISPLAY)
    value_labels = {"kind": task_type_label}  # the type's label, not its code (detail page, export)
    tabs = [Tab("moves", _("Moves"), "tasks/tabs/moves.html", _moves_tab)]
    actions = [Action("work", _("Open task"), _work_link)]

    @cached_property
    def filterset(self):
        return _task_filterset(self)

    @cached_property
    def table(self):
        return _task_table(self)

    @cached_property
    def form(self):
        return type("TaskForm", (build_form(self), TaskForm), {})

    def page_moves(self):
        # Task.moves are offered by the Task Centre's own pages (the task page with each move's
        # form, the pool) and API (api.py, built from the same declarations), not the registry's.
        return []

    def create(self, *, actor, data):
        return services.generic_task_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        # The edit form sends the assignee and candidates unchanged (disabled); a real change of
        # them is refused by the service: it goes through transfer / return / reassign.
        unchanged = {k for k, v in data.items() if k not in TASK_EDITABLE and getattr(obj, k) == v}
        return services.task_update(actor=actor, task=obj, data={k: v for k, v in data.items() if k not in unchanged})


@register
class TaskEventConfig(ModelConfig):
    model = TaskEvent
    menu = None
    list_fields = ["task", "action", "actor", "from_user", "to_user", "reason", "at"]
    search_fields = ["task__title", "reason"]
    filter_fields = ["action", "task"]
    form_fields = []  # written by the task's moves only
    detail_fields = ["task", "action", "actor", "from_user", "to_user", "reason", "at"]
    select_related = ["task", "actor", "from_user", "to_user"]
    ordering = ["-at", "-pk"]
    deletable = False


class EngineerStateForm(ScopedModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "user" in self.fields:
            self.fields["user"].disabled = True


@register
class EngineerStateConfig(ModelConfig):
    model = EngineerState
    menu = None  # people look at the engineer status board; this is its data
    list_fields = ["user", "state", "since", "task"]
    search_fields = ["user__username", "user__display_name"]
    filter_fields = ["state"]
    form_fields = ["user", "state", "task", "lat", "lng"]
    detail_fields = ["user", "state", "since", "task", "lat", "lng"]
    select_related = ["user", "task"]
    deletable = False
    serializer_class = _serializer(EngineerState, ["user", "state", "task", "lat", "lng"], ["since"],
                                   "EngineerStateSerializer")

    @cached_property
    def form(self):
        return type("EngineerStateForm", (build_form(self), EngineerStateForm), {})

    def create(self, *, actor, data):
        return services.engineer_set_state(actor=actor, user=data.get("user"), state=data.get("state"),
                                           task=data.get("task"), lat=data.get("lat"), lng=data.get("lng"))

    def update(self, *, actor, obj, data):
        return services.engineer_set_state(actor=actor, user=obj.user, state=data.get("state", obj.state),
                                           task=data.get("task", obj.task), lat=data.get("lat", obj.lat),
                                           lng=data.get("lng", obj.lng))


# Tasks grow into the millions: task pickers (e.g. an engineer's current task) search as you type.
registry.choices_search(Task, ["title"])

# -- the shell: menu entries, the phone's tab ------------------------------------------------------------
registry.menu_item("tasks", _("My tasks"), "tasks_my", order=10)
registry.menu_item("tasks", _("Grab tasks"), "tasks_pool", order=12)
registry.menu_item("tasks", _("Employee task board"), "tasks_employee_board", order=50, perm="tasks.view_task_board")
registry.menu_item("tasks", _("Engineer status board"), "tasks_engineer_board", order=60,
                   perm="tasks.view_task_board")
registry.phone_tab(_("Tasks"), "tasks_m_my", icon="checklist", order=10, badge=selectors.open_task_count)
for _code, _label in (("task_assigned", _("New task")), ("task_transferred", _("Task transferred")),
                      ("task_returned", _("Task returned")), ("task_urged", _("Task reminder")),
                      ("task_reassigned", _("Task reassigned")), ("task_cancelled", _("Task cancelled")),
                      ("task_offered", _("Task to grab")), ("task_overdue", _("Task overdue"))):
    registry.message_kind(_code, _label)
