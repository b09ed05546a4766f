"""Every answer of the API is its documented error body, also those Django makes before or
outside DRF: an unknown API URL, a CSRF refusal, an over-large body refused before it is read."""

import json

import pytest
from django.test import Client

from xiuhao.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def error_of(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)["error"]
    assert body["code"] and body["message"]
    return body


def test_an_unknown_api_url_answers_the_error_body():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/api/v1/no/such/endpoint/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_a_csrf_refusal_answers_the_error_body():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(UserFactory(is_superuser=True))
    response = client.post("/api/v1/customers/customer/", data={}, content_type="application/json")
    assert response.status_code == 403 and error_of(response)["code"]


def test_an_over_large_body_is_refused_before_it_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", data=json.dumps({"username": "x" * 2000}), content_type="application/json")
    assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"
