"""An instance whose stored engine state cannot be read (empty — a row not made by process_start —,
damaged, or written for another definition or engine version): it can still be cancelled, which is
the way out; every other move is refused with a coded error; nothing answers with a server error.
(The Task Centre's API fuzzing met a 500 cancelling such an instance.)"""

import pytest
from django.utils import timezone

from xiuhao.core.errors import Conflict
from xiuhao.core.models import AuditEvent
from xiuhao.org.tests.factories import user_with
from xiuhao.tasks.models import Task
from xiuhao.tasks.services import task_complete
from xiuhao.workflow import engine
from xiuhao.workflow.jobs import fire_process_timers
from xiuhao.workflow.models import ProcessDefinition, ProcessInstance
from xiuhao.workflow.services import process_start

pytestmark = pytest.mark.django_db
Status = ProcessInstance.Status
API = "/api/v1/workflow/processinstance"
DAMAGED = {"typename": "BpmnWorkflow", "tasks": "not a task tree", "root": "?"}


@pytest.fixture
def admin(branch):
    return user_with("workflow.view_processinstance", "workflow.change_processinstance", data_scope="branch",
                     branch=branch)


def started_with_state(clerk, state, **values):
    """A running instance of the review process with its open task, its state then replaced."""
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 5, "approver_role": "x"})
    ProcessInstance.objects.filter(pk=instance.pk).update(state=state, **values)
    instance.refresh_from_db()
    return instance


def open_tasks(instance):
    return list(Task.objects.filter(process_instance=instance, status__in=Task.ACTIVE))


@pytest.mark.parametrize("state", [{}, DAMAGED], ids=["empty", "damaged"])
def test_loading_an_unreadable_state_raises_its_own_error(processes, state):
    parsed = engine.spec_for(ProcessDefinition.objects.get(key="wf_test_review", is_current=True).pk)
    with pytest.raises(engine.StateUnreadable):
        engine.load(parsed, state)


@pytest.mark.parametrize("state", [{}, DAMAGED], ids=["empty", "damaged"])
def test_an_instance_whose_state_cannot_be_read_is_still_cancelled(client, processes, clerk, admin, state):
    instance = started_with_state(clerk, state)
    [task] = open_tasks(instance)
    client.force_login(admin)
    response = client.post(f"{API}/{instance.pk}/cancel/", {"reason": "Stuck since the upgrade"},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    instance.refresh_from_db()
    assert instance.status == Status.CANCELLED and instance.ended_at and instance.next_timer_at is None
    assert instance.state == state  # kept as it was, for whoever looks into it
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
    event = AuditEvent.objects.get(object_id=str(instance.pk), verb="process_cancel")
    assert event.actor == admin and event.changes == {"status": ["running", "cancelled"]}


def test_an_instance_made_without_the_engine_is_cancelled_too(client, processes, branch, admin):
    """What the CRUD cases make: a bare row, state {} (the fuzzing's case)."""
    definition = ProcessDefinition.objects.get(key="wf_test_review", is_current=True)
    instance = ProcessInstance.objects.create(definition=definition, branch=branch, title="bare")
    client.force_login(admin)
    response = client.post(f"{API}/{instance.pk}/cancel/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_a_retry_of_an_unreadable_instance_is_refused_with_a_code(client, processes, clerk, admin):
    instance = started_with_state(clerk, DAMAGED, status=Status.ERROR, error="the ERP did not answer")
    client.force_login(admin)
    response = client.post(f"{API}/{instance.pk}/retry/", {}, content_type="application/json")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "process_state_unreadable" and "can only be cancelled" in error["message"]
    instance.refresh_from_db()
    assert instance.status == Status.ERROR and instance.state == DAMAGED


def test_completing_a_task_of_an_unreadable_instance_is_refused_and_the_task_stays_open(processes, clerk):
    instance = started_with_state(clerk, DAMAGED)
    [task] = open_tasks(instance)
    with pytest.raises(Conflict) as refused:
        task_complete(actor=clerk, task=task, data={"note": "done"})
    assert refused.value.code == "process_state_unreadable"
    task.refresh_from_db()
    assert task.status in Task.ACTIVE


def test_a_due_timer_of_an_unreadable_instance_puts_it_in_error_once(processes, clerk):
    instance = started_with_state(clerk, DAMAGED, next_timer_at=timezone.now())
    fire_process_timers.call_local()
    instance.refresh_from_db()
    assert instance.status == Status.ERROR and "cannot be read" in instance.error
    assert instance.next_timer_at is None  # not tried again every minute
    assert AuditEvent.objects.filter(object_id=str(instance.pk), verb="process_error").count() == 1
    fire_process_timers.call_local()
    assert AuditEvent.objects.filter(object_id=str(instance.pk), verb="process_error").count() == 1


def test_the_diagram_of_an_unreadable_instance_shows_the_model_without_step_states(client, processes, clerk, admin):
    instance = started_with_state(clerk, DAMAGED)
    client.force_login(admin)
    response = client.get(f"{API}/{instance.pk}/diagram/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "wf_test_review" in body["xml"] and body["states"] == {} and body["variables"] == {}

