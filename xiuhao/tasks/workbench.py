"""The Task Centre's cards on the start page 工作台: my tasks, tasks I may grab, and — for those who
watch the boards — the overdue tasks of other people in their scope. Each card runs a count and
one query for its first rows, whatever the number of tasks."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.registry import registry
from xiuhao.core.workbench import ITEMS_PER_CARD, Card, Item

from . import selectors
from .models import Task
from .types import task_type_label


def _when(moment):
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def _item(task, *, phone, now, who=False):
    url = reverse("tasks_m_work" if phone else "tasks_work", args=[task.pk])
    late = selectors.is_overdue(task, now)
    meta = [task_type_label(task.kind)]
    if who and task.assignee_id:
        meta.append(str(task.assignee))
    if task.due_at and not late:
        meta.append(_("due %(when)s") % {"when": _when(task.due_at)})
    return Item(text=task.title, url=url, meta=" · ".join(str(m) for m in meta if m),
                badge=_("Overdue") if late else "", tone="danger" if late else "")


def my_tasks_card(user, phone=False):
    now = timezone.now()
    rows = selectors.my_open_tasks(user)
    count = rows.count()
    late = rows.filter(due_at__lt=now).count() if count else 0
    items = [_item(t, phone=phone, now=now) for t in rows[:ITEMS_PER_CARD]] if count else []
    return Card(count=count, items=items, tone="danger" if late else "blue",
                more_url=reverse("tasks_m_my" if phone else "tasks_my"), empty=_("No open tasks."))


def pool_card(user, phone=False):
    now = timezone.now()
    rows = selectors.pool_for(user).order_by("-priority", "due_at", "created_at")
    count = rows.count()
    items = [_item(t, phone=phone, now=now) for t in rows[:ITEMS_PER_CARD]] if count else []
    return Card(count=count, items=items, tone="orange",
                more_url=reverse("tasks_m_pool" if phone else "tasks_pool"), empty=_("Nothing to grab."))


def overdue_in_scope_card(user, phone=False):
    """Open tasks of other people within the user's data scope whose due time has passed."""
    from .views import _query_url

    now = timezone.now()
    rows = (Task.objects.visible_to(user).filter(status=Task.Status.OPEN, due_at__lt=now)
            .exclude(assignee=user).select_related("assignee").order_by("due_at", "pk"))
    count = rows.count()
    items = [_item(t, phone=phone, now=now, who=True) for t in rows[:ITEMS_PER_CARD]] if count else []
    return Card(count=count, items=items, tone="danger", more_url=_query_url(status="open", overdue="true"),
                empty=_("No overdue tasks."))


registry.workbench_card("my_tasks", gettext_lazy("My tasks"), my_tasks_card, order=10, phone=True)
registry.workbench_card("task_pool", gettext_lazy("Tasks to grab"), pool_card, order=12, phone=True)
registry.workbench_card("overdue_tasks", gettext_lazy("Overdue tasks in my area"), overdue_in_scope_card,
                        order=20, perm="tasks.view_task_board")
registry.quick_action(gettext_lazy("New task"), "tasks_task_add", perm="tasks.add_task", order=90)
