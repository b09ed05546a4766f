"""The engine round trip: start → tasks appear → complete → next tasks → end."""

import pytest

from xiuhao.core.errors import Conflict, NotFound
from xiuhao.core.models import AuditEvent
from xiuhao.tasks.models import Task
from xiuhao.tasks.services import task_claim, task_complete
from xiuhao.workflow import engine
from xiuhao.workflow.models import ProcessDefinition, ProcessInstance
from xiuhao.workflow.services import process_start

pytestmark = pytest.mark.django_db


def open_tasks(instance):
    return list(Task.objects.filter(process_instance=instance, status__in=Task.ACTIVE).order_by("pk"))


def test_the_shipped_processes_are_loaded_after_migrate():
    definition = ProcessDefinition.objects.get(key="announcement_approval", is_current=True)
    assert definition.source.endswith("announcement_approval.bpmn")
    assert definition.version >= 1


def test_a_started_process_gives_its_first_user_task_to_the_assignee(processes, clerk):
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 50, "approver_role": "x"},
                             title="Report 1")
    assert instance.status == ProcessInstance.Status.RUNNING
    assert instance.branch_id == clerk.branch_id and instance.created_by == clerk
    [task] = open_tasks(instance)
    assert task.kind == "task.generic" and task.assignee == clerk and task.status == Task.Status.OPEN
    assert task.step == "fill" and task.title == "Fill in the report: Report 1"
    assert AuditEvent.objects.filter(object_id=str(instance.pk), verb="process_start").exists()


def test_a_step_title_is_made_in_the_language_of_the_user_who_moved_the_process(processes, clerk):
    from django.utils import translation

    with translation.override("zh-hans"):
        instance = process_start(actor=clerk, key="wf_test_review",
                                 variables={"amount": 50, "approver_role": "x"}, title="Report 2")
    [task] = open_tasks(instance)
    assert task.title == "Fill in the report：Report 2"  # Chinese punctuation; the step name is the file's


def test_completing_a_task_runs_the_gateway_and_offers_the_next_task_to_the_pool(processes, clerk, approver_role):
    instance = process_start(actor=clerk, key="wf_test_review",
                             variables={"amount": 5000, "approver_role": approver_role.code})
    [fill] = open_tasks(instance)
    task_complete(actor=clerk, task=fill, data={"note": "done"}, outcome="")
    [approve] = open_tasks(instance)
    assert approve.step == "approve" and approve.status == Task.Status.POOL
    assert approve.candidate_role == approver_role and approve.due_at is not None
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    assert engine.step_states(engine.load(engine.spec_for(instance.definition_id), instance.state)) == {
        "start": "done", "fill": "done", "check": "done", "approve": "current"}
    approver = clerk.__class__.objects.create(username="boss", branch=clerk.branch)
    approver.roles.add(approver_role)
    task_claim(actor=approver, task=approve)
    task_complete(actor=approver, task=approve, outcome="")
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED and instance.ended_at is not None
    assert open_tasks(instance) == []
    assert instance.next_timer_at is None


def test_the_gateway_takes_the_default_way_for_a_small_amount(processes, clerk):
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    [fill] = open_tasks(instance)
    task_complete(actor=clerk, task=fill)
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    states = engine.step_states(engine.load(engine.spec_for(instance.definition_id), instance.state))
    assert states["end_small"] == "done" and "approve" not in states


def normalized(state):
    """PostgreSQL's jsonb keeps no key order, so a delta's list of deleted keys may come back in
    another order: compare them as sets."""
    tasks = {task_id: {**task, "delta": {**task["delta"], "deletions": sorted(task["delta"]["deletions"])}}
             if task.get("delta") else task for task_id, task in state["tasks"].items()}
    return {**state, "tasks": tasks}


def test_the_state_survives_a_restart(processes, clerk, approver_role, restart):
    instance = process_start(actor=clerk, key="wf_test_review",
                             variables={"amount": 5000, "approver_role": approver_role.code})
    stored = ProcessInstance.objects.get(pk=instance.pk).state
    assert "spec" not in stored and stored["serializer_version"]
    restart()
    parsed = engine.spec_for(instance.definition_id)
    workflow = engine.load(parsed, stored)
    assert normalized(engine.dump(workflow)) == normalized(stored)  # the round trip loses nothing
    [fill] = open_tasks(instance)
    restart()
    task_complete(actor=clerk, task=fill)
    assert [t.step for t in open_tasks(instance)] == ["approve"]


def test_a_task_completed_twice_moves_the_process_once(processes, clerk):
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    [fill] = open_tasks(instance)
    task_complete(actor=clerk, task=fill)
    with pytest.raises(Conflict):
        task_complete(actor=clerk, task=fill)


def test_an_unknown_process_is_refused(clerk):
    with pytest.raises(NotFound):
        process_start(actor=clerk, key="no_such_process")


def test_variables_that_are_not_json_are_refused(processes, clerk):
    from xiuhao.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        process_start(actor=clerk, key="wf_test_review", variables={"when": object()})
    assert not ProcessInstance.objects.exists()


def test_parallel_branches_give_two_tasks_and_the_join_waits_for_both(processes, clerk):
    instance = process_start(actor=clerk, key="wf_test_parallel")
    parts, price = open_tasks(instance)
    assert {parts.step, price.step} == {"check_parts", "check_price"}
    task_complete(actor=clerk, task=price, data={"price_ok": True})
    assert open_tasks(instance) == [parts]  # the other branch's task is kept, not cancelled
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    task_complete(actor=clerk, task=parts, data={"parts_ok": True})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    variables = engine.variables(engine.load(engine.spec_for(instance.definition_id), instance.state))
    assert variables["price_ok"] and variables["parts_ok"]


def test_a_branch_user_sees_only_the_instances_of_their_branch(client, processes, clerk):
    from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

    mine = process_start(actor=clerk, key="wf_test_parallel")
    stranger = UserFactory(branch=BranchFactory())
    theirs = process_start(actor=stranger, key="wf_test_parallel")
    viewer = UserFactory(branch=clerk.branch)
    grant(viewer, "workflow.view_processinstance", data_scope="branch")
    client.force_login(viewer)
    listed = [row["id"] for row in client.get("/api/v1/workflow/processinstance/").json()["results"]]
    assert listed == [mine.pk]
    assert client.get(f"/api/v1/workflow/processinstance/{theirs.pk}/diagram/").status_code == 404
    assert client.get(f"/workflow/processinstance/{theirs.pk}/?tab=diagram").status_code == 404
    assert client.get(f"/api/v1/workflow/processinstance/{mine.pk}/diagram/").status_code == 200


def test_a_cached_spec_is_not_used_for_other_xml_under_the_same_id(processes, clerk):
    """A database restored under a running server: the id now names another file."""
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    stale = engine.spec_for(instance.definition_id)
    definition = instance.definition
    xml = definition.bpmn_xml.replace("Fill in the report", "Write the report")
    ProcessDefinition.objects.filter(pk=definition.pk).update(bpmn_xml=xml, checksum=engine.checksum(xml.encode()))
    fresh = engine.spec_for(definition.pk, engine.checksum(xml.encode()))
    assert fresh is not stale and fresh.steps["fill"].name == "Write the report"
