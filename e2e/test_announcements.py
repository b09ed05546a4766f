"""The small real process of issue 4 in the browser: announcement approval.

The service manager writes an announcement and submits it → the administrator finds the approval
task in the grab pool / 我的任务, claims it and approves → the announcement is published → an
engineer sees the unread badge in the top bar, the message in 我的消息 and the announcement on the
board; opening the message reads it. Data: the demo company (e2e/conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from xiuhao.messages import inbox
from xiuhao.org.models import User
from xiuhao.tasks.models import Announcement, Message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "端午节放假及值班安排"
BODY = "6 月 19 日至 21 日放假，各分公司值班工程师名单请于 6 月 15 日前报送。"


def test_an_announcement_is_approved_through_its_process_and_reaches_the_inbox_with_the_badge(
        browser, page, live_server, login):
    # 1. The service manager writes the announcement and submits it for approval.
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/tasks/announcement/add/")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=body]", BODY)
    page.select_option("select[name=audience]", "all")
    page.click('[data-testid="save"]')
    page.wait_for_url(re.compile(r"/tasks/announcement/\d+/$"))
    announcement = Announcement.objects.get(title=TITLE)
    expect(page.locator('[data-testid="announcement-status"]')).to_have_attribute("data-status", "draft")
    page.click('[data-testid="announcement-submit"]')
    page.click('[data-testid="move-form"] [data-testid="save"]')
    expect(page.locator('[data-testid="announcement-status"]')).to_have_attribute("data-status", "pending")

    # 2. The administrator claims the approval task from the pool and approves.
    approver = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
    login(approver, live_server, "admin")
    approver.goto(f"{live_server.url}/tasks/pool/")
    row = approver.locator("[data-testid=pool] tr", has_text=TITLE)
    row.locator('[data-testid="claim"]').click()
    expect(approver.locator('[data-testid="task"]')).to_have_attribute("data-status", "open")
    expect(approver.locator('[data-testid="announcement-to-approve"]')).to_contain_text(BODY)
    approver.goto(f"{live_server.url}/tasks/my/")
    approver.locator('[data-testid="my-tasks"] a', has_text=TITLE).first.click()
    approver.click('[data-testid="outcome-approve"]')
    approver.wait_for_url(re.compile(r"/tasks/my/"))
    announcement.refresh_from_db()
    assert announcement.status == "published"
    approver.context.close()

    # 3. An engineer sees the badge, the message and the announcement.
    engineer = User.objects.get(username="engineer")
    unread = inbox.unread_count(engineer)
    assert Message.objects.filter(announcement=announcement, recipient=engineer, read_at__isnull=True).exists()
    reader = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
    login(reader, live_server, "engineer")
    reader.goto(f"{live_server.url}/messages/")
    expect(reader.locator('[data-testid="unread-badge"]')).to_have_text(str(unread))
    message = reader.locator('[data-testid="message"][data-unread="1"]', has_text=TITLE)
    expect(message).to_be_visible()
    message.click()
    expect(reader.locator('[data-testid="message-detail"]')).to_contain_text(BODY)
    expect(reader.locator('[data-testid="unread-badge"]')).to_have_text(str(unread - 1))
    reader.click('[data-testid="message-link"]')
    expect(reader.locator('[data-testid="announcement-read"]')).to_contain_text(BODY)
    reader.goto(f"{live_server.url}/announcements/")
    expect(reader.locator('[data-testid="announcement-board"]')).to_contain_text(TITLE)
    reader.context.close()


def test_the_bell_counts_a_new_message_without_a_reload(page, live_server, login):
    """The bell polls its partial every 30 s: a message that arrives while the page is open shows up."""
    from xiuhao.core.notify import Notice
    from xiuhao.messages.notify import inapp_adapter

    login(page, live_server, "engineer")
    engineer = User.objects.get(username="engineer")
    page.clock.install()
    page.goto(f"{live_server.url}/messages/")
    before = inbox.unread_count(engineer)
    expect(page.locator('[data-testid="unread-badge"]')).to_have_text(str(before))
    inapp_adapter(Notice([engineer.pk], "派工提醒", "有新的工单等待处理", kind="system"))
    page.clock.fast_forward("00:31")
    expect(page.locator('[data-testid="unread-badge"]')).to_have_text(str(before + 1))
