"""The Task Centre and the SLA in English: the language switch in the top bar turns 我的任务, the
task query and the SLA clock pages into English — headings, the menu, table headings, buttons and
the SLA badges; only the data (names, titles) stays Chinese. Data: the demo company with its demo
SLA clocks."""

import re

import pytest
from playwright.sync_api import expect

from xiuhao.sla.models import SlaClock

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Han and full-width punctuation


def no_chinese(page, selector):
    """Every text of `selector` on the page, checked for Chinese characters and punctuation."""
    texts = page.locator(selector).all_inner_texts()
    assert texts, f"nothing matches {selector}"
    leftovers = [t for t in texts if CJK.search(t)]
    assert not leftovers, f"Chinese in {selector}: {leftovers}"
    return texts


def test_the_task_centre_and_the_sla_clocks_in_english(page, live_server, login):
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/tasks/my/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    switch = page.locator("header.xh-topbar .nav-item.dropdown:has(button[name=language])")
    switch.locator("[data-bs-toggle=dropdown]").click()
    switch.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/tasks/my/")

    # 我的任务 → My tasks, the menu in English (the Task centre section open)
    expect(page.locator("h2.page-title")).to_have_text("My tasks")
    expect(page.locator('[data-testid="pool-link"]')).to_contain_text("Grab tasks")
    expect(page.locator('[data-testid="new-todo"]')).to_have_text("New to-do")
    section = page.locator(".xh-menu > li.nav-item").filter(has=page.locator("a[href='/tasks/my/']"))
    expect(section.locator(".nav-link-title")).to_have_text("Task centre")
    items = no_chinese(page, ".xh-menu > li.nav-item:has(a[href='/tasks/my/']) .xh-menu-sub a")
    assert {"My tasks", "Grab tasks", "Task query"} <= {t.strip() for t in items}
    no_chinese(page, ".xh-menu .nav-link-title")
    no_chinese(page, "[data-testid='my-tasks'] thead th")
    no_chinese(page, "[data-testid='my-tasks'] .nav-tabs a")

    # the task query
    section.locator("a", has_text="Task query").click()
    page.wait_for_url(re.compile(r"/tasks/task/"))
    expect(page.locator("h2.page-title")).to_have_text("Task query")
    expect(page.locator("[data-testid=search]")).to_have_text("Search")
    expect(page.locator("[data-testid=export]")).to_have_text("Export")
    no_chinese(page, "#list-table thead th")
    no_chinese(page, "form label")
    no_chinese(page, ".xh-menu > li.nav-item:has(a[href='/tasks/my/']) .xh-menu-sub a")

    # the SLA clocks: list, badges, a clock with its tab and actions
    sla = page.locator(".xh-menu > li.nav-item").filter(has=page.locator("a[href='/sla/slaclock/']"))
    expect(sla.locator(".nav-link-title")).to_have_text("SLA")
    sla.locator(".xh-menu-toggle").click()
    no_chinese(page, ".xh-menu > li.nav-item:has(a[href='/sla/slaclock/']) .xh-menu-sub a")
    # (the sub-menu is still unfolding: go to the list by its address rather than race the animation)
    page.goto(f"{live_server.url}/sla/slaclock/")
    expect(page.locator("h2.page-title")).to_have_text("SLA clocks")
    no_chinese(page, "#list-table thead th")
    badges = no_chinese(page, "#list-table [data-testid='sla-badge']")
    assert any(" left" in b for b in badges) and any(" overdue" in b for b in badges)
    assert any("(paused)" in b for b in badges) and any(b.endswith("Met") for b in badges)
    clock = SlaClock.objects.get(status="paused")
    page.locator(f'#list-table a[href="/sla/slaclock/{clock.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/sla/slaclock/{clock.pk}/"))
    expect(page.locator("h2.page-title")).to_have_text(re.compile(r"^SLA clock: Resolution · "))
    no_chinese(page, ".page-header .btn, .nav-tabs .nav-link")
    page.locator("[data-tab=time]").click()
    expect(page.locator('[data-testid="clock-time"]')).to_contain_text("Remaining")
    no_chinese(page, "[data-testid='clock-time'] dt, [data-testid='clock-pauses'] th, [data-testid='clock-alerts'] th")
    expect(page.locator('[data-testid="clock-pauses"] tbody tr')).to_contain_text("Waiting for parts")
    page.locator(".page-header a.btn", has_text="Resume").click()
    expect(page.locator("h2.page-title")).to_have_text(re.compile(r"^Resume: Resolution · "))
    no_chinese(page, "[data-testid='move-form'] .btn, [data-testid='move-form'] p")
