"""A task put in the pool (created without an assignee, returned to the pool) tells the people who
may claim it — exactly those who find it in their grab pool, at most POOL_NOTICE_LIMIT — in one
notice after commit."""

import pytest
from django.urls import reverse

from xiuhao.org.models import Region
from xiuhao.org.tests.factories import (
    BranchFactory,
    DepartmentFactory,
    EngineerFactory,
    EngineerSkillFactory,
    OutletFactory,
    RoleFactory,
    SkillFactory,
    UserFactory,
)
from xiuhao.tasks import selectors, services
from xiuhao.tasks.models import Message

from .fixtures_tasks import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


def offered(notices):
    return [n for n in notices if n["kind"] == "task_offered"]


def test_a_new_pool_task_tells_its_candidates_once_and_not_the_creator(boss, worker, colleague, notices):
    stranger = UserFactory(branch=BranchFactory())
    task = services.task_create(actor=boss, kind="task.generic", title="Fix the copier")
    [notice] = offered(notices)
    assert notice["to"] == sorted([worker.pk, colleague.pk])
    assert boss.pk not in notice["to"] and stranger.pk not in notice["to"]
    assert notice["url"] == reverse("tasks_work", args=[task.pk]) and "Fix the copier" in notice["subject"]


def test_a_task_given_to_a_person_tells_no_pool(boss, worker, notices):
    services.task_create(actor=boss, kind="task.generic", title="Yours", assignee=worker)
    assert offered(notices) == []


def test_a_task_returned_to_the_pool_tells_the_candidates_again_but_not_who_returned_it(
        boss, worker, colleague, notices):
    role = RoleFactory(data_scope="self")
    for user in (worker, colleague):
        user.roles.add(role)
        user.__dict__.pop("_active_roles", None)
    task = services.task_create(actor=boss, kind="task.generic", title="Visit", candidate_role=role)
    services.task_claim(actor=worker, task=task)
    notices.clear()
    services.task_return(actor=worker, task=task, reason="Too far")
    assert [n["to"] for n in offered(notices)] == [[colleague.pk]]


def test_the_notice_goes_to_at_most_the_limit(boss, branch, notices, monkeypatch):
    monkeypatch.setattr(services, "POOL_NOTICE_LIMIT", 3)
    for _ in range(5):
        UserFactory(branch=branch)
    services.task_create(actor=boss, kind="task.generic", title="Many")
    [notice] = offered(notices)
    assert len(notice["to"]) == 3


def test_the_candidates_read_the_message_in_their_inbox_after_commit(
        boss, worker, settings, django_capture_on_commit_callbacks):
    settings.NOTIFIERS = ["xiuhao.messages.notify.inapp_adapter"]
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_create(actor=boss, kind="task.generic", title="Fix the copier")
    message = Message.objects.get(recipient=worker, kind="task_offered")
    assert "Fix the copier" in message.subject and message.url == reverse("tasks_work", args=[task.pk])
    assert not Message.objects.filter(recipient=boss).exists()


def test_the_candidates_are_exactly_who_find_the_task_in_their_grab_pool(branch, dept):
    """`pool_candidates` (the task's side) and `pool_for` (the user's side) agree on every rule."""
    team = DepartmentFactory(branch=branch, parent=dept)
    other_branch = BranchFactory()
    role = RoleFactory(data_scope="self")
    skill = SkillFactory()
    outlet = OutletFactory(branch=branch)
    shenzhen, futian, guangzhou = (Region.objects.get(code=c) for c in ("440300", "440304", "440100"))

    def engineer(user, regions=(), skills=(), status="active"):
        profile = EngineerFactory(user=user, status=status)
        profile.regions.set(regions)
        for s in skills:
            EngineerSkillFactory(engineer=profile, skill=s)
        return user

    role_holder = UserFactory(branch=branch, department=dept)
    role_holder.roles.add(role)
    people = [
        UserFactory(branch=branch, department=dept),
        UserFactory(branch=branch, department=team),
        UserFactory(branch=branch, department=DepartmentFactory(branch=branch)),
        UserFactory(branch=other_branch, department=DepartmentFactory(branch=other_branch)),
        UserFactory(),  # no branch
        role_holder,
        engineer(UserFactory(branch=other_branch), regions=[shenzhen], skills=[skill]),
        engineer(UserFactory(branch=branch, department=team), regions=[guangzhou], skills=[skill]),
        engineer(UserFactory(branch=branch), regions=[shenzhen], status="inactive"),
        UserFactory(kind="outlet", outlet=outlet, branch=branch),
        UserFactory(kind="outlet", outlet=OutletFactory(branch=branch), branch=branch),
        UserFactory(branch=branch, is_active=False),
    ]
    conditions = [
        {}, {"candidate_role": role}, {"candidate_department": dept}, {"candidate_region": futian},
        {"candidate_skill": skill}, {"candidate_region": futian, "candidate_skill": skill},
        {"candidate_department": dept, "candidate_skill": skill}, {"outlet": outlet},
        {"candidate_role": role, "candidate_department": team},
    ]
    for branch_of_task in (branch, None):
        for condition in conditions:
            task = services.task_create(actor=None, kind="task.generic", title="t", branch=branch_of_task,
                                        **condition)
            expected = {u.pk for u in people if selectors.may_claim(u, task)}
            got = set(selectors.pool_candidates(task).filter(pk__in=[u.pk for u in people])
                      .values_list("pk", flat=True))
            assert got == expected, (condition, branch_of_task)
