"""Many people press "claim" on one pool task at the same moment: exactly one wins, every other
claimant is told who did, and the task's history has one claim.

On PostgreSQL the claims' conditional UPDATEs (… WHERE status = 'pool') queue on the row lock and
the later ones find the task gone; on SQLite (a file database in WAL mode, as in production)
BEGIN IMMEDIATE queues the transactions. bench/task_claim.py runs 100 trials of 100 claimants."""

import threading

import pytest
from django.db import connection

from xiuhao.core.errors import Conflict
from xiuhao.org.tests.factories import BranchFactory, UserFactory
from xiuhao.tasks import services
from xiuhao.tasks.models import Task


def claim_race(task, claimants):
    """Every claimant claims `task` at once; returns the outcome of each ("won" / "lost: <msg>")."""
    barrier = threading.Barrier(len(claimants))
    outcomes = []

    def run(user):
        try:
            connection.ensure_connection()
            barrier.wait()
            services.task_claim(actor=user, task=Task(pk=task.pk))
            outcomes.append("won")
        except Conflict as exc:
            outcomes.append(f"lost: {exc.message}")
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in claimants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_claims_exactly_one_wins_and_the_others_hear_who(settings):
    settings.LANGUAGE_CODE = "en"
    threads = 40 if connection.vendor == "postgresql" else 8
    trials = 5 if connection.vendor == "postgresql" else 3
    branch = BranchFactory()
    boss = UserFactory(branch=branch)
    claimants = [UserFactory(branch=branch) for _ in range(threads)]
    for _trial in range(trials):
        task = services.task_create(actor=boss, kind="task.generic", title="Race")
        outcomes = claim_race(task, claimants)
        task.refresh_from_db()
        assert outcomes.count("won") == 1, outcomes
        assert outcomes.count(f"lost: This task has already been claimed by {task.assignee}.") == threads - 1
        assert task.status == Task.Status.OPEN and task.assignee in claimants
        assert task.events.filter(action="claimed").count() == 1
