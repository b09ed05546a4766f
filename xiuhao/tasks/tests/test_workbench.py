"""The start page 工作台: each person sees what they must act on — their tasks, the pool, other
people's overdue tasks in their area, unread messages (folded by kind), SLA clocks running late,
warranties and contracts ending — within their permissions and data scope; the phone home shows
the phone cards and opens phone pages only; the task query reaches urge / reassign / cancel."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from xiuhao.org.tests.factories import BranchFactory, UserFactory, user_with
from xiuhao.tasks.models import Message, Task

from .factories import TaskFactory

pytestmark = pytest.mark.django_db

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) Mobile MicroMessenger"}


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def cards(response):
    return {card.key: data for card, data in response.context["cards"]}


def late(**kwargs):
    return TaskFactory(due_at=timezone.now() - datetime.timedelta(hours=2), **kwargs)


def test_an_engineer_sees_his_open_tasks_late_first_and_not_other_peoples():
    me = UserFactory()
    mine = late(assignee=me, title="更换滤芯")
    TaskFactory(assignee=me, title="回访客户", due_at=timezone.now() + datetime.timedelta(days=1))
    TaskFactory(title="别人的任务")
    response = client_for(me).get("/")
    data = cards(response)["my_tasks"]
    assert data.count == 2 and data.tone == "danger"
    assert [i.text for i in data.items] == ["更换滤芯", "回访客户"]
    assert data.items[0].badge and data.items[0].url == f"/tasks/work/{mine.pk}/"
    assert "别人的任务" not in response.content.decode()
    assert "更换滤芯" in response.content.decode()


def test_the_phone_home_shows_phone_cards_that_open_phone_pages():
    me = user_with("customers.view_customer", "assets.view_device", "tasks.view_task_board")
    task = TaskFactory(assignee=me, title="上门维修")
    Message.objects.create(recipient=me, kind="system", subject="系统通知")
    response = client_for(me).get("/m/", **PHONE)
    assert set(cards(response)) == {"my_tasks", "task_pool", "unread_messages"}
    html = response.content.decode()
    links = re.findall(r'class="weui-cell weui-cell_access" href="([^"]+)"', html)
    assert f"/m/tasks/{task.pk}/" in links
    assert links and all(link.startswith("/m/") for link in links), links
    assert "客户" not in html  # no desktop reference pages (customers, devices …) on the phone home


def test_a_manager_sees_overdue_tasks_of_his_branch_only():
    branch, other = BranchFactory(), BranchFactory()
    manager = user_with("tasks.view_task", "tasks.view_task_board", branch=branch)
    late(branch=branch, title="超时-本分公司")
    late(branch=other, title="超时-别的分公司")
    TaskFactory(branch=branch, title="未超时", due_at=timezone.now() + datetime.timedelta(hours=5))
    data = cards(client_for(manager).get("/"))["overdue_tasks"]
    assert [i.text for i in data.items] == ["超时-本分公司"] and data.count == 1
    assert data.more_url.startswith("/tasks/task/?") and "overdue=true" in data.more_url


def test_the_overdue_card_needs_the_board_permission():
    engineer = user_with("tasks.view_task")
    assert "overdue_tasks" not in cards(client_for(engineer).get("/"))


def test_many_unread_messages_of_one_kind_fold_into_one_line():
    me = UserFactory()
    for n in range(4):
        Message.objects.create(recipient=me, kind="warranty_expiry", subject=f"保修到期{n}")
    Message.objects.create(recipient=me, kind="system", subject="系统维护通知")
    data = cards(client_for(me).get("/"))["unread_messages"]
    assert data.count == 5
    texts = [i.text for i in data.items]
    assert len(texts) == 2 and texts[1] == "系统维护通知"
    assert texts[0].endswith("× 4") and "kind=warranty_expiry" in data.items[0].url


def test_the_start_page_runs_the_same_queries_for_3_or_30_tasks():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    branch = BranchFactory()
    manager = user_with("tasks.view_task", "tasks.view_task_board", "assets.view_device", "sla.view_slaclock",
                        "contracts.view_contract", branch=branch)
    c = client_for(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        late(assignee=manager, branch=branch)
        late(branch=branch)
    count()  # warm: the first request fills caches (session, permissions)
    few = count()
    for _ in range(30):
        late(assignee=manager, branch=branch)
        late(branch=branch)
    assert count() == few


def test_without_any_permission_the_start_page_says_so():
    response = client_for(UserFactory()).get("/")
    assert response.status_code == 200
    assert "quick-action" not in response.content.decode()
    assert response.context["has_menu"] is False


def test_quick_actions_follow_the_add_permissions():
    clerk = user_with("customers.add_customer", "customers.view_customer")
    response = client_for(clerk).get("/")
    assert [a.href for a in response.context["quick_actions"]] == ["/customers/customer/add/"]


# -- the task query: a manager reaches the moves on other people's tasks -------------------------------------
def test_the_task_query_offers_urge_reassign_and_cancel_and_opens_the_task_page():
    branch = BranchFactory()
    manager = user_with("tasks.view_task", "tasks.change_task", "tasks.reassign_task", branch=branch)
    task = TaskFactory(branch=branch, title="待处理")
    c = client_for(manager)
    html = c.get("/tasks/task/").content.decode()
    row = html[html.index(f'/tasks/work/{task.pk}/"'):]
    assert re.findall(r'data-move="(\w+)"', row)[:3] == ["urge", "reassign", "cancel"]
    page = c.get(f"/tasks/work/{task.pk}/").content.decode()
    for move in ("urge", "reassign", "cancel"):
        assert f'id="move-{move}"' in page
    response = c.post(f"/tasks/work/{task.pk}/urge/", {"urge-note": "请尽快处理"})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).urge_count == 1


def test_the_task_query_offers_nothing_on_done_tasks_nor_without_the_permissions():
    branch = BranchFactory()
    viewer = user_with("tasks.view_task", branch=branch)
    TaskFactory(branch=branch, assignee=viewer)  # his own: no urge
    done = TaskFactory(branch=branch, status=Task.Status.DONE)
    html = client_for(viewer).get("/tasks/task/").content.decode()
    assert "data-move=" not in html
    manager = user_with("tasks.view_task", "tasks.change_task", "tasks.reassign_task", branch=branch)
    html = client_for(manager).get("/tasks/task/").content.decode()
    row = html[html.index(f'/tasks/work/{done.pk}/"'):]
    row = row[:row.index("</tr>")]
    assert "data-move=" not in row
