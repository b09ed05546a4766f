"""Two supervisors adding overlapping working hours to one calendar at the same moment: the
calendar's row lock makes the second wait for the first and then see its period, so exactly one
is stored (on SQLite, BEGIN IMMEDIATE queues writers anyway)."""

import datetime

import pytest

from xiuhao.core.errors import ServiceError
from xiuhao.core.tests.races import at_once
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant
from xiuhao.sla import services
from xiuhao.sla.models import BusinessCalendar, WorkingPeriod

from .conftest import SLA_PERMS

THREADS = 4


@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_overlapping_periods_exactly_one_is_stored():
    branch = BranchFactory()
    supervisor = UserFactory(branch=branch)
    grant(supervisor, *SLA_PERMS, data_scope="branch")
    calendar = BusinessCalendar.objects.create(code="race", name="竞争日历", branch=branch)

    def add(i):
        services.sla_object_create(actor=supervisor, model=WorkingPeriod, data={
            "calendar": calendar, "weekday": 0, "start_time": datetime.time(8 + i % 2, 0),
            "end_time": datetime.time(12, 0)})

    def name_of(exc):  # the threads speak the default language
        overlap = "overlaps" in str(getattr(exc, "fields", "")) or "重叠" in str(getattr(exc, "fields", ""))
        return "refused" if isinstance(exc, ServiceError) and overlap else repr(exc)

    outcomes = at_once(add, THREADS, name_of)
    assert outcomes == ["ok"] + ["refused"] * (THREADS - 1)
    assert WorkingPeriod.objects.filter(calendar=calendar).count() == 1
