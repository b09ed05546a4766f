"""The OpenAPI schema is fuzzed: every operation of /api/v1/ is called in-process with generated
requests (valid and invalid) by a user holding every org and core permission with data scope
"all". No request may end in a server error, and answers with a documented status must have the
documented content type, headers and body."""

import os
import sys
import time

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xiuhao.core import attachments
from xiuhao.core.models import Attachment, ImportJob
from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases
from xiuhao.org.models import User
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

API = "/api/v1/"

# Loaded at collection, from the app itself. No database then: the throttles' cache (the
# database cache in settings) is swapped for memory while the schema is fetched. The coverage
# phase (hundreds of boundary requests per operation) is left out to keep the run short.
with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                           "LOCATION": "api-fuzz-schema"}}):
    schema = schemathesis.openapi.from_wsgi(
        f"{API}schema/", get_wsgi_application(),
        config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
    )


def _binary(operation):
    """Excel exports and attachment downloads answer with files, not JSON."""
    return operation.path.endswith(("/export/", "/download/"))


@pytest.fixture
def in_process_requests(db):
    """Requests run in this thread, inside the test's transaction: like Django's test client,
    keep the request signals from closing the connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_throttling(monkeypatch):
    # DRF read the rates at import; no throttling here, or fuzzing meets false 429s.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, "token": None})


@pytest.fixture
def world(in_process_requests, no_throttling, settings, tmp_path):
    """The superuser-like API user, its token, and a record of every kind for ids to find."""
    settings.MEDIA_ROOT = str(tmp_path)
    branch = BranchFactory()
    outlet = OutletFactory(branch=branch)
    for case in load_cases().values():
        case.make(branch, outlet)
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(Permission.objects.filter(content_type__app_label__in=["org", "core"]))
    user.roles.add(role)
    attachments.attachment_add(actor=user, obj=branch, kind="document",
                               file=SimpleUploadedFile("notes.txt", "维修记录：更换压缩机".encode()))
    ImportJob.objects.create(model_label="org.skill", original_name="skills.xlsx", created_by=user,
                             status=ImportJob.Status.INVALID, errors=[{"row": 2, "field": "编码", "message": "坏了"}])
    records = {f"{API}{c.url_prefix}/": list(c.queryset(user, "view").values_list("pk", flat=True))
               for c in registry if c.api}
    records[f"{API}org/user/"] = list(User.objects.values_list("pk", flat=True))
    records[f"{API}attachments/"] = list(Attachment.objects.values_list("pk", flat=True))
    records[f"{API}imports/"] = list(ImportJob.objects.values_list("pk", flat=True))
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}, records


def errors_have_the_api_error_body(ctx, response, case):
    """api.exception_handler: every API error has the body {"error": {"code", "message"}}."""
    if 400 <= response.status_code < 500:
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
            f"{response.status_code} answered with {response.headers.get('content-type')}")
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"error"}, body
        assert {"code", "message"} <= set(body["error"]), body


def _aim_at_records(case, records):
    """Generated ids almost never exist: swap generated integers (but multiples of 7) for ids of
    seeded records, so that reads, edits and deletes meet real rows, not only 404s."""
    value = (case.path_parameters or {}).get("id")
    ids = records.get(case.operation.path.split("{id}")[0])
    if ids and isinstance(value, int) and value % 7:
        case.path_parameters["id"] = ids[value % len(ids)]


@pytest.mark.django_db
@settings(max_examples=10, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@schema.parametrize()
def test_every_api_operation_survives_generated_requests(case, world):
    headers, records = world
    _aim_at_records(case, records)
    # Each request is rolled back, so every one meets the same seeded records.
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    names = os.environ.get("FUZZ_CHECKS", "")
    extra = [c for c in [status_code_conformance, content_type_conformance, response_headers_conformance,
                         response_schema_conformance, errors_have_the_api_error_body, negative_data_rejection, positive_data_acceptance] if c.__name__ in names.split(",")]
    checks = [not_a_server_error] if _binary(case.operation) else [not_a_server_error, *extra]
    if os.environ.get("FUZZ_DEBUG"):
        print("CALL", case.operation.label, case.meta.phase.name, case.meta.generation.mode.value,
              case.path_parameters, response.status_code, file=sys.stderr)
    case.validate_response(response, checks=checks, headers=headers)
