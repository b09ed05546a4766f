"""The task pages: my tasks, the grab pool, a task's page with its moves, the phone pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant
from xiuhao.tasks import services
from xiuhao.tasks.models import EngineerState, Task
from xiuhao.tasks.types import register_task_type

from .fixtures_tasks import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


def todo(boss, worker, **kw):
    return services.task_create(actor=boss, kind="task.generic", title=kw.pop("title", "Call back"),
                                assignee=worker, **kw)


def test_my_tasks_lists_my_open_tasks_with_counts_per_type(client, boss, worker, english):
    register_task_type("test.visit", "Visit")
    todo(boss, worker, title="Call Mr Li")
    services.task_create(actor=boss, kind="test.visit", title="Visit the hospital", assignee=worker)
    done = todo(boss, worker, title="Old one")
    services.task_complete(actor=worker, task=done)
    todo(boss, boss, title="Not mine")
    client.force_login(worker)
    html = client.get(reverse("tasks_my")).content.decode()
    assert "Call Mr Li" in html and "Visit the hospital" in html
    assert "Old one" not in html and "Not mine" not in html
    assert 'data-total="2"' in html and ">Visit <span" in html
    only_visits = client.get(reverse("tasks_my"), {"kind": "test.visit"}).content.decode()
    assert "Visit the hospital" in only_visits and "Call Mr Li" not in only_visits


def test_my_tasks_refreshes_itself_with_the_list_partial(client, boss, worker):
    todo(boss, worker, title="Call Mr Li")
    client.force_login(worker)
    html = client.get(reverse("tasks_my")).content.decode()
    assert 'hx-trigger="every 30s"' in html
    partial = client.get(reverse("tasks_my"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="my-tasks").content.decode()
    assert "<html" not in partial and "Call Mr Li" in partial and 'id="my-tasks"' in partial


def test_an_overdue_task_says_so(client, boss, worker, english):
    todo(boss, worker, title="Late", due_at=timezone.now() - timezone.timedelta(hours=3))
    client.force_login(worker)
    assert 'data-testid="overdue"' in client.get(reverse("tasks_my")).content.decode()


def test_claiming_from_the_pool_page_and_the_loser_hears_who_won(client, boss, worker, colleague, english):
    task = services.task_create(actor=boss, kind="task.generic", title="Fix the copier")
    client.force_login(colleague)
    assert "Fix the copier" in client.get(reverse("tasks_pool")).content.decode()
    client.force_login(worker)
    response = client.post(reverse("tasks_move", args=[task.pk, "claim"]))
    assert response.status_code == 302 and response.url == reverse("tasks_work", args=[task.pk])
    client.force_login(colleague)
    response = client.post(reverse("tasks_move", args=[task.pk, "claim"]), follow=True)
    assert f"This task has already been claimed by {worker}." in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == worker


def test_completing_on_the_task_page(client, boss, worker):
    task = todo(boss, worker)
    client.force_login(worker)
    page = client.get(reverse("tasks_work", args=[task.pk])).content.decode()
    assert 'data-testid="complete"' in page and 'data-testid="transfer-form"' in page
    response = client.post(reverse("tasks_move", args=[task.pk, "complete"]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_a_task_type_form_is_filled_in_to_complete(client, boss, worker):
    from django import forms

    class VisitForm(forms.Form):
        result = forms.CharField(label="Result")
        visited_on = forms.DateField(label="Visited on")

    register_task_type("test.form", "With form", form_class=VisitForm, outcomes=[("ok", "OK"), ("ko", "Not OK")])
    task = services.task_create(actor=boss, kind="test.form", title="Fill me", assignee=worker)
    client.force_login(worker)
    assert 'data-testid="outcome-ko"' in client.get(reverse("tasks_work", args=[task.pk])).content.decode()
    response = client.post(reverse("tasks_move", args=[task.pk, "complete"]), {"outcome": "ok"})
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    response = client.post(reverse("tasks_move", args=[task.pk, "complete"]),
                           {"outcome": "ok", "f-result": "fixed", "f-visited_on": "2026-12-01"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.outcome, task.data) == ("ok", {"result": "fixed", "visited_on": "2026-12-01"})


def test_a_transfer_without_a_reason_is_refused_on_the_page(client, boss, worker, colleague):
    task = todo(boss, worker)
    client.force_login(worker)
    url = reverse("tasks_move", args=[task.pk, "transfer"])
    response = client.post(url, {"transfer-to_user": colleague.pk, "transfer-reason": ""})
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    response = client.post(url, {"transfer-to_user": colleague.pk, "transfer-reason": "On leave"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == colleague


def test_return_urge_reassign_and_cancel_from_the_page(client, boss, worker, colleague):
    task = todo(boss, worker)
    client.force_login(boss)
    page = client.get(reverse("tasks_work", args=[task.pk])).content.decode()
    assert 'data-testid="urge-form"' in page and 'data-testid="reassign-form"' in page
    assert client.post(reverse("tasks_move", args=[task.pk, "urge"]), {"urge-note": "quick"}).status_code == 302
    assert client.post(reverse("tasks_move", args=[task.pk, "reassign"]),
                       {"reassign-to_user": colleague.pk, "reassign-reason": "Workload"}).status_code == 302
    task.refresh_from_db()
    assert task.assignee == colleague and task.urge_count == 1
    client.force_login(colleague)
    assert client.post(reverse("tasks_move", args=[task.pk, "return"]),
                       {"return-reason": "Not mine"}).status_code == 302
    task.refresh_from_db()
    assert task.assignee == worker  # back to whom it came from
    client.force_login(boss)
    assert client.post(reverse("tasks_move", args=[task.pk, "cancel"]), {"cancel-reason": "dup"}).status_code == 302
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
    assert list(task.events.values_list("action", flat=True)) == [
        "created", "assigned", "urged", "reassigned", "returned", "cancelled"]


def test_a_task_of_another_branch_is_not_found(client, boss, worker):
    task = todo(boss, worker)
    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, "tasks.view_task", "tasks.reassign_task", data_scope="branch")
    client.force_login(stranger)
    assert client.get(reverse("tasks_work", args=[task.pk])).status_code == 404
    assert client.get(reverse("tasks_m_work", args=[task.pk])).status_code == 404
    for move in ("claim", "complete", "urge", "reassign", "cancel"):
        assert client.post(reverse("tasks_move", args=[task.pk, move])).status_code == 404
    assert task.events.count() == 2


def test_a_colleague_without_rights_reads_nothing_of_my_task(client, boss, worker, colleague):
    task = todo(boss, worker)
    client.force_login(colleague)  # same branch, no role: not within their scope
    assert client.get(reverse("tasks_work", args=[task.pk])).status_code == 404


def test_the_phone_pages(client, boss, worker, english):
    task = todo(boss, worker, title="Phone task")
    pool_task = services.task_create(actor=boss, kind="task.generic", title="Pool task")
    client.force_login(worker)
    html = client.get(reverse("tasks_m_my")).content.decode()
    assert "Phone task" in html and "weui" in html
    assert "Pool task" in client.get(reverse("tasks_m_pool")).content.decode()
    response = client.post(reverse("tasks_move", args=[pool_task.pk, "claim"]) + "?m=1")
    assert response.url == reverse("tasks_m_work", args=[pool_task.pk])
    assert 'data-testid="complete"' in client.get(reverse("tasks_m_work", args=[task.pk])).content.decode()
    response = client.post(reverse("tasks_move", args=[task.pk, "complete"]) + "?m=1")
    assert response.url == reverse("tasks_m_my")


def test_an_engineer_sets_their_state_on_the_phone(client, boss, worker):
    task = todo(boss, worker)
    client.force_login(worker)
    assert client.get(reverse("tasks_m_state")).status_code == 200
    response = client.post(reverse("tasks_m_state"), {"state": "on_site", "task": task.pk})
    assert response.status_code == 302
    state = EngineerState.objects.get(user=worker)
    assert (state.state, state.task) == ("on_site", task)
    assert client.post(reverse("tasks_m_state"), {"state": "dancing"}).status_code == 400


def test_the_registry_add_page_creates_a_to_do_for_a_pool(client, boss, english):
    from xiuhao.org.tests.factories import RoleFactory

    role = RoleFactory()
    client.force_login(boss)
    response = client.post(reverse("tasks_task_add"), {"title": "Inventory count", "candidate_role": role.pk,
                                                       "priority": 2})
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(title="Inventory count")
    assert task.status == Task.Status.POOL and task.candidate_role == role and task.kind == "task.generic"
    assert client.get(reverse("tasks_task_detail", args=[task.pk]) + "?tab=moves").status_code == 200


def test_the_menu_and_the_top_bar_show_the_task_centre(client, boss, worker):
    todo(boss, worker)
    client.force_login(worker)
    html = client.get(reverse("tasks_my")).content.decode()
    assert reverse("tasks_my") in html and reverse("tasks_pool") in html
    assert reverse("tasks_employee_board") not in html  # no board permission
    client.force_login(boss)
    assert reverse("tasks_employee_board") in client.get(reverse("tasks_my")).content.decode()


def test_the_top_bar_counts_my_open_tasks(client, boss, worker):
    todo(boss, worker)
    todo(boss, worker, title="Second")
    client.force_login(worker)
    html = client.get(reverse("tasks_pool")).content.decode()
    assert 'data-testid="task-count">2<' in html


def test_marks_of_other_apps_show_beside_tasks(client, boss, worker, monkeypatch):
    from xiuhao.tasks import hooks, selectors

    monkeypatch.setattr(hooks, "_marks", {})

    def collect(tasks):
        return {t.pk: [hooks.Mark(name="test", label=f"Label of {t.title}", at=t.created_at,
                                  template="tasks/_task_row_meta.html")] for t in tasks if t.title == "Marked"}

    hooks.add_marks(hooks.TaskMarks(name="test", label="Test marks", collect=collect))
    marked, plain = todo(boss, worker, title="Marked"), todo(boss, worker, title="Plain")
    rows = selectors.attach_marks(selectors.my_open_tasks(worker))
    assert {t.title: [m.label for m in t.marks] for t in rows} == {"Marked": ["Label of Marked"], "Plain": []}
    client.force_login(worker)
    html = client.get(reverse("tasks_work", args=[marked.pk])).content.decode()
    assert 'data-testid="test-marks"' in html and "Test marks" in html
    assert 'data-testid="test-marks"' not in client.get(reverse("tasks_work", args=[plain.pk])).content.decode()
    phone = client.get(reverse("tasks_m_work", args=[marked.pk])).content.decode()
    assert 'data-testid="test-mark"' in phone and "Label of Marked" in phone
    assert client.get(reverse("tasks_m_my")).content.decode().count('data-testid="test-mark"') == 1


def test_a_refused_move_on_the_phone_shows_the_phone_page_again(client, boss, worker, colleague):
    task = todo(boss, worker)
    client.force_login(worker)
    response = client.post(reverse("tasks_move", args=[task.pk, "transfer"]) + "?m=1",
                           {"transfer-to_user": colleague.pk, "transfer-reason": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "weui-tabbar" in html and 'class="weui-input"' in html
    assert 'data-testid="form-errors"' in html
