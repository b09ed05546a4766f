"""Two supervisors adding overlapping working hours to one calendar at the same moment: the
calendar's row lock makes the second wait for the first and then see its period, so exactly one
is stored (on SQLite, BEGIN IMMEDIATE queues writers anyway)."""

import datetime
import threading

import pytest
from django.db import connection

from xiuhao.core.errors import ServiceError
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
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def run(i):
        barrier.wait()
        try:
            services.sla_object_create(actor=supervisor, model=WorkingPeriod, data={
                "calendar": calendar, "weekday": 0, "start_time": datetime.time(8 + i % 2, 0),
                "end_time": datetime.time(12, 0)})
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append("refused" if "overlaps" in str(exc.fields) or "重叠" in str(exc.fields) else repr(exc))
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * (THREADS - 1)
    assert WorkingPeriod.objects.filter(calendar=calendar).count() == 1
