"""The SLA API answers as its OpenAPI schema says (found by fuzzing the Task Centre's API): working
hours are wall-clock times "08:30:00" — no UTC offset, which OpenAPI's `format: time` (RFC 3339
full-time) would require —, and pausing a clock that still has an open pause is a 409, not a 500."""

import datetime

import jsonschema_rs
import pytest
from django.utils import timezone

from xiuhao.org.tests.factories import UserFactory
from xiuhao.sla import services
from xiuhao.sla.models import SlaClock, SlaPause, WorkingPeriod

pytestmark = pytest.mark.django_db
URL = "/api/v1/sla/workingperiod/"


def documented(client, component):
    """A validator of `component` as schemathesis checks answers: formats included."""
    schema = client.get("/api/v1/schema/?format=json").json()
    return jsonschema_rs.Draft4Validator({"$ref": f"#/components/schemas/{component}",
                                          "components": schema["components"]}, validate_formats=True)


def test_working_periods_are_answered_as_documented(client, supervisor, calendar):
    client.force_login(supervisor)
    validator = documented(client, "WorkingPeriod")
    rows = client.get(URL, {"calendar": calendar.pk}).json()["results"]
    assert rows and rows[0]["start_time"] == "08:30:00"
    for row in rows:
        assert validator.is_valid(row), list(validator.iter_errors(row))
    one = client.get(f"{URL}{rows[0]['id']}/").json()
    assert validator.is_valid(one), list(validator.iter_errors(one))


def test_a_working_period_is_written_with_or_without_seconds_and_read_back_with_them(client, supervisor, calendar):
    client.force_login(supervisor)
    validator = documented(client, "WorkingPeriod")
    WorkingPeriod.objects.filter(calendar=calendar, weekday=6).delete()
    response = client.post(URL, {"calendar": calendar.pk, "weekday": 6, "start_time": "09:00", "end_time": "00:00"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start_time"], body["end_time"]) == ("09:00:00", "00:00:00")  # 00:00: the end of the day
    assert validator.is_valid(body)
    response = client.patch(f"{URL}{body['id']}/", {"start_time": "10:15:30"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["start_time"] == "10:15:30"
    response = client.patch(f"{URL}{body['id']}/", {"start_time": "24:00"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_failed"


def test_the_schema_documents_a_time_of_day_without_an_offset(client, supervisor):
    client.force_login(supervisor)
    schema = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    for component in ("WorkingPeriod", "WorkingPeriodRequest", "PatchedWorkingPeriodRequest"):
        for name in ("start_time", "end_time"):
            field = schema[component]["properties"][name]
            assert field.get("format") != "time" and field["type"] == "string"
            check = jsonschema_rs.Draft4Validator(field, validate_formats=True)
            assert check.is_valid("08:30:00") and check.is_valid("08:30") and check.is_valid("00:00:00")
            assert not check.is_valid("24:00") and not check.is_valid("8.30")


def test_pausing_a_clock_that_has_an_open_pause_is_refused_with_409(client, supervisor, calendar):
    """A pause row left open while the clock runs (the CRUD cases make one) must not end in the
    database's unique-constraint error."""
    engineer = UserFactory(branch=supervisor.branch)
    clock = services.clock_start(actor=None, target=engineer, kind="response", minutes=240, calendar=calendar,
                                 owner=engineer, now=timezone.now() - datetime.timedelta(minutes=5))
    SlaPause.objects.create(clock=clock, reason="waiting_parts", started_at=timezone.now())
    client.force_login(supervisor)
    response = client.post(f"/api/v1/sla/slaclock/{clock.pk}/pause/", {"reason": "waiting_customer"},
                           content_type="application/json")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "clock_already_paused"
    clock.refresh_from_db()
    assert clock.status == SlaClock.Status.RUNNING and SlaPause.objects.filter(clock=clock).count() == 1
