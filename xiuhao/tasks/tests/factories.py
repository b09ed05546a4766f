import factory

from xiuhao.org.tests.factories import UserFactory
from xiuhao.tasks.models import EngineerState, Task, TaskEvent


class TaskFactory(factory.django.DjangoModelFactory):
    """An open to-do of a fresh user (pass status=Task.Status.POOL, assignee=None for a pool task)."""

    class Meta:
        model = Task

    kind = "task.generic"
    title = factory.Sequence(lambda n: f"任务{n}")
    assignee = factory.SubFactory(UserFactory)
    status = Task.Status.OPEN


class TaskEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskEvent

    task = factory.SubFactory(TaskFactory)
    action = TaskEvent.Action.CREATED


class EngineerStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngineerState

    user = factory.SubFactory(UserFactory)
    state = EngineerState.State.IDLE
