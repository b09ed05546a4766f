"""Pages: upload, versions, the diagram tabs with step states and history, cancel and retry."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xiuhao.org.tests.factories import grant, user_with
from xiuhao.tasks.models import Task
from xiuhao.tasks.services import task_complete
from xiuhao.workflow.models import ProcessDefinition, ProcessInstance
from xiuhao.workflow.services import process_start

from .conftest import TEST_PROCESSES

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(branch):
    return user_with("workflow.view_processdefinition", "workflow.add_processdefinition",
                     "workflow.view_processinstance", "workflow.change_processinstance", data_scope="branch",
                     branch=branch)


def test_an_administrator_uploads_a_new_version_on_the_page(client, processes, admin):
    definition = ProcessDefinition.objects.get(key="wf_test_review", is_current=True)
    client.force_login(admin)
    url = f"/workflow/processdefinition/{definition.pk}/upload-version/"
    assert client.get(url).status_code == 200
    xml = (TEST_PROCESSES / "wf_test_review.bpmn").read_bytes().replace(b"Fill in the report", b"Write it")
    response = client.post(url, {"file": SimpleUploadedFile("review.bpmn", xml), "note": "wording"})
    assert response.status_code == 302
    new = ProcessDefinition.objects.get(key="wf_test_review", is_current=True)
    assert new.version == 2 and new.note == "wording"
    page = client.get(f"/workflow/processdefinition/{new.pk}/?tab=versions").content.decode()
    assert 'data-testid="process-versions"' in page and "v1" in page and "v2" in page


def test_a_broken_upload_shows_the_reasons_and_saves_nothing(client, processes, admin):
    client.force_login(admin)
    count = ProcessDefinition.objects.count()
    response = client.post("/workflow/processdefinition/upload/",
                           {"file": SimpleUploadedFile("x.bpmn", b"<not-bpmn/>")})
    assert response.status_code == 400
    assert "not a BPMN 2.0 file" in response.content.decode()
    assert ProcessDefinition.objects.count() == count


def test_the_upload_page_needs_the_permission(client, processes, clerk):
    client.force_login(clerk)
    assert client.get("/workflow/processdefinition/upload/").status_code == 403


def test_the_instance_diagram_tab_marks_done_and_current_steps_and_shows_the_history(client, processes, clerk, admin):
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 5000, "approver_role": "x"})
    task_complete(actor=clerk, task=Task.objects.get(process_instance=instance), data={"note": "ok"})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.ERROR  # no role "x": the assignment failed
    client.force_login(admin)
    response = client.get(f"/workflow/processinstance/{instance.pk}/?tab=diagram")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-bpmn-viewer' in html and "bpmn-viewer.production.min.js" in html and "workflow/viewer.js" in html
    assert 'data-testid="process-error"' in html and "does not exist" in html
    states = json.loads(html.split('id="bpmn-states" type="application/json">')[1].split("</script>")[0])
    assert states == {"start": "done", "fill": "done", "check": "error"}
    history = html.split('data-testid="process-history"')[1]
    assert "Process started" in history and "Completed" in history and "Step failed" in history


def test_cancel_and_retry_pages(client, processes, clerk, admin):
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    client.force_login(admin)
    retry = f"/workflow/processinstance/{instance.pk}/retry/"
    assert client.post(retry).status_code == 400  # not in error
    cancel = f"/workflow/processinstance/{instance.pk}/cancel/"
    assert client.post(cancel, {"reason": ""}).status_code == 400
    assert client.post(cancel, {"reason": "duplicate"}).status_code == 302
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.CANCELLED


def test_the_definition_diagram_tab_shows_the_model(client, processes, admin):
    definition = ProcessDefinition.objects.get(key="announcement_approval", is_current=True)
    client.force_login(admin)
    html = client.get(f"/workflow/processdefinition/{definition.pk}/?tab=diagram",
                      HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content").content.decode()
    assert "bpmn-xml" in html and "announcement_approval" in html


def test_a_process_task_shows_its_process_on_the_task_page(client, processes, clerk, admin):
    instance = process_start(actor=clerk, key="wf_test_review", variables={"amount": 10, "approver_role": "x"})
    task = Task.objects.get(process_instance=instance)
    grant(admin, "tasks.view_task", data_scope="branch")
    client.force_login(admin)
    html = client.get(f"/tasks/task/{task.pk}/?tab=process", HTTP_HX_REQUEST="true",
                      HTTP_HX_TARGET="tab-content").content.decode()
    assert f"/workflow/processinstance/{instance.pk}/" in html and 'data-testid="process-history"' in html


def test_the_definition_list_names_the_shipped_process_in_the_users_language(client, admin):
    client.force_login(admin)
    client.cookies["xiuhao_language"] = "zh-hans"
    assert "公告审批" in client.get("/workflow/processdefinition/").content.decode()
