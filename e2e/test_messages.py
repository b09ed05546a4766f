"""我的消息 on the phone (WeUI, as inside WeChat / WeCom / DingTalk): the 消息 tab with the unread
count, a message opened and read, the announcement it links to. Data: the demo company."""

import re

import pytest
from playwright.sync_api import expect

from xiuhao.messages import inbox
from xiuhao.org.models import User
from xiuhao.tasks.models import Message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.47")


def test_an_outlet_user_reads_an_announcement_from_the_phone_inbox(browser, live_server, demo, login):
    outlet = User.objects.get(username="outlet")
    unread = inbox.unread_count(outlet)
    message = Message.objects.filter(recipient=outlet, announcement__isnull=False).order_by("-created_at").first()
    assert unread >= 2 and message is not None
    phone = browser.new_context(locale="zh-CN", user_agent=WECHAT, viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True).new_page()
    login(phone, live_server, "outlet")
    phone.goto(f"{live_server.url}/m/messages/")
    tab = phone.locator(".xh-m-tabbar a", has_text="消息")
    expect(tab.locator(".xh-m-tabbar__badge")).to_have_text(str(unread))
    phone.locator('[data-testid="message"]', has_text=message.subject).click()
    expect(phone.locator('[data-testid="message-detail"]')).to_contain_text(message.subject)
    phone.click('[data-testid="message-link"]')
    phone.wait_for_url(re.compile(r"/m/announcements/\d+/$"))
    expect(phone.locator('[data-testid="announcement-read"]')).to_contain_text(message.announcement.title)
    expect(phone.locator(".xh-m-tabbar a", has_text="消息").locator(".xh-m-tabbar__badge")).to_have_text(
        str(unread - 1))
    phone.goto(f"{live_server.url}/m/messages/?status=unread")
    phone.click('[data-testid="mark-all-read"]')
    expect(phone.locator('[data-testid="message"][data-unread="1"]')).to_have_count(0)
    expect(phone.locator(".xh-m-tabbar__badge")).to_have_count(0)
    phone.context.close()
