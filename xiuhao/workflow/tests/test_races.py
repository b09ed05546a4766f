"""Two tasks of one instance (parallel branches) completed at the same moment: the row lock makes
the second engine step read the first one's state, so neither step is lost and the join fires
once (meaningful on PostgreSQL; SQLite's IMMEDIATE transactions serialise the writers anyway)."""

import threading

import pytest
from django.db import connection

from xiuhao.tasks.models import Task
from xiuhao.tasks.services import task_complete
from xiuhao.workflow import engine
from xiuhao.workflow.models import ProcessInstance
from xiuhao.workflow.services import definitions_sync, process_start

from .conftest import TEST_PROCESSES

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_branches_completed_at_once_both_count_and_the_process_ends_once(clerk):
    definitions_sync(directory=TEST_PROCESSES)
    engine.clear_cache()
    for _round in range(3):
        instance = process_start(actor=clerk, key="wf_test_parallel")
        tasks = list(Task.objects.filter(process_instance=instance).order_by("pk"))
        barrier = threading.Barrier(len(tasks))
        errors = []

        def complete(task, barrier=barrier, errors=errors):
            try:
                barrier.wait(timeout=10)
                task_complete(actor=clerk, task=task, data={f"{task.step}_ok": True})
            except Exception as exc:  # collected: a thread's failure must fail the test
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=complete, args=(t,)) for t in tasks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        instance.refresh_from_db()
        assert instance.status == ProcessInstance.Status.COMPLETED
        variables = engine.variables(engine.load(engine.spec_for(instance.definition_id), instance.state))
        assert variables["check_parts_ok"] and variables["check_price_ok"]
