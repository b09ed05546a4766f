"""The Task Centre's operations (tasks, messages and announcements, processes, SLA, notifier
channels) fuzzed as the core suite does, but by a user holding every permission of those apps (the
core fuzz user holds org/core permissions only, so it meets 403s there): success answers must match
the OpenAPI schema, errors must carry the error body, nothing may fail."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases
from xiuhao.core.tests.test_api_fuzz import (  # noqa: F401  (fixtures)
    API,
    fuzz,
    in_process_requests,
    no_throttling,
    schema,
)
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory
from xiuhao.tasks.models import Message, Task

APPS = ["tasks", "workflow", "sla", "integrations"]
OPERATIONS = [op for op in (r.ok() for r in schema.get_all_operations())
              if op.path[len(API):].split("/")[0] in APPS]


@pytest.fixture
def task_centre_world(in_process_requests, no_throttling):  # noqa: F811
    branch = BranchFactory()
    outlet = OutletFactory(branch=branch)
    for label, case in load_cases().items():
        if label.split(".")[0] in APPS:
            case.make(branch, outlet)
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(Permission.objects.filter(content_type__app_label__in=[*APPS, "org"]))
    user.roles.add(role)
    # Something of the user's own to act on: an open task, one in the pool, an unread message.
    from xiuhao.tasks.services import task_create

    task_create(actor=user, kind="task.generic", title="检查压缩机", assignee=user)
    task_create(actor=user, kind="task.generic", title="抢单：上门保养", candidate_role=role, branch=branch)
    Message.objects.create(recipient=user, subject="欢迎", body="欢迎使用修好")
    records = {f"{API}{c.url_prefix}/": list(c.queryset(user, "view").values_list("pk", flat=True))
               for c in registry if c.api}
    records[f"{API}tasks/task/"] = list(Task.objects.values_list("pk", flat=True))
    records[f"{API}tasks/messages/"] = list(Message.objects.values_list("pk", flat=True))
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}, records


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_task_centre_operation_answers_as_documented(operation, task_centre_world):
    headers, records = task_centre_world
    fuzz(operation, headers, records)
