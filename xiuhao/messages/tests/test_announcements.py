"""Announcements 公告: drafts, approval through the process, fan-out to the audience, the board."""

import pytest
from django.urls import reverse

from xiuhao.core.errors import Conflict, PermissionDenied, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.core.moves import transition
from xiuhao.messages import announcements, inbox
from xiuhao.org.tests.factories import (
    BranchFactory,
    DepartmentFactory,
    OutletFactory,
    RoleFactory,
    UserFactory,
    grant,
)
from xiuhao.tasks.models import Announcement, Message

from .conftest import AUTHOR_PERMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish and run the fan-out job that follows the commit."""
    def _publish(actor, announcement):
        with django_capture_on_commit_callbacks(execute=True):
            return announcements.announcement_publish(actor=actor, announcement=announcement)

    return _publish


def draft(author, **data):
    return announcements.announcement_create(actor=author, data={"title": "五一值班安排", "body": "请各部门报送值班表。",
                                                                 "audience": "all", **data})


def pending(author, **data):
    """A submitted announcement (the process is tested in test_announcements_process.py)."""
    announcement = draft(author, **data)
    Announcement.objects.filter(pk=announcement.pk).update(status="pending")
    announcement.refresh_from_db()
    return announcement


# -- drafts --------------------------------------------------------------------------------------------
def test_a_draft_is_written_in_the_authors_branch_and_audited(author, branch):
    announcement = draft(author)
    assert announcement.status == "draft" and announcement.branch == branch and announcement.created_by == author
    assert AuditEvent.objects.filter(action="create", object_id=str(announcement.pk)).exists()


@pytest.mark.parametrize("audience, field", [("branch", "audience_branch"), ("department", "audience_department"),
                                              ("role", "audience_role")])
def test_an_audience_needs_its_branch_department_or_role(author, audience, field):
    with pytest.raises(ValidationFailed) as error:
        draft(author, audience=audience)
    assert field in error.value.fields
    assert not Announcement.objects.exists()


def test_an_audience_keeps_only_the_target_of_its_kind(author, branch):
    role = RoleFactory()
    announcement = draft(author, audience="branch", audience_branch=branch, audience_role=role)
    assert announcement.audience_branch == branch and announcement.audience_role is None


def test_only_drafts_and_rejected_announcements_may_be_changed_or_deleted(author, approver):
    announcement = pending(author)
    with pytest.raises(Conflict):
        announcements.announcement_update(actor=author, obj=announcement, data={"title": "改"})
    with pytest.raises(Conflict):
        announcements.announcement_delete(actor=author, obj=announcement)
    announcements.announcement_reject(actor=approver, announcement=announcement, reason="措辞需修改")
    announcements.announcement_update(actor=author, obj=announcement, data={"title": "改好了"})
    assert Announcement.objects.get(pk=announcement.pk).title == "改好了"


def test_a_status_cannot_be_set_through_an_edit(author):
    announcement = draft(author)
    announcements.announcement_update(actor=author, obj=announcement, data={"status": "published", "title": "x"})
    assert Announcement.objects.get(pk=announcement.pk).status == "draft"


# -- publishing ----------------------------------------------------------------------------------------
def test_publishing_sends_everyone_active_one_message_and_again_adds_nothing(publish, author, approver):
    others = [UserFactory(), UserFactory(outlet=OutletFactory())]
    UserFactory(is_active=False)
    UserFactory(kind="customer")
    announcement = pending(author)
    publish(approver, announcement)
    announcement.refresh_from_db()
    assert announcement.status == "published" and announcement.approved_by == approver
    assert announcement.published_at is not None
    recipients = set(Message.objects.filter(announcement=announcement).values_list("recipient", flat=True))
    assert recipients == {author.pk, approver.pk, *(u.pk for u in others)}
    message = Message.objects.get(announcement=announcement, recipient=author)
    assert message.kind == "announcement" and message.url == reverse("tasks_announcement_read", args=[announcement.pk])
    publish(approver, announcement)  # a retried process step
    assert Message.objects.filter(announcement=announcement).count() == len(recipients)


def test_the_messages_are_sent_after_commit_and_not_for_an_announcement_withdrawn_meanwhile(
        author, approver, django_capture_on_commit_callbacks):
    announcement = pending(author)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        announcements.announcement_publish(actor=approver, announcement=announcement)
    assert not Message.objects.exists()  # the approver does not wait for the fan-out
    Announcement.objects.filter(pk=announcement.pk).update(status="withdrawn")
    for callback in after_commit:
        callback()
    assert not Message.objects.exists()


def test_a_branch_announcement_reaches_that_branch_only(publish, author, approver, branch):
    here, there = UserFactory(branch=branch), UserFactory(branch=BranchFactory())
    announcement = pending(author, audience="branch", audience_branch=branch)
    publish(approver, announcement)
    assert inbox.unread_count(here) == 1 and inbox.unread_count(there) == 0


def test_a_department_announcement_reaches_the_department_and_below(publish, author, approver, branch):
    top = DepartmentFactory(branch=branch)
    child = DepartmentFactory(branch=branch, parent=top)
    sibling = DepartmentFactory(branch=branch)
    people = {d: UserFactory(branch=branch, department=d) for d in (top, child, sibling)}
    announcement = pending(author, audience="department", audience_department=top)
    publish(approver, announcement)
    assert [inbox.unread_count(people[d]) for d in (top, child, sibling)] == [1, 1, 0]


def test_a_role_announcement_reaches_the_role_holders(publish, author, approver):
    role = RoleFactory()
    holder, other = UserFactory(), UserFactory()
    holder.roles.add(role)
    announcement = pending(author, audience="role", audience_role=role)
    publish(approver, announcement)
    assert inbox.unread_count(holder) == 1 and inbox.unread_count(other) == 0


def test_only_an_approver_publishes_or_rejects(author):
    announcement = pending(author)
    with pytest.raises(PermissionDenied):
        announcements.announcement_publish(actor=author, announcement=announcement)
    with pytest.raises(PermissionDenied):
        announcements.announcement_reject(actor=author, announcement=announcement, reason="x")
    assert not Message.objects.exists()


def test_a_draft_cannot_be_published_without_approval(publish, author, approver):
    announcement = draft(author)
    with pytest.raises(Conflict):
        publish(approver, announcement)
    assert not Message.objects.exists()


def test_a_rejection_needs_a_reason_and_tells_the_author(author, approver, django_capture_on_commit_callbacks,
                                                         settings):
    settings.NOTIFIERS = ["xiuhao.messages.notify.inapp_adapter"]
    announcement = pending(author)
    with pytest.raises(ValidationFailed):
        announcements.announcement_reject(actor=approver, announcement=announcement, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        announcements.announcement_reject(actor=approver, announcement=announcement, reason="日期写错了")
    announcement.refresh_from_db()
    assert announcement.status == "rejected" and announcement.rejected_reason == "日期写错了"
    message = Message.objects.get(recipient=author)
    assert message.kind == "announcement_rejected" and message.body == "日期写错了"
    assert AuditEvent.objects.filter(object_id=str(announcement.pk), verb="reject").exists()


def test_two_approvers_at_once_publish_once(author, approver):
    announcement = pending(author)
    stale = Announcement.objects.get(pk=announcement.pk)
    announcements.announcement_reject(actor=approver, announcement=announcement, reason="不行")
    with pytest.raises(Conflict):
        transition(stale, to="published", actor=approver, verb="publish")
    assert Announcement.objects.get(pk=announcement.pk).status == "rejected"


def test_withdrawing_takes_the_announcement_off_the_board_and_out_of_every_inbox(publish, author, approver, client):
    announcement = pending(author)
    publish(approver, announcement)
    client.force_login(author)
    assert announcement.title in client.get(reverse("tasks_announcement_board")).content.decode()
    announcements.announcement_withdraw(actor=author, announcement=announcement, reason="已过期")
    assert Announcement.objects.get(pk=announcement.pk).status == "withdrawn"
    assert not Message.objects.filter(announcement=announcement).exists()
    assert announcement.title not in client.get(reverse("tasks_announcement_board")).content.decode()
    assert client.get(reverse("tasks_announcement_read", args=[announcement.pk])).status_code == 404


# -- the board -----------------------------------------------------------------------------------------
def test_the_board_shows_published_announcements_addressed_to_the_reader(publish, author, approver, branch):
    other_branch = BranchFactory()
    reader = UserFactory(branch=branch)
    mine = pending(author, title="本分公司公告", audience="branch", audience_branch=branch)
    theirs = pending(author, title="外分公司公告", audience="branch", audience_branch=other_branch)
    everyone = pending(author, title="全员公告")
    unpublished = draft(author, title="草稿公告")
    for a in (mine, theirs, everyone):
        publish(approver, a)
    new_colleague = UserFactory(branch=branch)  # joined after publishing: sees it on the board too
    for user in (reader, new_colleague):
        assert set(announcements.board_for(user)) == {mine, everyone}
    assert unpublished not in announcements.board_for(reader)
    assert not announcements.board_for(UserFactory(kind="customer")).exists()


def test_reading_an_announcement_on_the_board_reads_its_message(publish, author, approver, client):
    announcement = pending(author)
    publish(approver, announcement)
    client.force_login(author)
    assert inbox.unread_count(author) == 1
    response = client.get(reverse("tasks_announcement_read", args=[announcement.pk]))
    assert response.status_code == 200 and announcement.body in response.content.decode()
    assert inbox.unread_count(author) == 0
    assert client.get(reverse("tasks_m_announcement_board")).status_code == 200
    assert client.get(reverse("tasks_m_announcement_read", args=[announcement.pk])).status_code == 200


def test_the_board_api_lists_what_the_page_shows(publish, author, approver, client):
    announcement = pending(author)
    publish(approver, announcement)
    hidden = draft(author)
    client.force_login(UserFactory())
    rows = client.get("/api/v1/tasks/announcement-board/").json()["results"]
    assert [r["id"] for r in rows] == [announcement.pk]
    assert client.get(f"/api/v1/tasks/announcement-board/{hidden.pk}/").status_code == 404


# -- pages and API of the moves ------------------------------------------------------------------------
def test_withdraw_through_the_api_and_the_page(publish, author, approver, client):
    announcement = pending(author)
    publish(approver, announcement)
    client.force_login(author)
    response = client.post(f"/api/v1/tasks/announcement/{announcement.pk}/withdraw/", {"reason": "过期"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = client.post(f"/api/v1/tasks/announcement/{announcement.pk}/withdraw/", {},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_status"
    page = client.post(reverse("tasks_announcement_withdraw", args=[announcement.pk]), {"reason": ""})
    assert page.status_code == 400 and 'data-testid="form-errors"' in page.content.decode()


def test_a_user_of_another_branch_cannot_move_the_announcement(author, client):
    announcement = draft(author)
    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, *AUTHOR_PERMS)
    client.force_login(stranger)
    response = client.post(f"/api/v1/tasks/announcement/{announcement.pk}/submit/", {},
                           content_type="application/json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get(reverse("tasks_announcement_submit", args=[announcement.pk])).status_code == 404
    assert Announcement.objects.get(pk=announcement.pk).status == "draft"


def test_the_api_refuses_a_status_in_the_body(author, client):
    client.force_login(author)
    response = client.post("/api/v1/tasks/announcement/", {"title": "t", "body": "b", "audience": "all",
                                                           "status": "published"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "draft"


def test_the_detail_page_offers_only_the_moves_the_status_allows(publish, author, approver, client):
    announcement = draft(author)
    client.force_login(author)
    html = client.get(reverse("tasks_announcement_detail", args=[announcement.pk])).content.decode()
    assert 'data-testid="announcement-submit"' in html and 'data-testid="announcement-withdraw"' not in html
    Announcement.objects.filter(pk=announcement.pk).update(status="pending")
    publish(approver, announcement)
    html = client.get(reverse("tasks_announcement_detail", args=[announcement.pk])).content.decode()
    assert 'data-testid="announcement-submit"' not in html and 'data-testid="announcement-withdraw"' in html
    assert reverse("tasks_announcement_edit", args=[announcement.pk]) not in html


def test_an_administrator_follows_a_pending_announcement_to_its_approval_process(author, client):
    from xiuhao.workflow.models import ProcessDefinition, ProcessInstance

    announcement = pending(author)
    definition = ProcessDefinition.objects.create(key="x", name="x", version=1, bpmn_xml="<x/>", checksum="x")
    instance = ProcessInstance.objects.create(definition=definition, branch=announcement.branch)
    Announcement.objects.filter(pk=announcement.pk).update(process_instance=instance)
    admin = UserFactory(branch=announcement.branch, is_superuser=True)
    client.force_login(admin)
    html = client.get(reverse("tasks_announcement_detail", args=[announcement.pk])).content.decode()
    assert reverse("workflow_processinstance_detail", args=[instance.pk]) in html

