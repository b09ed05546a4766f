"""People read a task's type by its name (待办事项), never by its code (task.generic): the task
query's detail page, its list, the Excel export and the API's `kind_display`; a move's people are
the previous and the new assignee (原处理人/新处理人)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from xiuhao.org.tests.factories import grant
from xiuhao.tasks import services

from .fixtures_tasks import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(boss, worker):
    return services.task_create(actor=boss, kind="task.generic", title="Call Mr Li", assignee=worker)


def test_the_task_detail_page_shows_the_type_name_in_chinese(client, boss, task):
    client.force_login(boss)
    html = client.get(reverse("tasks_task_detail", args=[task.pk])).content.decode()
    assert "待办事项" in html and "task.generic" not in html


def test_the_task_list_shows_the_type_name(client, boss, task):
    client.force_login(boss)
    html = client.get(reverse("tasks_task_list")).content.decode()
    assert "待办事项" in html
    assert ">task.generic<" not in html


def test_the_excel_export_shows_the_type_name(client, boss, task):
    grant(boss, "tasks.export_task", data_scope="branch")
    client.force_login(boss)
    response = client.get(reverse("tasks_task_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert row[header.index("任务类型")] == "待办事项"
    assert "task.generic" not in row


def test_the_api_keeps_the_code_and_adds_the_name_in_the_users_language(boss, task):
    api = APIClient()
    api.force_authenticate(boss)
    body = api.get(f"/api/v1/tasks/task/{task.pk}/").json()
    assert (body["kind"], body["kind_display"]) == ("task.generic", "待办事项")
    english = api.get(f"/api/v1/tasks/task/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["kind_display"] == "To-do"
    assert api.get("/api/v1/tasks/my/").json()["results"] == []  # boss has no tasks of his own
    assert api.get("/api/v1/tasks/task/").json()["results"][0]["kind_display"] == "待办事项"


def test_an_unregistered_type_reads_as_its_code(client, boss, worker):
    task = services.task_create(actor=boss, kind="legacy.visit", title="Old", assignee=worker)
    client.force_login(boss)
    html = client.get(reverse("tasks_task_detail", args=[task.pk])).content.decode()
    assert "legacy.visit" in html


def test_a_moves_from_and_to_read_as_the_previous_and_new_assignee(client, boss, worker, colleague, task):
    """Not 开始/结束: the bare "from"/"to" belong to other apps (an SLA's start and end)."""
    services.task_transfer(actor=worker, task=task, to_user=colleague, reason="On leave")
    grant(boss, "tasks.view_taskevent", data_scope="branch")
    client.force_login(boss)
    for url in (reverse("tasks_taskevent_list"), reverse("tasks_work", args=[task.pk]),
                reverse("tasks_task_detail", args=[task.pk]) + "?tab=moves"):
        html = client.get(url).content.decode()
        assert "原处理人" in html and "新处理人" in html, url
        assert "开始" not in html and "结束" not in html, url
