"""The SLA attaches to the Task Centre through its hook: the open clocks timing a task, or the
record it is about, show beside the task on my tasks, the task page and the phone."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from xiuhao.org.tests.factories import UserFactory
from xiuhao.sla.models import ClockKind
from xiuhao.sla.services import clock_start, clock_stop
from xiuhao.tasks import selectors, services
from xiuhao.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_clocks_of_a_task_or_its_record_show_beside_it(client, branch):
    boss, worker = UserFactory(branch=branch), UserFactory(branch=branch)
    timed = services.task_create(actor=boss, kind="task.generic", title="Timed", assignee=worker)
    about = services.task_create(actor=boss, kind="task.generic", title="About a task", assignee=worker)
    services.task_create(actor=boss, kind="task.generic", title="Untimed", assignee=worker)
    Task.objects.filter(pk=about.pk).update(content_type=ContentType.objects.get_for_model(Task),
                                            object_id=str(timed.pk))
    clock = clock_start(actor=boss, target=timed, kind=ClockKind.values[0], minutes=240)
    stopped = clock_start(actor=boss, target=timed, kind=ClockKind.values[1], minutes=240)
    clock_stop(actor=boss, clock=stopped)
    rows = selectors.attach_marks(selectors.my_open_tasks(worker))
    assert {t.title: [(m.name, m.object.pk) for m in t.marks] for t in rows} == {
        "Timed": [("sla", clock.pk)], "About a task": [("sla", clock.pk)], "Untimed": []}
    client.force_login(worker)
    assert client.get(reverse("tasks_my")).content.decode().count('data-testid="sla-badge"') == 2
    page = client.get(reverse("tasks_work", args=[timed.pk])).content.decode()
    assert 'data-testid="sla-marks"' in page and 'data-testid="sla-badge"' in page
    phone = client.get(reverse("tasks_m_work", args=[timed.pk])).content.decode()
    assert phone.count('data-testid="sla-mark"') == 1 and clock.get_kind_display() in phone
