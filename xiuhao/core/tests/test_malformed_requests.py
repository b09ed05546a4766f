"""Malformed requests get a clear 4xx in the documented body, never a 500: deeply nested JSON,
over-large bodies, bad paging parameters on every list page and API list, missing credentials
(401 with WWW-Authenticate); and ordinary 4xx are logged as one line, without a traceback."""

import json
import logging

import pytest
from django.test import Client

from xiuhao.core.registry import registry
from xiuhao.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NESTED = "[" * 10_000
PAGED = [c for c in registry if c.pages]
LISTED = [c for c in registry if c.api]


@pytest.fixture
def admin_client():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_superuser=True))
    return client


def error_of(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)["error"]
    assert body["code"] and body["message"]
    return body


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/customers/customer/", "/api/v1/no/such/"])
def test_deeply_nested_json_is_a_400_before_and_after_login(path, admin_client):
    for client in (Client(raise_request_exception=False), admin_client):
        response = client.post(path, data=NESTED, content_type="application/json")
        assert response.status_code in (400, 401, 404), (path, response.status_code)
        error_of(response)


def test_deeply_nested_json_is_a_parse_error_where_it_is_read(admin_client):
    response = admin_client.post("/api/v1/auth/token/", data=NESTED, content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "malformed_request"


def test_an_over_large_body_is_refused_with_the_api_error_body(settings, admin_client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000})
    for client in (Client(raise_request_exception=False), admin_client):
        response = client.post("/api/v1/customers/customer/", data=body, content_type="application/json")
        assert response.status_code == 413
        assert error_of(response)["code"] == "request_too_large"


def test_every_api_error_is_json_even_when_django_answers_before_drf(admin_client):
    response = admin_client.get("/api/v1/no/such/endpoint/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    csrf = Client(enforce_csrf_checks=True, raise_request_exception=False)
    csrf.force_login(UserFactory(is_superuser=True))
    response = csrf.post("/api/v1/customers/customer/", data={}, content_type="application/json")
    assert response.status_code == 403 and error_of(response)["code"]


def test_missing_credentials_answer_401_with_a_challenge():
    response = Client(raise_request_exception=False).get("/api/v1/customers/customer/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == "not_authenticated"


BAD_PAGING = ["per_page=-1", "per_page=0", "per_page=abc", "per_page=100000000", "page=-1", "page=0", "page=abc",
              "page=99999", "page=1e9"]


@pytest.mark.parametrize("config", PAGED, ids=lambda c: c.key)
def test_no_list_page_fails_on_bad_paging(config, admin_client):
    for query in BAD_PAGING:
        response = admin_client.get(f"{config.url('list')}?{query}")
        assert response.status_code == 200, (config.key, query, response.status_code)


@pytest.mark.parametrize("config", LISTED, ids=lambda c: c.key)
def test_no_api_list_fails_on_bad_paging(config, admin_client):
    for query in ["page_size=-1", "page_size=0", "page_size=abc", "page_size=100000000", "page=-1", "page=abc",
                  "page=99999"]:
        response = admin_client.get(f"/api/v1/{config.url_prefix}/?{query}")
        assert response.status_code in (200, 404), (config.key, query, response.status_code)
        if response.status_code == 404:
            error_of(response)


def test_an_ordinary_403_or_404_is_logged_without_a_traceback(caplog):
    user = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/customers/customer/").status_code == 403
        assert client.get("/customers/customer/999999/").status_code in (403, 404)
        assert client.get("/api/v1/customers/customer/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    handler_filter = logging.getLogger().handlers[0].filters if logging.getLogger().handlers else []
    from xiuhao.core.logging import ClientErrorsWithoutTraceback

    assert any(isinstance(f, ClientErrorsWithoutTraceback) for f in handler_filter)
    for record in records:
        ClientErrorsWithoutTraceback().filter(record)
        assert record.exc_info is None and "Traceback" not in logging.Formatter().format(record)


def test_a_server_error_keeps_its_traceback():
    import sys

    from xiuhao.core.logging import ClientErrorsWithoutTraceback

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", None,
                                   sys.exc_info())
    record.status_code = 500
    ClientErrorsWithoutTraceback().filter(record)
    assert "Traceback" in logging.Formatter().format(record)
