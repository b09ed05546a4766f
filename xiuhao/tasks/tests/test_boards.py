"""The employee task board (employees × days) and the engineer status board, within data scope."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xiuhao.org.tests.factories import BranchFactory, EngineerFactory, UserFactory
from xiuhao.tasks import selectors, services
from xiuhao.tasks.models import Task

from .fixtures_tasks import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


def todo(boss, user, title="x", days_ago=0, **kw):
    task = services.task_create(actor=boss, kind="task.generic", title=title, assignee=user, **kw)
    if days_ago:
        Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
        task.refresh_from_db()
    return task


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_the_employee_board_counts_per_day_the_tasks_due_completed_and_overdue(boss, worker):
    today = timezone.localdate()
    yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    todo(boss, worker, due_at=at(tomorrow, 10))  # due tomorrow
    late = todo(boss, worker, due_at=at(yesterday, 9))  # due yesterday, still open: overdue
    done_late = todo(boss, worker, due_at=at(yesterday, 9), days_ago=5)  # done today, due yesterday
    services.task_complete(actor=worker, task=done_late)
    services.task_cancel(actor=boss, task=todo(boss, worker, due_at=at(yesterday, 11)))  # not work any more
    todo(boss, worker, days_ago=1)  # created yesterday without a due time: no day of its own
    cells = selectors.employee_board(user=boss, employees=[worker], start=yesterday)
    assert cells[(worker.pk, yesterday)] == {"due": 2, "done": 0, "overdue": 1}
    assert cells[(worker.pk, today)] == {"due": 0, "done": 1, "overdue": 0}
    assert cells[(worker.pk, tomorrow)] == {"due": 1, "done": 0, "overdue": 0}
    assert late.status == Task.Status.OPEN


def test_every_count_on_the_board_is_the_number_of_rows_its_link_lists(client, boss, worker, colleague):
    """The count and the task query behind its link agree, cell by cell (page and API)."""
    import re
    from html import unescape

    from rest_framework.test import APIClient

    today = timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday() + 7)  # last week and this week
    for person in (worker, colleague):
        for offset in range(14):
            day = start + datetime.timedelta(days=offset)
            for hour in range(offset % 3 + 1):
                task = todo(boss, person, title=f"{person.pk}-{offset}-{hour}", due_at=at(day, 8 + hour * 7))
                if hour == 1:
                    services.task_complete(actor=person, task=task)
                elif hour == 2:
                    services.task_cancel(actor=boss, task=task)
    todo(boss, colleague, title="no due time")
    services.task_create(actor=boss, kind="task.generic", title="in the pool", due_at=at(today, 9))
    client.force_login(boss)
    html = "".join(client.get(reverse("tasks_employee_board"), {"week": week.isoformat()}).content.decode()
                   for week in (start, today))
    links = re.findall(r'<a class="badge [^"]+" href="([^"]+)" data-testid="cell-(\w+)"[^>]*>(\d+)</a>', html)
    assert {kind for _url, kind, _n in links} == {"due", "done", "overdue"}
    api = APIClient()
    api.force_authenticate(boss)
    for url, kind, count in links:
        url = unescape(url)
        listing = client.get(url).content.decode()
        assert f'data-total="{count}"' in listing, (kind, url)
        assert api.get("/api/v1/tasks/task/?" + url.split("?", 1)[1]).json()["count"] == int(count), (kind, url)


def test_the_employee_board_page_links_each_cell_to_the_task_query(client, boss, worker):
    today = timezone.localdate()
    todo(boss, worker, title="Board task", due_at=at(today, 23))
    client.force_login(boss)
    response = client.get(reverse("tasks_employee_board"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-employee="{worker.pk}"' in html and 'data-testid="cell-due"' in html
    day = today.isoformat()
    query = f"assignee={worker.pk}&amp;due_at_after={day}&amp;due_at_before={day}&amp;status=not_cancelled"
    assert query in html
    listing = client.get(reverse("tasks_task_list") + "?" + query.replace("&amp;", "&")).content.decode()
    assert "Board task" in listing


def test_the_boards_show_only_people_in_scope_and_need_the_permission(client, boss, worker, colleague):
    stranger = UserFactory(branch=BranchFactory(), display_name="Stranger")
    todo(stranger, stranger)
    client.force_login(boss)
    html = client.get(reverse("tasks_employee_board")).content.decode()
    assert f'data-employee="{stranger.pk}"' not in html and f'data-employee="{worker.pk}"' in html
    client.force_login(colleague)
    assert client.get(reverse("tasks_employee_board")).status_code == 403
    assert client.get(reverse("tasks_engineer_board")).status_code == 403


def test_the_employee_board_filters_and_moves_by_week(client, boss, worker, colleague):
    client.force_login(boss)
    last_week = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    response = client.get(reverse("tasks_employee_board"), {"week": last_week, "employee": worker.username})
    html = response.content.decode()
    assert f'data-employee="{worker.pk}"' in html and f'data-employee="{colleague.pk}"' not in html
    assert client.get(reverse("tasks_employee_board"), {"week": "garbage", "department": "x"}).status_code == 200


def test_the_engineer_board_shows_states_and_leads_to_the_persons_tasks(client, boss, branch, english):
    on_site = EngineerFactory(user=UserFactory(branch=branch, display_name="On site"))
    idle = EngineerFactory(user=UserFactory(branch=branch, display_name="Nobody told"))
    elsewhere = EngineerFactory(user=UserFactory(branch=BranchFactory()))
    task = todo(boss, on_site.user, title="Current")
    services.engineer_set_state(actor=on_site.user, user=on_site.user, state="on_site", task=task)
    client.force_login(boss)
    html = client.get(reverse("tasks_engineer_board")).content.decode()
    assert f'data-engineer="{on_site.user_id}" data-state="on_site"' in html
    assert f'data-engineer="{idle.user_id}" data-state="off_duty"' in html
    assert f'data-engineer="{elsewhere.user_id}"' not in html
    assert "Current" in html and f"assignee={on_site.user_id}&amp;status=open" in html


def test_the_engineer_board_has_no_n_plus_one(client, boss, branch):
    for _ in range(3):
        EngineerFactory(user=UserFactory(branch=branch))
    client.force_login(boss)
    client.get(reverse("tasks_engineer_board"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tasks_engineer_board"))
    for _ in range(10):
        engineer = EngineerFactory(user=UserFactory(branch=branch))
        services.engineer_set_state(actor=engineer.user, user=engineer.user, state="idle")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("tasks_engineer_board"))
    assert len(many) == len(few)


def test_the_employee_board_has_no_n_plus_one(client, boss, branch, worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(boss)
    client.get(reverse("tasks_employee_board"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tasks_employee_board"))
    for _ in range(10):
        todo(boss, UserFactory(branch=branch))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("tasks_employee_board"))
    assert len(many) == len(few)


def test_my_tasks_and_the_pool_have_no_n_plus_one(client, boss, worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    todo(boss, worker)
    services.task_create(actor=boss, kind="task.generic", title="p")
    client.force_login(worker)
    counts = []
    for n in (1, 10):
        for _ in range(n):
            todo(boss, worker, due_at=timezone.now())
            services.task_create(actor=boss, kind="task.generic", title="p")
        sizes = []
        for name in ("tasks_my", "tasks_pool", "tasks_m_my", "tasks_m_pool"):
            client.get(reverse(name))
            with CaptureQueriesContext(connection) as ctx:
                client.get(reverse(name))
            sizes.append(len(ctx))
        counts.append(sizes)
    assert counts[0] == counts[1]
