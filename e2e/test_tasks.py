"""我的任务 in the browser: the engineer opens his tasks, claims a repair from the grab pool, completes
it, and transfers another task with a reason; on the phone he claims from the pool and sets his
state. Data: the demo company (its demo tasks)."""

import re

import pytest
from playwright.sync_api import expect

from xiuhao.org.models import User
from xiuhao.tasks import selectors
from xiuhao.tasks.models import EngineerState, Task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.47")


def test_an_engineer_claims_from_the_pool_completes_and_transfers_with_a_reason(page, live_server, login):
    engineer = User.objects.get(username="engineer")
    open_before = selectors.my_open_tasks(engineer).count()
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/tasks/my/")
    expect(page.locator('[data-testid="task-count"]')).to_have_text(str(open_before))
    expect(page.locator('[data-testid="my-tasks"] tr[data-task]')).to_have_count(open_before)

    # the grab pool: claim the dental chair in his district
    page.click('[data-testid="pool-link"]')
    row = page.locator('[data-testid="pool"] tr', has_text="南山区口腔诊所牙椅漏水")
    row.locator('[data-testid="claim"]').click()
    page.wait_for_url(re.compile(r"/tasks/work/\d+/$"))
    expect(page.locator('[data-testid="task"]')).to_have_attribute("data-status", "open")
    task = Task.objects.get(title="南山区口腔诊所牙椅漏水")
    assert task.assignee == engineer and task.status == Task.Status.OPEN

    # complete it: it leaves my tasks
    page.click('[data-testid="complete"]')
    page.wait_for_url(re.compile(r"/tasks/my/$"))
    expect(page.locator('[data-testid="my-tasks"] tr[data-task]')).to_have_count(open_before)
    task.refresh_from_db()
    assert task.status == Task.Status.DONE

    # transfer another one: refused without a reason, done with one
    other = selectors.my_open_tasks(engineer).first()
    page.goto(f"{live_server.url}/tasks/work/{other.pk}/")
    chenhao = User.objects.get(username="chenhao")
    page.select_option('[data-testid="transfer-form"] select', str(chenhao.pk))
    page.click('[data-testid="transfer"]')
    expect(page.locator('[data-testid="transfer-form"] [data-testid="form-errors"]')).to_be_visible()
    page.select_option('[data-testid="transfer-form"] select', str(chenhao.pk))
    page.fill('[data-testid="transfer-form"] input[name="transfer-reason"]', "客户在龙岗，陈浩更近")
    page.click('[data-testid="transfer"]')
    page.wait_for_url(re.compile(r"/tasks/my/$"))
    expect(page.locator(f'tr[data-task="{other.pk}"]')).to_have_count(0)
    other.refresh_from_db()
    assert other.assignee == chenhao
    assert other.events.get(action="transferred").reason == "客户在龙岗，陈浩更近"


def test_an_engineer_claims_on_the_phone_and_sets_his_state(browser, live_server, demo, login):
    engineer = User.objects.get(username="engineer")
    phone = browser.new_context(locale="zh-CN", user_agent=WECHAT, viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True).new_page()
    login(phone, live_server, "engineer")
    phone.goto(f"{live_server.url}/m/tasks/")
    expect(phone.locator('[data-testid="m-my-tasks"] a[data-task]')).to_have_count(
        selectors.my_open_tasks(engineer).count())
    phone.click('[data-testid="m-pool-link"]')
    phone.locator('[data-testid="m-pool"] .weui-cell', has_text="福田区体检中心").locator(
        '[data-testid="claim"]').click()
    phone.wait_for_url(re.compile(r"/m/tasks/\d+/$"))
    task = Task.objects.get(title__startswith="福田区体检中心")
    assert task.assignee == engineer
    phone.goto(f"{live_server.url}/m/tasks/state/")
    phone.click('label[for="state-travelling"]')
    phone.select_option('[data-testid="state-form"] select[name="task"]', str(task.pk))
    phone.click('[data-testid="save"]')
    expect(phone.locator('[data-testid="current-state"]')).to_contain_text(task.title)
    state = EngineerState.objects.get(user=engineer)
    assert (state.state, state.task_id) == ("travelling", task.pk)
    phone.context.close()
