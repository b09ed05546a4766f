"""Service handlers failing and retried, timers firing from the job, cancelling."""

import pytest

from xiuhao.core.errors import Conflict, PermissionDenied, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.org.tests.factories import user_with
from xiuhao.tasks.models import Task
from xiuhao.tasks.services import task_complete
from xiuhao.workflow import engine
from xiuhao.workflow.handlers import service_handler
from xiuhao.workflow.jobs import fire_process_timers
from xiuhao.workflow.models import ProcessInstance
from xiuhao.workflow.services import process_cancel, process_retry, process_start

pytestmark = pytest.mark.django_db
Status = ProcessInstance.Status
CALLS = []
BROKEN = {"yes": True}


@service_handler("test.flaky")
def flaky(instance, variables):
    # Writes first, then fails: the write must be rolled back with the step.
    AuditEvent.objects.create(action="action", verb="flaky-was-here")
    CALLS.append(instance.pk)
    if BROKEN["yes"]:
        raise ValueError("the ERP did not answer")
    return {**variables, "erp_number": "ERP-1"}


def open_tasks(instance):
    return list(Task.objects.filter(process_instance=instance, status__in=Task.ACTIVE).order_by("pk"))


@pytest.fixture
def admin(branch):
    return user_with("workflow.view_processinstance", "workflow.change_processinstance", data_scope="branch",
                     branch=branch)


def test_a_failing_handler_puts_the_instance_in_error_and_a_retry_moves_it_on(processes, clerk, admin):
    BROKEN["yes"] = True
    instance = process_start(actor=clerk, key="wf_test_service")
    [first] = open_tasks(instance)
    task_complete(actor=clerk, task=first, data={"note": "ok"})
    instance.refresh_from_db()
    assert instance.status == Status.ERROR and "the ERP did not answer" in instance.error
    first.refresh_from_db()
    assert first.status == Task.Status.DONE  # the person's work is kept
    assert not AuditEvent.objects.filter(verb="flaky-was-here").exists()  # the handler's write is not
    assert open_tasks(instance) == []
    assert AuditEvent.objects.filter(object_id=str(instance.pk), verb="process_error").exists()

    again = process_retry(actor=admin, instance=instance)  # still failing: nothing else moves
    assert again.status == Status.ERROR and open_tasks(instance) == []
    assert not AuditEvent.objects.filter(verb="flaky-was-here").exists()

    BROKEN["yes"] = False
    process_retry(actor=admin, instance=instance)
    instance.refresh_from_db()
    assert instance.status == Status.RUNNING and instance.error == ""
    [second] = open_tasks(instance)
    assert second.step == "second"
    view = engine.variables(engine.load(engine.spec_for(instance.definition_id), instance.state))
    assert view["erp_number"] == "ERP-1" and view["note"] == "ok"
    with pytest.raises(Conflict):
        process_retry(actor=admin, instance=instance)


def test_a_retry_needs_the_permission(processes, clerk):
    BROKEN["yes"] = True
    instance = process_start(actor=clerk, key="wf_test_service")
    task_complete(actor=clerk, task=open_tasks(instance)[0])
    with pytest.raises(PermissionDenied):
        process_retry(actor=clerk, instance=instance)


def test_timers_fire_from_the_job_when_their_time_has_come(processes, clerk, clock):
    instance = process_start(actor=clerk, key="wf_test_timer")
    assert open_tasks(instance) == []  # waiting an hour first
    assert instance.next_timer_at is not None
    fire_process_timers.call_local()
    assert open_tasks(instance) == []
    clock.forward(minutes=61)
    fire_process_timers.call_local()
    [answer] = open_tasks(instance)
    assert answer.step == "answer"
    instance.refresh_from_db()
    assert instance.next_timer_at is not None  # the boundary timer of the answer
    clock.forward(hours=3)
    fire_process_timers.call_local()
    assert [t.step for t in open_tasks(instance)] == ["answer"]
    clock.forward(hours=1, minutes=5)
    fire_process_timers.call_local()
    answer.refresh_from_db()
    assert answer.status == Task.Status.CANCELLED  # the boundary timer took the task away
    assert [t.step for t in open_tasks(instance)] == ["escalate"]
    task_complete(actor=clerk, task=open_tasks(instance)[0])
    instance.refresh_from_db()
    assert instance.status == Status.COMPLETED
    states = engine.step_states(engine.load(engine.spec_for(instance.definition_id), instance.state))
    assert states["too_late"] == "done" and states["end_escalated"] == "done"


def test_the_timer_job_reads_only_instances_that_are_due(processes, clerk, django_assert_max_num_queries):
    process_start(actor=clerk, key="wf_test_timer")
    with django_assert_max_num_queries(1):
        fire_process_timers.call_local()


def test_a_cancelled_process_cancels_its_open_tasks(processes, clerk, admin):
    instance = process_start(actor=clerk, key="wf_test_service")
    [first] = open_tasks(instance)
    with pytest.raises(ValidationFailed):
        process_cancel(actor=admin, instance=instance, reason=" ")
    process_cancel(actor=admin, instance=instance, reason="Customer withdrew")
    instance.refresh_from_db()
    first.refresh_from_db()
    assert instance.status == Status.CANCELLED and instance.ended_at
    assert first.status == Task.Status.CANCELLED
    with pytest.raises(Conflict):
        process_cancel(actor=admin, instance=instance, reason="again")
    event = AuditEvent.objects.get(object_id=str(instance.pk), verb="process_cancel")
    assert event.actor == admin and event.message == "Customer withdrew"


def test_completing_a_task_of_a_stopped_process_is_refused_and_the_task_stays_open(processes, clerk):
    """The workflow app moves the process on through the Task Centre's completion hook, in the same
    transaction: a refusal there rolls the completion back, with its code."""
    instance = process_start(actor=clerk, key="wf_test_parallel")
    first = open_tasks(instance)[0]
    ProcessInstance.objects.filter(pk=instance.pk).update(status=Status.ERROR)
    with pytest.raises(Conflict) as refused:
        task_complete(actor=clerk, task=first)
    assert refused.value.code == "process_not_running"
    first.refresh_from_db()
    assert first.status == Task.Status.OPEN and first.events.filter(action="completed").count() == 0
