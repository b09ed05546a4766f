"""The announcement approval process end to end: submit → approval task offered to the approvers →
approve publishes / reject sends back with the reason."""

import json

import pytest

from xiuhao.messages import announcements
from xiuhao.org.tests.factories import grant
from xiuhao.tasks.models import Announcement, Message, Task
from xiuhao.tasks.services import task_claim, task_complete
from xiuhao.workflow import engine
from xiuhao.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db


def submitted(author):
    announcement = announcements.announcement_create(actor=author, data={
        "title": "五一值班安排", "body": "请各部门报送值班表。", "audience": "all"})
    return announcements.announcement_submit(actor=author, announcement=announcement)


def approval_task(announcement):
    return Task.objects.get(process_instance=announcement.process_instance, status__in=Task.ACTIVE)


def test_an_approved_announcement_is_published_by_the_process(author, approver, django_capture_on_commit_callbacks):
    announcement = submitted(author)
    instance = announcement.process_instance
    assert instance.definition.key == "announcement_approval" and instance.status == ProcessInstance.Status.RUNNING
    assert instance.subject == announcement
    task = approval_task(announcement)
    assert task.kind == "announcement.approve" and task.status == Task.Status.POOL
    assert task.candidate_role.permissions.filter(codename="approve_announcement").exists()
    assert task.due_at is not None
    task_claim(actor=approver, task=task)
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out job runs after commit
        task_complete(actor=approver, task=task, outcome="approve")
    announcement.refresh_from_db()
    instance.refresh_from_db()
    assert announcement.status == Announcement.Status.PUBLISHED and announcement.approved_by == approver
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert Message.objects.filter(announcement=announcement, recipient=author).exists()
    states = engine.step_states(engine.load(engine.spec_for(instance.definition_id), instance.state))
    assert states["publish"] == "done" and "reject" not in states


def test_a_rejected_announcement_goes_back_with_the_reason(author, approver):
    announcement = submitted(author)
    task = approval_task(announcement)
    task_claim(actor=approver, task=task)
    task_complete(actor=approver, task=task, outcome="reject", data={"reason": "措辞需修改"})
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.REJECTED and announcement.rejected_reason == "措辞需修改"
    assert announcement.process_instance.status == ProcessInstance.Status.COMPLETED
    assert not Message.objects.filter(announcement=announcement).exists()


def test_the_viewer_links_the_announcement_and_names_the_steps_in_chinese(client, author, approver):
    announcement = submitted(author)
    grant(approver, "workflow.view_processinstance", data_scope="all")
    client.force_login(approver)
    client.cookies["xiuhao_language"] = "zh-hans"
    html = client.get(f"/workflow/processinstance/{announcement.process_instance_id}/?tab=diagram").content.decode()
    assert 'data-testid="process-subject"' in html and f"/tasks/announcement/{announcement.pk}/" in html
    xml = json.loads(html.split('id="bpmn-xml" type="application/json">')[1].split("</script>")[0])
    assert 'name="公告审批"' in xml and 'name="发布给受众"' in xml
