"""SLA clocks in the browser: the administrator opens the clock list, pauses a running clock waiting
for parts, sees the pause on its tab, resumes it and sees the due time move; the engineer sees the
remaining SLA time of his tasks in 我的任务; the calendar's "test the calendar" page skips the lunch
break and National Day. Data: the demo company with its demo SLA clocks (xiuhao/sla/demo_clocks.py)."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from xiuhao.sla import demo_clocks, services
from xiuhao.sla.models import BusinessCalendar, SlaClock, SlaPause

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RUNNING = "整理南山区巡检报告"  # the engineer's resolution clock, on time (xiuhao/sla/demo_clocks.py)
WARNING = "回访深圳市人民医院 CT 室"  # the engineer's response clock, in warning


def zh(text):
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def an_hour_of_work_passes_in_the_pause(clock):
    """Move the clock's pause one working hour back (as if it had been paused an hour of work
    earlier), so that resuming now moves the due time by that hour whatever the time of day."""
    clock.refresh_from_db()
    cal = services.work_calendar(clock.calendar)
    earlier = demo_clocks.business_ago(cal, clock.paused_at, 60)
    SlaClock.objects.filter(pk=clock.pk).update(
        paused_at=earlier, used=clock.used - cal.business_time_between(earlier, clock.paused_at))
    SlaPause.objects.filter(clock=clock, ended_at__isnull=True).update(started_at=earlier)


def test_the_administrator_pauses_and_resumes_a_clock_waiting_for_parts(page, live_server, login):
    clock = SlaClock.objects.get(target_label=RUNNING, status="running")
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/sla/slaclock/")
    expect(page.locator("h2.page-title")).to_have_text(zh("SLA clocks"))
    rows = page.locator("#list-table tbody tr")
    expect(rows).to_have_count(SlaClock.objects.count())
    expect(page.locator('#list-table [data-testid="sla-badge"][data-state="overdue"]').first).to_be_visible()
    page.locator(f'#list-table a[href="/sla/slaclock/{clock.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/sla/slaclock/{clock.pk}/"))

    page.locator(".page-header a.btn, a.btn", has_text=zh("Pause")).first.click()
    page.wait_for_url(re.compile(rf"/sla/slaclock/{clock.pk}/pause/$"))
    page.select_option('[data-testid="move-form"] select[name="reason"]', label=zh("Waiting for parts"))
    page.fill('[data-testid="move-form"] input[name="note"]', "waiting for parts")
    page.click('[data-testid="move-form"] [data-testid="save"]')
    page.wait_for_url(re.compile(rf"/sla/slaclock/{clock.pk}/$"))

    page.goto(f"{live_server.url}/sla/slaclock/{clock.pk}/?tab=time")
    badge = page.locator('[data-testid="clock-time"] [data-testid="sla-badge"]')
    expect(badge).to_have_attribute("data-status", "paused")
    expect(badge).to_contain_text(zh("paused"))
    pause_row = page.locator('[data-testid="clock-pauses"] tbody tr')
    expect(pause_row).to_have_count(1)
    expect(pause_row).to_contain_text(zh("Waiting for parts"))
    expect(pause_row).to_contain_text("waiting for parts")
    expect(pause_row.locator("td").nth(1)).to_have_text("—")  # not resumed yet
    clock.refresh_from_db()
    assert clock.status == "paused" and clock.pauses.get().reason == SlaPause.Reason.WAITING_PARTS
    due_before = clock.due_at
    due_cell = page.locator('[data-testid="clock-time"] dd').nth(2)
    shown_before = due_cell.inner_text()

    an_hour_of_work_passes_in_the_pause(clock)
    page.locator("a.btn", has_text=zh("Resume")).first.click()
    page.wait_for_url(re.compile(rf"/sla/slaclock/{clock.pk}/resume/$"))
    page.click('[data-testid="move-form"] [data-testid="save"]')
    page.wait_for_url(re.compile(rf"/sla/slaclock/{clock.pk}/$"))
    page.goto(f"{live_server.url}/sla/slaclock/{clock.pk}/?tab=time")
    expect(badge).to_have_attribute("data-status", "running")
    expect(due_cell).not_to_have_text(shown_before)
    expect(pause_row.locator("td").nth(1)).not_to_have_text("—")
    clock.refresh_from_db()
    moved = services.work_calendar(clock.calendar).business_time_between(due_before, clock.due_at)
    assert datetime.timedelta(hours=1) <= moved < datetime.timedelta(hours=1, minutes=5)
    expect(due_cell).to_have_text(timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M:%S"))


def test_my_tasks_show_the_remaining_sla_time(page, live_server, login):
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/tasks/my/")
    row = page.locator('[data-testid="my-tasks"] tr[data-task]', has_text=WARNING)
    badge = row.locator('[data-testid="sla-badge"]')
    expect(badge).to_have_count(1)
    expect(badge).to_have_attribute("data-state", "warning")
    expect(badge).to_have_attribute("data-status", "running")
    expect(badge).to_contain_text(re.compile(r"\d"))
    paused = page.locator('[data-testid="my-tasks"] tr[data-task] [data-testid="sla-badge"][data-status="paused"]')
    expect(paused).to_have_count(1)
    expect(paused).to_contain_text(zh("paused"))


def test_the_calendar_test_page_skips_the_lunch_break_and_a_holiday(page, live_server, login):
    default = BusinessCalendar.objects.get(is_default=True)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/sla/businesscalendar/{default.pk}/")
    page.locator("a.btn", has_text=zh("Test the calendar")).first.click()
    form = page.locator('[data-testid="try-form"]')
    expect(form).to_be_visible()

    # Wednesday 11:00 + 120 working minutes: one hour before the 12:00–13:30 lunch break, one after
    form.locator('input[name="start"]').fill("2026-12-02T11:00")
    form.locator('input[name="minutes"]').fill("120")
    form.locator('[data-testid="compute"]').click()
    expect(page.locator('[data-testid="try-result"] [data-testid="due"]')).to_have_text("2026-12-02 14:30:00")

    # the last working hour before National Day: the next one is on 8 October
    form.locator('input[name="start"]').fill("2026-09-30T17:00")
    form.locator('input[name="minutes"]').fill("60")
    form.locator('[data-testid="compute"]').click()
    expect(page.locator('[data-testid="try-result"] [data-testid="due"]')).to_have_text("2026-10-08 09:00:00")
