"""The demo announcements and messages: published through the approval process, one waiting in
the administrator's pool, unread messages for every demo account; a second load adds nothing."""

import pytest

from xiuhao.messages import announcements, inbox
from xiuhao.messages import demo as demo_messages
from xiuhao.org.management.commands.load_demo import load_all
from xiuhao.org.models import User
from xiuhao.tasks.models import Announcement, Message, Task

pytestmark = pytest.mark.django_db


def test_the_demo_has_published_and_pending_announcements_and_unread_messages(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out jobs after each commit
        load_all()
    assert Announcement.objects.filter(status="published").count() == 3
    waiting = Announcement.objects.get(status="pending")
    task = Task.objects.get(process_instance=waiting.process_instance)
    assert task.status == Task.Status.POOL and task.kind == announcements.TASK_TYPE
    admin, dispatcher, engineer, outlet = (User.objects.get(username=u)
                                           for u in ("admin", "dispatcher", "engineer", "outlet"))
    assert task.candidate_role in admin.roles.all()
    for user in (admin, dispatcher, engineer, outlet):
        assert inbox.unread_count(user) >= 3
        assert announcements.board_for(user).count() >= 2
    assert dispatcher.has_perm("tasks.add_announcement")
    counts = (Announcement.objects.count(), Message.objects.count())

    assert demo_messages.load().total == 0
    assert (Announcement.objects.count(), Message.objects.count()) == counts
