"""Races settled by the database: many tabs opening one message keep one read time; two clerks
withdrawing one announcement at once withdraw it once; a fan-out run twice at once sends one
message per person."""

import threading

import pytest
from django.db import connection

from xiuhao.core.errors import Conflict
from xiuhao.messages import announcements, inbox
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant
from xiuhao.tasks.models import Announcement, Message

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def at_once(fn):
    """Run fn() in THREADS threads released together; returns their results (or exceptions)."""
    barrier = threading.Barrier(THREADS)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_one_message_opened_in_many_tabs_at_once_is_marked_read_once():
    user = UserFactory()
    message = Message.objects.create(recipient=user, subject="并发", body="b")
    results = at_once(lambda: inbox.message_mark_read(user=user, message=Message.objects.get(pk=message.pk)))
    assert sorted(results) == [False] * (THREADS - 1) + [True]


def test_an_announcement_withdrawn_by_two_at_once_is_withdrawn_once():
    branch = BranchFactory()
    author = UserFactory(branch=branch)
    grant(author, "tasks.view_announcement", "tasks.change_announcement", "tasks.add_announcement")
    announcement = announcements.announcement_create(actor=author, data={"title": "t", "body": "b",
                                                                         "audience": "all"})
    Announcement.objects.filter(pk=announcement.pk).update(status="published")
    results = at_once(lambda: announcements.announcement_withdraw(
        actor=author, announcement=Announcement.objects.get(pk=announcement.pk)))
    assert len([r for r in results if isinstance(r, Announcement)]) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Announcement))
    assert Announcement.objects.get(pk=announcement.pk).status == "withdrawn"


def test_two_fan_outs_at_once_send_one_message_per_person():
    people = [UserFactory() for _ in range(30)]
    author = people[0]
    announcement = Announcement.objects.create(title="t", body="b", audience="all", status="published",
                                               created_by=author)
    results = at_once(lambda: announcements.fan_out_job.call_local(announcement.pk))
    assert not [r for r in results if isinstance(r, Exception)]
    assert Message.objects.filter(announcement=announcement).count() == len(people)
