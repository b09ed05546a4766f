"""Fixtures of the task tests (imported by each test_tasks*/test_boards* module: the tests folder
is shared with the messages tests, so there is no conftest of ours)."""

import pytest

from xiuhao.org.tests.factories import DepartmentFactory, UserFactory, user_with


@pytest.fixture
def dept(branch):
    return DepartmentFactory(branch=branch)


@pytest.fixture
def boss(branch, dept):
    """The one who hands out tasks: a branch-wide user who may add and reassign tasks."""

    return user_with("tasks.view_task", "tasks.add_task", "tasks.change_task", "tasks.reassign_task",
                     "tasks.view_task_board", data_scope="branch", branch=branch, department=dept)


@pytest.fixture
def worker(branch, dept):
    user = UserFactory(branch=branch, department=dept)
    return user


@pytest.fixture
def colleague(branch, dept):
    return UserFactory(branch=branch, department=dept)


@pytest.fixture
def notices(monkeypatch):
    """The notices the task services send (recipients, kind, subject, body), as the port gets them."""
    from xiuhao.tasks import jobs, services

    sent = []

    def capture(*, recipients, subject, body, url="", kind="", **extra):
        sent.append({"to": sorted(u.pk for u in recipients if u is not None), "kind": kind,
                     "subject": str(subject), "body": str(body), "url": url})

    monkeypatch.setattr(services, "notify", capture)
    monkeypatch.setattr(jobs, "notify", capture)
    return sent
