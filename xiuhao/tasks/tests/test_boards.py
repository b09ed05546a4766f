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


def test_the_employee_board_counts_open_done_and_overdue_per_day(boss, worker):
    today = timezone.localdate()
    todo(boss, worker)
    todo(boss, worker, due_at=timezone.now() - datetime.timedelta(hours=1))
    services.task_complete(actor=worker, task=todo(boss, worker))
    todo(boss, worker, days_ago=1)
    cells = selectors.employee_board(user=boss, employees=[worker], start=today - datetime.timedelta(days=1))
    assert cells[(worker.pk, today)] == {"open": 2, "done": 1, "overdue": 1}
    assert cells[(worker.pk, today - datetime.timedelta(days=1))] == {"open": 1, "done": 0, "overdue": 0}


def test_the_employee_board_page_links_each_cell_to_the_task_query(client, boss, worker):
    todo(boss, worker, title="Board task")
    client.force_login(boss)
    response = client.get(reverse("tasks_employee_board"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-employee="{worker.pk}"' in html and 'data-testid="cell-open"' in html
    today = timezone.localdate().isoformat()
    query = f"assignee={worker.pk}&amp;created_at_after={today}&amp;created_at_before={today}&amp;status=open"
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
