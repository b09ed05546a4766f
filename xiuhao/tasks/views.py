"""Pages of the Task Centre: my tasks 我的任务 (refreshing itself), the grab pool 抢任务, a task's page
with its form and moves, the employee task board and the engineer status board; the phone pages
(WeUI) under /m/tasks/. Every page reads through selectors (scoped) and writes through services."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xiuhao.core.errors import ServiceError

from . import forms, selectors, services
from .models import EngineerState, Task
from .types import get_task_type, json_safe, task_type_label


# -- helpers ------------------------------------------------------------------------------------------
def _crumbs(*items):
    return [(_("Task centre"), None), *items]


def _kind_tabs(user, active):
    counts = selectors.counts_by_kind(selectors.my_open_tasks(user))
    tabs = [{"kind": "", "label": _("All"), "count": sum(counts.values()), "active": not active}]
    for kind, n in sorted(counts.items(), key=lambda kv: task_type_label(kv[0])):
        tabs.append({"kind": kind, "label": task_type_label(kind), "count": n, "active": kind == active})
    return tabs


def _task_or_404(request, pk):
    task = selectors.task_for_page(request.user, pk)
    if task is None:
        raise Http404
    return task


def _type_form(task, data=None, outcome=""):
    """The task type's form on the page; bound with the outcome button pressed, it checks what the
    service checks again (types.TaskType.clean_data), so the errors show next to the fields."""
    task_type = get_task_type(task.kind)
    if task_type is None:
        return None
    return task_type.bind_form(data, outcome=outcome, initial=task.data or None, prefix="f")


def work_context(request, task, bound=None):
    """Everything the task page shows: details, the type's form, outcome buttons, the moves the
    user may make (with their forms, bound after a refused POST) and the history."""
    user = request.user
    bound = bound or {}
    allowed = {m.name for m in Task.moves.available(user, task)}  # the services' own checks decide
    mine = "complete" in allowed
    task_type = get_task_type(task.kind)
    selectors.attach_marks([task])
    context = {
        "task": task,
        "task_type_label": task_type_label(task.kind),
        "mine": mine,
        "overdue": selectors.is_overdue(task),
        "outcomes": task_type.outcomes if task_type else [],
        "type_template": task_type.template if task_type else None,
        "type_form": bound.get("complete") if "complete" in bound else (_type_form(task) if mine else None),
        "can_claim": "claim" in allowed,
        "events": task.events.select_related("actor", "from_user", "to_user"),
        "subject_url": task.url,
    }
    for move, (form_class, kwargs) in _move_forms(user).items():
        if move in allowed:
            context[f"{move}_form"] = bound.get(move) or form_class(prefix=move, **kwargs)
    return context


def _move_forms(user):
    """The form of each move that asks for input (complete has the task type's form)."""
    return {
        "transfer": (forms.TransferForm, {"user": user}),
        "return": (forms.ReasonForm, {}),
        "urge": (forms.UrgeForm, {}),
        "reassign": (forms.ReassignForm, {"user": user}),
        "cancel": (forms.CancelForm, {}),
    }


# -- my tasks / the pool ------------------------------------------------------------------------------------
@login_required
def my_tasks(request):
    kind = request.GET.get("kind", "")
    rows = selectors.my_open_tasks(request.user)
    if kind:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page, "tasks": selectors.attach_marks(page.object_list), "tabs": _kind_tabs(request.user, kind),
        "kind": kind,
        "pool_count": selectors.pool_for(request.user).count(), "now": timezone.now(),
        "can_add": request.user.has_perm("tasks.add_task"),
        "breadcrumbs": _crumbs((_("My tasks"), None)),
    }
    template = "tasks/my_tasks.html"
    if request.htmx and request.htmx.target == "my-tasks":
        template += "#list"
    return TemplateResponse(request, template, context)


@login_required
def pool(request):
    rows = selectors.pool_for(request.user).order_by("-priority", "due_at", "created_at")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "tasks/pool.html", {
        "page": page, "tasks": page.object_list, "now": timezone.now(),
        "breadcrumbs": _crumbs((_("Grab tasks"), None))})


@login_required
def work(request, pk):
    task = _task_or_404(request, pk)
    context = work_context(request, task)
    context["breadcrumbs"] = _crumbs((_("My tasks"), reverse("tasks_my")), (str(task), None))
    return TemplateResponse(request, "tasks/work.html", context)


def _run_move(request, task, move):
    """Validate the move's form and call its service (Task.moves). Returns (ok, bound forms to show
    again)."""
    user, post = request.user, request.POST
    if move == "complete":
        outcome = post.get("outcome", "")
        type_form = _type_form(task, post, outcome)
        if type_form is not None and not type_form.is_valid():
            return False, {"complete": type_form}
        data = json_safe(type_form.cleaned_data) if type_form is not None else None
        Task.moves.perform(move, actor=user, obj=task, data={"data": data, "outcome": outcome})
        return True, {}
    if move not in _move_forms(user):  # claim asks nothing
        Task.moves.perform(move, actor=user, obj=task)
        return True, {}
    form_class, kwargs = _move_forms(user)[move]
    form = form_class(post, prefix=move, **kwargs)
    if not form.is_valid():
        return False, {move: form}
    try:
        Task.moves.perform(move, actor=user, obj=task, data=form.cleaned_data)
    except ServiceError as exc:
        if not exc.fields:
            raise
        for name, errors in exc.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        return False, {move: form}
    return True, {}


DONE_MESSAGES = {
    "claim": gettext_lazy("You claimed the task."), "complete": gettext_lazy("The task is completed."),
    "transfer": gettext_lazy("The task was transferred."), "return": gettext_lazy("The task was returned."),
    "urge": gettext_lazy("The assignee was reminded."), "reassign": gettext_lazy("The task was reassigned."),
    "cancel": gettext_lazy("The task was cancelled."),
}


@login_required
@require_POST
def move(request, pk, move):
    """POST a move of a task from its page (desktop or phone, `?m=1`)."""
    if move not in Task.moves.moves:
        raise Http404
    mobile = request.GET.get("m") == "1"
    if move == "claim":  # a claimant who just lost may no longer see the task, but hears who won
        task = selectors.claim_target(request.user, pk)
        if task is None:
            raise Http404
    else:
        task = _task_or_404(request, pk)
    work_url = reverse("tasks_m_work" if mobile else "tasks_work", args=[task.pk])
    back = reverse("tasks_m_pool" if mobile else "tasks_pool") if move == "claim" else work_url
    try:
        ok, bound = _run_move(request, task, move)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    if not ok:
        context = work_context(request, task, bound)
        context["breadcrumbs"] = _crumbs((_("My tasks"), reverse("tasks_my")), (str(task), None))
        context["open_move"] = move
        if mobile:
            context.update(page_title=str(task), back_url=reverse("tasks_m_my"))
            response = _mobile(request, "tasks/m_work.html", context)
        else:
            response = TemplateResponse(request, "tasks/work.html", context)
        response.status_code = 400
        return response
    messages.success(request, DONE_MESSAGES[move])
    if move in ("complete", "transfer", "return"):
        return redirect("tasks_m_my" if mobile else "tasks_my")
    return redirect(work_url)


# -- boards ------------------------------------------------------------------------------------------------
def _query_url(**params):
    return reverse("tasks_task_list") + "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _employees(user, form):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    qs = User.objects.visible_to(user).filter(is_active=True, kind=User.Kind.STAFF).select_related(
        "branch", "department")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("branch"):
            qs = qs.filter(branch=data["branch"])
        if data.get("department"):
            from xiuhao.org.models import Department

            qs = qs.filter(department__in=Department.objects.filter(path__startswith=data["department"].path))
        if data.get("employee"):
            text = data["employee"].strip()
            qs = qs.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    return qs.order_by("branch__code", "department__path", "username")


@login_required
@permission_required("tasks.view_task_board", raise_exception=True)
def employee_board(request):
    """员工任务看板: employees in scope × the days of a week; per cell the employee's tasks due that
    day, completed that day and overdue (due that day, open past due), each a link to the task query
    listing exactly those rows."""
    form = forms.BoardFilterForm(request.GET or None, user=request.user)
    start = form.start()
    days = selectors.week_days(start)
    page = Paginator(_employees(request.user, form), 30).get_page(request.GET.get("page"))
    kind = form.cleaned_data.get("kind") if form.is_valid() else ""
    cells = selectors.employee_board(user=request.user, employees=list(page.object_list), start=start,
                                     filters={"kind": kind} if kind else None)
    rows = []
    for person in page.object_list:
        row = []
        for day in days:
            counts = cells.get((person.pk, day), {"due": 0, "done": 0, "overdue": 0})
            links = {name: _query_url(**params, kind=kind)
                     for name, params in selectors.cell_filters(person.pk, day).items()}
            row.append({"counts": counts, "links": links})
        rows.append({"person": person, "cells": row})
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "days": days, "rows": rows, "page": page, "today": timezone.localdate(),
        "prev_week": (start - datetime.timedelta(days=7)).isoformat(),
        "next_week": (start + datetime.timedelta(days=7)).isoformat(),
        "query_without_week": urlencode([(k, v) for k, v in request.GET.items() if k not in ("week", "page")]),
        "breadcrumbs": _crumbs((_("Employee task board"), None)),
    }
    return TemplateResponse(request, "tasks/employee_board.html", context)


@login_required
@permission_required("tasks.view_task_board", raise_exception=True)
def engineer_board(request):
    """工程师状态看板: engineers in scope with their state, since when, the current task and their
    open task count; a name leads to that person's tasks."""
    from xiuhao.org.models import Engineer, Status

    form = forms.BoardFilterForm(request.GET or None, user=request.user)
    engineers = Engineer.objects.visible_to(request.user).filter(status=Status.ACTIVE, user__is_active=True)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("branch"):
            engineers = engineers.filter(user__branch=data["branch"])
        if data.get("department"):
            engineers = engineers.filter(user__department__path__startswith=data["department"].path)
        if data.get("employee"):
            text = data["employee"].strip()
            engineers = engineers.filter(Q(user__username__icontains=text) | Q(user__display_name__icontains=text))
    page = Paginator(engineers.order_by("user__username"), 60).get_page(request.GET.get("page"))
    pairs = selectors.engineer_states(request.user, Engineer.objects.filter(pk__in=[e.pk for e in page]))
    open_counts = dict(Task.objects.filter(assignee__in=[e.user_id for e, _s in pairs], status=Task.Status.OPEN)
                       .order_by().values_list("assignee").annotate(n=Count("pk")).values_list("assignee", "n"))
    cards = []
    for engineer, state in pairs:
        code = state.state if state else EngineerState.State.OFF_DUTY
        cards.append({
            "engineer": engineer, "state": state, "code": code, "label": EngineerState.State(code).label,
            "open": open_counts.get(engineer.user_id, 0),
            "tasks_url": _query_url(assignee=engineer.user_id, status="open"),
        })
    totals = {code: sum(1 for c in cards if c["code"] == code) for code in EngineerState.State.values}
    legend = [{"code": code, "label": label, "count": totals[code]} for code, label in EngineerState.State.choices]
    return TemplateResponse(request, "tasks/engineer_board.html", {
        "form": form, "cards": cards, "legend": legend, "page": page,
        "breadcrumbs": _crumbs((_("Engineer status board"), None))})


# -- the phone ----------------------------------------------------------------------------------------------
WEUI_FORMS = ("type_form", "transfer_form", "return_form", "urge_form", "form")


def _weui(form):
    """WeUI's classes on a form's inputs (the forms carry Tabler's by default)."""
    from django import forms as django_forms

    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, django_forms.Select):
            widget.attrs["class"] = "weui-select"
        elif not isinstance(widget, django_forms.CheckboxInput | django_forms.RadioSelect):
            widget.attrs["class"] = "weui-input"
    return form


def _mobile(request, template, context):
    from xiuhao.core.pages import mobile_tabs

    context.setdefault("mobile_tabs", mobile_tabs(request))
    for name in WEUI_FORMS:
        if context.get(name) is not None:
            _weui(context[name])
    return TemplateResponse(request, template, context)


@login_required
def m_my(request):
    kind = request.GET.get("kind", "")
    rows = selectors.my_open_tasks(request.user)
    if kind:
        rows = rows.filter(kind=kind)
    context = {"tasks": selectors.attach_marks(rows[:100]), "tabs": _kind_tabs(request.user, kind), "kind": kind,
               "now": timezone.now(),
               "pool_count": selectors.pool_for(request.user).count(), "page_title": _("My tasks")}
    if request.htmx and request.htmx.target == "m-my-tasks":
        return TemplateResponse(request, "tasks/m_my.html#list", context)
    return _mobile(request, "tasks/m_my.html", context)


@login_required
def m_pool(request):
    rows = selectors.pool_for(request.user).order_by("-priority", "due_at", "created_at")[:100]
    return _mobile(request, "tasks/m_pool.html", {"tasks": rows, "now": timezone.now(),
                                                  "page_title": _("Grab tasks"), "back_url": reverse("tasks_m_my")})


@login_required
def m_work(request, pk):
    task = _task_or_404(request, pk)
    context = work_context(request, task)
    context.update(page_title=str(task), back_url=reverse("tasks_m_my"))
    return _mobile(request, "tasks/m_work.html", context)


@login_required
def m_state(request):
    """The engineer sets their state: idle / travelling / on site / off duty, with the current task."""
    current = EngineerState.objects.filter(user=request.user).select_related("task").first()
    initial = {"state": current.state, "task": current.task_id} if current else {"state": EngineerState.State.IDLE}
    form = forms.EngineerStateForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.engineer_set_state(actor=request.user, user=request.user, state=data["state"],
                                            task=data["task"], lat=data["lat"], lng=data["lng"])
                messages.success(request, _("Your state was saved."))
                return redirect("tasks_m_state")
            except ServiceError as exc:
                from xiuhao.core.views import apply_service_error

                apply_service_error(request, exc, form)
        status = 400
    response = _mobile(request, "tasks/m_state.html", {"form": form, "current": current,
                                                       "page_title": _("My state"),
                                                       "back_url": reverse("tasks_m_my")})
    response.status_code = status
    return response
