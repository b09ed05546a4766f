"""The process viewer 服务全流程可视化 in the browser: an announcement waiting for approval shows its
diagram with the start done and the approval step highlighted as current, and the history.
Data: the demo company (e2e/conftest.py); the announcement is submitted through the services."""

import pytest
from playwright.sync_api import expect

from xiuhao.messages import announcements
from xiuhao.org.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def submitted_announcement():
    admin = User.objects.get(username="admin")
    draft = announcements.announcement_create(actor=admin, data={
        "title": "春节值班安排", "body": "请各网点报送值班表。", "audience": "all"})
    return announcements.announcement_submit(actor=admin, announcement=draft)


def test_the_instance_viewer_highlights_the_current_step_and_shows_the_history(page, live_server, login):
    instance = submitted_announcement().process_instance
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/workflow/processinstance/{instance.pk}/")
    page.click('[data-tab="diagram"]')  # an htmx swap: the viewer draws itself after it

    viewer = page.locator('[data-testid="bpmn-viewer"]')
    expect(viewer).to_have_attribute("data-ready", "1")
    current = viewer.locator('g.djs-element.wf-current[data-element-id="approve"]')
    expect(current).to_have_count(1)
    expect(viewer.locator('g.djs-element.wf-done[data-element-id="submitted"]')).to_have_count(1)
    expect(viewer.locator('g.djs-element.wf-current')).to_have_count(1)
    expect(viewer.locator('g.djs-element.wf-done[data-element-id="publish"]')).to_have_count(0)
    history = page.locator('[data-testid="process-history"]')
    expect(history).to_contain_text("春节值班安排")  # the approval task's title names the announcement

    page.goto(f"{live_server.url}/workflow/processinstance/{instance.pk}/?tab=diagram")  # full page, no htmx
    expect(page.locator('[data-testid="bpmn-viewer"]')).to_have_attribute("data-ready", "1")
    expect(page.locator('g.djs-element.wf-current[data-element-id="approve"]')).to_have_count(1)
