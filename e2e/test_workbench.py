"""工作台 in the browser: the dispatcher starts from the cards of what he must act on — an overdue
task of his branch opens on its task page, where he urges its assignee; the warranty card leads to
the warranties ending with a contract offer; the engineer's phone home lists his tasks and opens
them on the phone. Data: the demo company."""

import re

import pytest
from playwright.sync_api import expect

from xiuhao.org.models import User
from xiuhao.tasks import selectors

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.47")


def test_the_dispatcher_acts_from_his_start_page(page, live_server, login):
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/")
    expect(page.locator('[data-testid="workbench"]')).to_be_visible()
    overdue = page.locator('[data-card="overdue_tasks"]')
    expect(overdue.locator('[data-testid="card-count"]')).not_to_have_text("0")
    overdue.locator(".list-group-item").first.click()
    page.wait_for_url(re.compile(r"/tasks/work/\d+/$"))
    page.fill('[data-testid="urge-form"] textarea, [data-testid="urge-form"] input[type=text]', "客户催了，请尽快上门")
    page.click('[data-testid="urge"]')
    expect(page.locator(".alert-success, .alert-info").first).to_be_visible()

    page.goto(f"{live_server.url}/")
    page.locator('[data-card="warranties_ending"] .card-footer a').click()
    page.wait_for_url(re.compile(r"/assets/warranties-ending/"))
    expect(page.locator('[data-testid="warranties-ending"] tbody tr').first).to_be_visible()
    expect(page.locator('[data-testid="offer-contract"]').first).to_be_visible()


def test_the_engineer_opens_his_tasks_from_the_phone_home(browser, live_server, demo, login):
    engineer = User.objects.get(username="engineer")
    phone = browser.new_context(locale="zh-CN", user_agent=WECHAT, viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True).new_page()
    login(phone, live_server, "engineer")
    phone.goto(f"{live_server.url}/m/")
    first = selectors.my_open_tasks(engineer).first()
    tasks = phone.locator('[data-card="my_tasks"] + .weui-cells a.weui-cell')
    expect(tasks.first).to_contain_text(first.title)
    tasks.first.click()
    phone.wait_for_url(re.compile(rf"/m/tasks/{first.pk}/$"))
