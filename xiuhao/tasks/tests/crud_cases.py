"""CRUD/data-scope cases of the task models (core/tests harness)."""

from xiuhao.core.testing import crud_case
from xiuhao.org.tests.factories import UserFactory
from xiuhao.tasks.models import EngineerState, Task, TaskEvent


def task_in(branch, outlet, **kwargs):
    """An open to-do of a user of `branch`, belonging to `outlet` if given (an outlet's task)."""
    kwargs.setdefault("assignee", UserFactory(branch=branch))
    return Task.objects.create(kind="task.generic", title="回访客户", status=Task.Status.OPEN, branch=branch,
                               outlet=outlet, **kwargs)


def state_in(branch, outlet):
    user = UserFactory(branch=branch, kind="outlet" if outlet else "staff", outlet=outlet)
    return EngineerState.objects.create(user=user, state=EngineerState.State.IDLE)


crud_case("tasks.task", make=task_in,
          data=lambda b: {"title": "准备季度巡检计划", "assignee": UserFactory(branch=b), "priority": 3},
          update={"title": "准备年度巡检计划"})
crud_case("tasks.taskevent",
          make=lambda b, o: TaskEvent.objects.create(task=task_in(b, o), action=TaskEvent.Action.CREATED),
          data=lambda b: {})
crud_case("tasks.engineerstate", make=state_in,
          data=lambda b: {"user": UserFactory(branch=b), "state": "travelling"},
          update={"state": "on_site"})
