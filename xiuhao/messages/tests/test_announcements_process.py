"""The announcement approval process end to end on the engine: submit → an approver's pool task
in 我的任务 → approve (published, fanned out) or reject (back to the author with the reason)."""

import pytest

from xiuhao.core.errors import Conflict
from xiuhao.messages import announcements, inbox
from xiuhao.tasks.models import Announcement, Message, Task
from xiuhao.tasks.services import task_claim, task_complete
from xiuhao.workflow.models import ProcessInstance
from xiuhao.workflow.services import definitions_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _processes(settings):
    settings.NOTIFIERS = ["xiuhao.messages.notify.inapp_adapter"]
    definitions_sync()


def submitted(author):
    announcement = announcements.announcement_create(
        actor=author, data={"title": "安全生产月", "body": "六月为安全生产月，请各部门组织学习。", "audience": "all"})
    return announcements.announcement_submit(actor=author, announcement=announcement)


def approval_task(announcement):
    return Task.objects.get(process_instance=announcement.process_instance, kind="announcement.approve")


def test_submitting_starts_the_process_with_a_pool_task_for_the_approvers(author, approver):
    announcement = submitted(author)
    assert announcement.status == "pending"
    assert announcement.process_instance.status == ProcessInstance.Status.RUNNING
    task = approval_task(announcement)
    assert task.status == Task.Status.POOL and task.subject == announcement
    assert task.candidate_role in approver.roles.all()


def test_approving_publishes_and_fills_every_inbox(author, approver, django_capture_on_commit_callbacks):
    announcement = submitted(author)
    task = task_claim(actor=approver, task=approval_task(announcement))
    with django_capture_on_commit_callbacks(execute=True):
        task_complete(actor=approver, task=task, outcome="approve", data={"reason": ""})
    announcement.refresh_from_db()
    assert announcement.status == "published" and announcement.approved_by == approver
    assert announcement.process_instance.status == ProcessInstance.Status.COMPLETED
    assert inbox.unread_count(author) == 1 and inbox.unread_count(approver) == 1
    assert Message.objects.get(recipient=author).announcement == announcement


def test_rejecting_sends_it_back_with_the_reason_and_a_resubmission_starts_again(
        author, approver, django_capture_on_commit_callbacks):
    announcement = submitted(author)
    task = task_claim(actor=approver, task=approval_task(announcement))
    with django_capture_on_commit_callbacks(execute=True):
        task_complete(actor=approver, task=task, outcome="reject", data={"reason": "标题有误"})
    announcement.refresh_from_db()
    assert announcement.status == "rejected" and announcement.rejected_reason == "标题有误"
    assert Message.objects.get(recipient=author).kind == "announcement_rejected"
    assert not Message.objects.filter(announcement=announcement).exists()
    first_process = announcement.process_instance
    announcements.announcement_update(actor=author, obj=announcement, data={"title": "安全生产月（修订）"})
    again = announcements.announcement_submit(actor=author, announcement=announcement)
    assert again.status == "pending" and again.process_instance != first_process
    assert approval_task(again).status == Task.Status.POOL


def test_a_double_submit_starts_one_process(author):
    announcement = submitted(author)
    with pytest.raises(Conflict):
        announcements.announcement_submit(actor=author, announcement=Announcement.objects.get(pk=announcement.pk))
    assert ProcessInstance.objects.count() == 1


def test_the_approval_form_wants_a_reason_to_reject():
    from xiuhao.tasks.types import get_task_type

    task_type = get_task_type("announcement.approve")
    assert not task_type.bind_form({"reason": " "}, outcome="reject").is_valid()
    assert task_type.bind_form({}, outcome="approve").is_valid()


def test_a_rejection_without_a_reason_is_refused_by_the_service_whoever_calls(author, approver):
    from xiuhao.core.errors import ValidationFailed

    announcement = submitted(author)
    task = task_claim(actor=approver, task=approval_task(announcement))
    with pytest.raises(ValidationFailed) as refused:
        task_complete(actor=approver, task=task, outcome="reject", data={"reason": "  "})
    assert "data.reason" in refused.value.fields
    with pytest.raises(ValidationFailed):
        task_complete(actor=approver, task=task, outcome="reject")
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN
    assert Announcement.objects.get(pk=announcement.pk).status == "pending"


def test_rejecting_through_the_api_needs_the_reason_like_the_page(author, approver, client, settings):
    settings.LANGUAGE_CODE = "en"
    announcement = submitted(author)
    task = task_claim(actor=approver, task=approval_task(announcement))
    client.force_login(approver)
    url = f"/api/v1/tasks/task/{task.pk}/complete/"
    response = client.post(url, {"outcome": "reject", "data": {}}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["data.reason"] == [
        "Please give the reason for rejecting the announcement."]
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN
    page = client.post(f"/tasks/work/{task.pk}/complete/", {"outcome": "reject", "f-reason": ""})
    assert page.status_code == 400
    assert "Please give the reason for rejecting the announcement." in page.content.decode()
    assert Announcement.objects.get(pk=announcement.pk).status == "pending"
    response = client.post(url, {"outcome": "reject", "data": {"reason": "日期写错了"}},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["data"] == {"reason": "日期写错了"}
    assert Announcement.objects.get(pk=announcement.pk).rejected_reason == "日期写错了"


def test_a_repeated_submit_with_the_same_idempotency_key_starts_one_process(author, client):
    announcement = announcements.announcement_create(
        actor=author, data={"title": "安全检查", "body": "本周五进行消防安全检查。", "audience": "all"})
    client.force_login(author)
    url = f"/api/v1/tasks/announcement/{announcement.pk}/submit/"
    first = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="submit-1")
    second = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true" and first.json() == second.json()
    assert first.json()["status"] == "pending"
    assert ProcessInstance.objects.count() == 1
    again = client.post(url, {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_status"
