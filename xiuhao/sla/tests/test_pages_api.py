"""The SLA in the browser and through the API: clocks list with remaining time, pause/resume,
the calendar's tabs and test page, target evaluation."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from xiuhao.org.tests.factories import UserFactory
from xiuhao.sla import services
from xiuhao.sla.models import SlaClock, SlaPolicy

from .conftest import at


@pytest.fixture
def clock(calendar, supervisor):
    engineer = UserFactory(branch=supervisor.branch)
    return services.clock_start(actor=None, target=engineer, kind="response", minutes=240, calendar=calendar,
                                owner=engineer, now=timezone.now() - datetime.timedelta(minutes=5))


def test_the_clock_list_shows_the_remaining_time_badge(client, supervisor, clock):
    client.force_login(supervisor)
    html = client.get("/sla/slaclock/").content.decode()
    assert 'data-testid="sla-badge"' in html and f"/sla/slaclock/{clock.pk}/" in html
    assert client.get("/sla/slaclock/", {"status": "running", "kind": "response"}).status_code == 200


def test_a_clock_is_paused_and_resumed_on_its_page(client, supervisor, clock):
    client.force_login(supervisor)
    assert client.get(f"/sla/slaclock/{clock.pk}/pause/").status_code == 200
    assert client.post(f"/sla/slaclock/{clock.pk}/pause/", {"reason": "other"}).status_code == 400  # note needed
    response = client.post(f"/sla/slaclock/{clock.pk}/pause/", {"reason": "waiting_customer", "note": "客户不在"})
    assert response.status_code == 302
    assert SlaClock.objects.get(pk=clock.pk).status == "paused"
    tab = client.get(f"/sla/slaclock/{clock.pk}/?tab=time").content.decode()
    assert "客户不在" in tab and 'data-status="paused"' in tab
    assert client.post(f"/sla/slaclock/{clock.pk}/resume/").status_code == 302
    assert SlaClock.objects.get(pk=clock.pk).status == "running"


def test_the_api_pauses_resumes_and_tells_the_remaining_time(client, supervisor, clock):
    client.force_login(supervisor)
    url = f"/api/v1/sla/slaclock/{clock.pk}/"
    body = client.post(url + "pause/", {"reason": "waiting_parts"}, content_type="application/json").json()
    assert body["status"] == "paused"
    again = client.post(url + "pause/", {"reason": "waiting_parts"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_status"  # paused already
    assert client.post(url + "resume/", content_type="application/json").json()["status"] == "running"
    left = client.get(url + "remaining/").json()
    assert left["state"] in {"on_time", "warning", "overdue"} and left["target_minutes"] == 240
    bad = client.post(url + "pause/", {"reason": "nap"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"


def test_the_api_hides_clocks_of_other_branches(client, clock):
    from xiuhao.org.tests.factories import BranchFactory, grant

    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, "sla.view_slaclock", "sla.change_slaclock", data_scope="branch")
    client.force_login(stranger)
    assert client.post(f"/api/v1/sla/slaclock/{clock.pk}/pause/", {"reason": "waiting_parts"},
                       content_type="application/json").status_code == 404
    assert client.get(f"/api/v1/sla/slaclock/{clock.pk}/remaining/").status_code == 404


def test_the_api_evaluates_the_targets_of_a_request(client, supervisor, calendar):
    SlaPolicy.objects.create(name="金牌紧急", customer_tier="gold", priority="urgent", response_minutes=30)
    client.force_login(supervisor)
    body = client.get("/api/v1/sla/targets/", {"customer_tier": "gold", "priority": "urgent",
                                               "branch": supervisor.branch_id}).json()
    assert body["minutes"]["response"] == 30 and body["policy"]["name"] == "金牌紧急"
    assert body["calendar"]["code"] == "office" and body["reasons"]
    assert client.get("/api/v1/sla/targets/", {"priority": "sometimes"}).status_code == 400


def test_the_api_and_the_page_compute_a_due_time_on_a_calendar(client, supervisor, calendar):
    client.force_login(supervisor)
    body = client.get(f"/api/v1/sla/businesscalendar/{calendar.pk}/due/",
                      {"start": "2026-09-30T17:00:00+08:00", "minutes": 60}).json()
    assert body["due"] == "2026-10-08T09:00:00+08:00"  # National Day does not count
    assert client.get(f"/api/v1/sla/businesscalendar/{calendar.pk}/due/", {"minutes": "x"}).status_code == 400
    page = client.get(f"/sla/businesscalendar/{calendar.pk}/try/", {"start": "2026-09-30T17:00", "minutes": 60})
    assert "2026-10-08 09:00:00" in page.content.decode()


def test_the_calendar_page_shows_working_hours_and_holidays(client, supervisor, calendar):
    client.force_login(supervisor)
    periods = client.get(f"/sla/businesscalendar/{calendar.pk}/?tab=periods").content.decode()
    assert "08:30–12:00" in periods and "13:30–17:30" in periods
    holidays = client.get(f"/sla/businesscalendar/{calendar.pk}/?tab=holidays&year=2026").content.decode()
    assert "2026-10-01" in holidays and 'data-kind="workday"' in holidays


def test_the_badge_for_tasks_is_coloured_by_state(calendar):
    owner = UserFactory()
    now = timezone.now()
    clock = services.clock_start(actor=None, target=owner, kind="resolution", minutes=1, calendar=None,
                                 owner=owner, now=now - datetime.timedelta(minutes=5))
    html = render_to_string("sla/includes/clock_badge.html", {"clock": clock})
    assert 'data-state="overdue"' in html
    services.clock_stop(actor=None, clock=clock, now=at(2030, 1, 1))
    assert 'data-status="breached"' in render_to_string("sla/includes/clock_badge.html", {"clock": clock})
