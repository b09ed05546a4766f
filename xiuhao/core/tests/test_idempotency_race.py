"""Concurrent POSTs with one Idempotency-Key: the database (unique user+key) picks one winner."""

import threading

import pytest
from django.db import connection
from django.test import Client

from xiuhao.core.models import IdempotencyRecord
from xiuhao.core.testing import model_permissions
from xiuhao.org.models import Skill
from xiuhao.org.tests.factories import RoleFactory, UserFactory

THREADS = 6


# On PostgreSQL the twins block on the unique (user, key) index until the first commits; on
# SQLite (a file database in WAL mode in tests, as in production) BEGIN IMMEDIATE queues them.
@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_with_one_idempotency_key_create_one_record_and_answer_alike():
    user = UserFactory()
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(Skill))
    user.roles.add(role)
    barrier = threading.Barrier(THREADS)
    results = []

    def post():
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post("/api/v1/org/skill/", {"code": "race", "name": "并发"},
                                   content_type="application/json", HTTP_IDEMPOTENCY_KEY="race-key")
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in results] == [201] * THREADS
    assert len({body["id"] for _, body in results}) == 1
    assert Skill.objects.filter(code="race").count() == 1
    assert IdempotencyRecord.objects.filter(key="race-key").count() == 1
