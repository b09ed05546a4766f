import datetime
from zoneinfo import ZoneInfo

import pytest

from xiuhao.org.tests.factories import DepartmentFactory, UserFactory, user_with

from .factories import office_calendar

TZ = ZoneInfo("Asia/Shanghai")
SLA_PERMS = [f"sla.{a}_{m}" for m in ("businesscalendar", "workingperiod", "holiday", "slapolicy", "slaclock",
                                      "slapause", "slaalert") for a in ("view", "add", "change", "delete")]


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def calendar(branch):
    """The branch's office calendar with the 2026 National Day holidays and make-up days."""
    off = [(datetime.date(2026, 10, d), None) for d in range(1, 8)]
    return office_calendar(code="office", branch=branch,
                           holidays=[*off, (datetime.date(2026, 9, 20), 0), (datetime.date(2026, 10, 10), 0)])


@pytest.fixture
def chain(branch):
    """An engineer, the leader of their department and the branch head: the escalation chain."""
    head = UserFactory(branch=branch, email="head@example.com")
    branch.manager = head
    branch.save()
    leader = UserFactory(branch=branch, email="leader@example.com")
    department = DepartmentFactory(branch=branch, leader=leader)
    engineer = UserFactory(branch=branch, department=department, email="engineer@example.com")
    return engineer, leader, head


@pytest.fixture
def supervisor(branch):
    """A service supervisor of `branch` who may do everything with the SLA there."""
    return user_with(*SLA_PERMS, data_scope="branch", branch=branch)
