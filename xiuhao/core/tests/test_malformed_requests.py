"""Malformed requests answer a clear 4xx — the API's error body under /api/, a plain 400 page
elsewhere — never a 500: bad paging values on every list page and API list, deeply nested
JSON, over-large bodies, and missing credentials (401 with WWW-Authenticate)."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from xiuhao.core.registry import registry
from xiuhao.org.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BAD_SIZES = ["-1", "0", "abc", "99999999999999999999", "1e3", ""]
CONFIGS = [c for c in registry]


def assert_api_error(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


@pytest.fixture
def admin(db):
    return User.objects.create_superuser(username="root", password="Passw0rd!x")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.key)
def test_every_list_page_shrugs_off_bad_paging_values(admin_client, config):
    url = config.url("list")
    for value in BAD_SIZES:
        for param in ("per_page", "page"):
            response = admin_client.get(url, {param: value})
            assert response.status_code in (200, 404), (url, param, value, response.status_code)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.key)
def test_every_api_list_answers_bad_paging_values_with_the_error_body(admin_client, config):
    url = f"/api/v1/{config.url_prefix}/"
    for value in BAD_SIZES:
        for param in ("page_size", "per_page", "page"):
            response = admin_client.get(url, {param: value})
            if response.status_code == 200:
                continue
            assert response.status_code in (400, 404), (url, param, value, response.status_code)
            assert_api_error(response, response.status_code)


def test_deeply_nested_json_is_a_malformed_request_even_before_login(client):
    response = client.post("/api/v1/auth/token/", "[" * 10_000, content_type="application/json")
    assert_api_error(response, 400, "malformed_request")


def test_deeply_nested_json_after_login_is_a_malformed_request(admin_client):
    response = admin_client.post("/api/v1/org/branch/", "[" * 10_000, content_type="application/json")
    assert_api_error(response, 400, "malformed_request")


def test_an_over_large_api_body_answers_with_the_error_body(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/v1/auth/token/", '{"username": "' + "x" * 5000 + '"}',
                           content_type="application/json")
    assert_api_error(response, 413, "request_too_large")


def test_an_over_large_form_post_answers_with_a_plain_400_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.post("/login/", {f"f{i}": "x" for i in range(50)})
    assert response.status_code == 400
    assert b"Traceback" not in response.content


def test_missing_credentials_answer_401_with_www_authenticate(client):
    response = client.get("/api/v1/me/")
    assert_api_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_credentials_answer_401(client):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope")
    assert_api_error(response, 401, "authentication_failed")


# -- logging of ordinary refusals (no traceback) ---------------------------------------------------


@pytest.mark.parametrize("exc", [PermissionDenied, Http404])
def test_ordinary_refusals_are_logged_as_one_line_warnings(client, caplog, admin, exc, settings):
    from django.urls import path

    def view(request):
        raise exc("nope")

    import xiuhao.config.urls as root

    class Urls:
        urlpatterns = [path("boom/", view), *root.urlpatterns]
        handler404 = root.handler404

    settings.ROOT_URLCONF = Urls
    client.force_login(admin)
    with caplog.at_level(logging.INFO):
        response = client.get("/boom/")
        api = client.get("/api/v1/org/branch/999999/")
    assert response.status_code in (403, 404) and api.status_code == 404
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
