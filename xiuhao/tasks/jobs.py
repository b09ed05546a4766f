"""Background jobs of the tasks: a reminder to the assignee when a task runs past its due time
(once per task and due time, however often the job runs or is retried). The SLA clocks warn and
escalate on their own (xiuhao.sla); this covers every task with a due time, clock or not."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiuhao.core.jobs import once, periodic_job
from xiuhao.core.notify import notify

from .models import Task

LOOK_BACK = datetime.timedelta(days=7)  # tasks overdue longer were reminded then (or never will be)


def remind_overdue(now=None) -> int:
    """Notify the assignee of each open task that is overdue and not yet reminded; returns how many."""
    from .services import task_link

    now = now or timezone.now()
    sent = 0
    rows = (Task.objects.filter(status=Task.Status.OPEN, due_at__lt=now, due_at__gte=now - LOOK_BACK)
            .select_related("assignee").order_by("due_at", "pk"))
    for task in rows.iterator(chunk_size=500):
        with transaction.atomic():
            if not once(f"task-overdue:{task.pk}:{task.due_at.isoformat()}"):
                continue
            notify(recipients=[task.assignee], subject=_("Overdue task: %(title)s") % {"title": task.title},
                   body=_("The task %(title)s was due at %(due)s.")
                   % {"title": task.title, "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
                   url=task_link(task), kind="task_overdue", task_id=task.pk)
            sent += 1
    return sent


@periodic_job("task-overdue-reminders", "Remind assignees of tasks that ran past their due time (once each)",
              minute="*/15")
def remind_overdue_tasks():
    remind_overdue()
