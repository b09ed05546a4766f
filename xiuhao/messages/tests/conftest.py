"""Fixtures of the announcement tests: an author of the branch and an approver seeing all."""

import pytest

from xiuhao.org.tests.factories import user_with

AUTHOR_PERMS = ("tasks.view_announcement", "tasks.add_announcement", "tasks.change_announcement",
                "tasks.delete_announcement")


@pytest.fixture
def author(branch):
    return user_with(*AUTHOR_PERMS, branch=branch)


@pytest.fixture
def approver(branch):
    return user_with("tasks.view_announcement", "tasks.approve_announcement", "tasks.view_task",
                     data_scope="all", branch=branch)
