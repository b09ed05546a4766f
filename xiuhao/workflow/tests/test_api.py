"""API: start an instance, upload a definition, the diagram with step states and history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xiuhao.org.tests.factories import BranchFactory, user_with
from xiuhao.tasks.models import Task
from xiuhao.workflow.models import ProcessDefinition, ProcessInstance

from .conftest import TEST_PROCESSES

pytestmark = pytest.mark.django_db
START = "/api/v1/workflow/processinstance/start/"


@pytest.fixture
def operator(branch):
    return user_with("workflow.view_processinstance", "workflow.add_processinstance",
                     "workflow.change_processinstance", "workflow.view_processdefinition",
                     "workflow.add_processdefinition", data_scope="branch", branch=branch)


def test_an_instance_is_started_through_the_api_and_its_diagram_read(client, processes, operator):
    client.force_login(operator)
    response = client.post(START, {"key": "wf_test_review", "title": "API report",
                                   "variables": {"amount": 5, "approver_role": "x"}},
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="start-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "running" and body["title"] == "API report"
    again = client.post(START, {"key": "wf_test_review", "title": "API report",
                                "variables": {"amount": 5, "approver_role": "x"}},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="start-1")
    assert again.json()["id"] == body["id"] and ProcessInstance.objects.count() == 1
    assert Task.objects.filter(process_instance_id=body["id"]).count() == 1
    diagram = client.get(f"/api/v1/workflow/processinstance/{body['id']}/diagram/").json()
    assert "wf_test_review" in diagram["xml"]
    assert diagram["states"] == {"start": "done", "fill": "current"}
    assert diagram["variables"]["amount"] == 5
    history = diagram["history"]  # the process's start, then the task created and assigned
    assert len(history) >= 3 and any(row["step"].startswith("Fill in the report") for row in history)


def test_start_refuses_unknown_processes_and_invisible_subjects(client, processes, operator):
    client.force_login(operator)
    assert client.post(START, {"key": "nope"}, content_type="application/json").status_code == 404
    other = ProcessInstance.objects.create(definition=ProcessDefinition.objects.first(), branch=BranchFactory())
    response = client.post(START, {"key": "wf_test_review", "subject_type": "workflow.processinstance",
                                   "subject_id": str(other.pk), "variables": {"amount": 1, "approver_role": "x"}},
                           content_type="application/json")
    assert response.status_code == 404
    response = client.post(START, {"key": "wf_test_review", "subject_type": "no.such"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_failed"


def test_start_needs_the_permission(client, processes, clerk):
    client.force_login(clerk)
    assert client.post(START, {"key": "wf_test_review"}, content_type="application/json").status_code == 403


def test_a_definition_is_uploaded_through_the_api_and_validated(client, processes, operator):
    client.force_login(operator)
    url = "/api/v1/workflow/processdefinition/upload/"
    xml = (TEST_PROCESSES / "wf_test_review.bpmn").read_bytes().replace(b"Fill in the report", b"Write it")
    response = client.post(url, {"file": SimpleUploadedFile("r.bpmn", xml), "note": "api"})
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 2 and response.json()["is_current"] is True
    bad = client.post(url, {"file": SimpleUploadedFile("r.bpmn", b"<x/>")})
    assert bad.status_code == 400 and "file" in bad.json()["error"]["fields"]


def test_cancel_and_retry_through_the_api(client, processes, operator):
    client.force_login(operator)
    body = client.post(START, {"key": "wf_test_review", "variables": {"amount": 5, "approver_role": "x"}},
                       content_type="application/json").json()
    base = f"/api/v1/workflow/processinstance/{body['id']}/"
    assert client.post(base + "retry/", {}, content_type="application/json").status_code == 409
    assert client.post(base + "cancel/", {}, content_type="application/json").status_code == 400
    response = client.post(base + "cancel/", {"reason": "test"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
