"""The OpenAPI schema is fuzzed: every operation of /api/v1/ is called in-process with generated
requests, valid and invalid, by a user holding every org and core permission with data scope
"all". No request may end in a server error; success answers must be documented, with the
documented content type, headers and body; errors must carry the API's error body."""

from urllib.parse import urlsplit

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from xiuhao.core import attachments
from xiuhao.core.models import Attachment, ImportJob
from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases
from xiuhao.org.models import User
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

API = "/api/v1/"

# Loaded at collection, from the app itself. There is no database then, so the throttles' cache
# (the database cache in settings) is memory while the schema is fetched.
with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                           "LOCATION": "api-fuzz-schema"}}):
    schema = schemathesis.openapi.from_wsgi(f"{API}schema/", get_wsgi_application())


# -- checks beyond schemathesis's own ----------------------------------------------------------------


def success_is_documented(ctx, response, case):
    """The schema documents only the success answers (drf-spectacular lists no 4xx), so
    status_code_conformance cannot be used as is: hold the 1xx-3xx answers to it."""
    documented = {str(code) for code in case.operation.responses.status_codes}
    status = response.status_code
    if status < 400 and not {str(status), f"{str(status)[0]}XX", "default"} & documented:
        raise AssertionError(f"Undocumented status {status}; documented: {sorted(documented)}")


def errors_have_the_api_error_body(ctx, response, case):
    """api.exception_handler: every API error is JSON {"error": {"code", "message", ...}}.
    URLs that no route matches (a non-integer id) get Django's own 404 page: not checked."""
    if not 400 <= response.status_code < 500:
        return
    try:
        resolve(urlsplit(response.request.url).path)
    except Resolver404:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} answered with {content_type}"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body


CHECKS = [not_a_server_error, success_is_documented, content_type_conformance, response_headers_conformance,
          response_schema_conformance, errors_have_the_api_error_body]
# Files, not JSON: Excel exports are held to their documented content type; attachment
# downloads answer with the stored file's own type (the schema says application/octet-stream).
EXPORT_CHECKS = [not_a_server_error, success_is_documented, content_type_conformance]
DOWNLOAD_CHECKS = [not_a_server_error, success_is_documented]


def checks_for(operation):
    if operation.path.endswith("/export/"):
        return EXPORT_CHECKS
    if operation.path.endswith("/download/"):
        return DOWNLOAD_CHECKS
    return CHECKS


# -- the world the requests meet ------------------------------------------------------------------------


@pytest.fixture
def in_process_requests(db):
    """Requests run in this thread, inside the test's transaction: as Django's test client does,
    keep the request signals from closing the connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_throttling(monkeypatch):
    """DRF read the rates at import: without this, fuzzing would meet false 429s."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, "token": None})


@pytest.fixture
def world(in_process_requests, no_throttling, settings, tmp_path):
    """The API user's token header, and the ids of a record of every kind for requests to meet."""
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


def aim_at_records(case, records):
    """Generated ids almost never exist: swap generated integers (but multiples of 7) for ids of
    seeded records, so that reads, edits and deletes meet real rows, not only 404s."""
    value = (case.path_parameters or {}).get("id")
    ids = records.get(case.operation.path.split("{id}")[0])
    if ids and isinstance(value, int) and value % 7:
        case.path_parameters["id"] = ids[value % len(ids)]


# Plain pytest parametrization, one test per operation, each a Hypothesis test of schemathesis's
# generated requests, valid and invalid. (schemathesis's own schema.parametrize() gives all its
# items one node id under pytest 9.2, so pytest-xdist would run only one; its coverage phase,
# hundreds of boundary-value requests per operation, would take minutes.)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def fuzz(operation, headers, records):
    """Send `operation` schemathesis's generated requests, valid and invalid, as the user of
    `headers` (aimed at `records`), each in a rolled-back transaction; every answer is checked."""

    @settings(max_examples=10, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode]))
    def generated_requests(case):
        aim_at_records(case, records)
        with transaction.atomic():  # each request is undone: every one meets the same records
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        case.validate_response(response, checks=checks_for(operation), headers=headers)

    generated_requests()


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_api_operation_survives_generated_requests(operation, world):
    headers, records = world
    fuzz(operation, headers, records)
