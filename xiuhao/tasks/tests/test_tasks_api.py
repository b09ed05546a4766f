"""The task API: my tasks with counts, the pool, and the moves with coded errors."""

import pytest
from rest_framework.test import APIClient

from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant
from xiuhao.tasks import services
from xiuhao.tasks.models import Task
from xiuhao.tasks.types import register_task_type

from .fixtures_tasks import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def todo(boss, worker, **kw):
    return services.task_create(actor=boss, kind=kw.pop("kind", "task.generic"), title=kw.pop("title", "Call back"),
                                assignee=worker, **kw)


def move(api, task, name, body=None):
    return api.post(f"/api/v1/tasks/task/{task.pk}/{name}/", body or {}, format="json")


def test_my_tasks_with_counts_per_type(api, boss, worker):
    register_task_type("test.visit", "Visit")
    todo(boss, worker)
    todo(boss, worker, kind="test.visit")
    todo(boss, worker, kind="test.visit")
    todo(boss, boss)
    api.force_authenticate(worker)
    body = api.get("/api/v1/tasks/my/").json()
    assert body["count"] == 3 and body["counts"] == {"task.generic": 1, "test.visit": 2}
    assert {r["assignee"] for r in body["results"]} == {worker.pk}
    assert api.get("/api/v1/tasks/my/", {"kind": "test.visit"}).json()["count"] == 2


def test_claim_through_the_api_and_the_loser_gets_409_with_the_winner(api, boss, worker, colleague, english):
    task = services.task_create(actor=boss, kind="task.generic", title="Pool")
    api.force_authenticate(worker)
    assert [r["id"] for r in api.get("/api/v1/tasks/pool/").json()["results"]] == [task.pk]
    response = move(api, task, "claim")
    assert response.status_code == 200 and response.json()["status"] == "open"
    api.force_authenticate(colleague)
    response = move(api, task, "claim")
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "task_already_claimed",
                                         "message": f"This task has already been claimed by {worker}."}
    assert api.get("/api/v1/tasks/pool/").json()["count"] == 0


def test_complete_checks_the_type_form_and_the_outcome(api, boss, worker):
    from django import forms

    class Form(forms.Form):
        amount = forms.IntegerField(min_value=0)

    register_task_type("test.api", "API", form_class=Form, outcomes=[("approve", "Approve"), ("reject", "Reject")])
    task = todo(boss, worker, kind="test.api")
    api.force_authenticate(worker)
    response = move(api, task, "complete", {"outcome": "approve", "data": {"amount": -1}})
    assert response.status_code == 400 and "data.amount" in response.json()["error"]["fields"]
    response = move(api, task, "complete", {"outcome": "maybe", "data": {"amount": 3}})
    assert response.status_code == 400 and "outcome" in response.json()["error"]["fields"]
    response = move(api, task, "complete", {"outcome": "approve", "data": {"amount": "3"}})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["data"]) == ("done", {"amount": 3})


def test_transfer_needs_a_reason_and_return_urge_reassign_cancel(api, boss, worker, colleague):
    task = todo(boss, worker)
    api.force_authenticate(worker)
    response = move(api, task, "transfer", {"to_user": colleague.pk})
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    assert move(api, task, "transfer", {"to_user": colleague.pk, "reason": "leave"}).json()["assignee"] == colleague.pk
    api.force_authenticate(colleague)
    assert move(api, task, "return", {"reason": "no"}).json()["assignee"] == worker.pk
    api.force_authenticate(boss)
    assert move(api, task, "urge", {"note": "hurry"}).json()["urge_count"] == 1
    assert move(api, task, "reassign", {"to_user": colleague.pk, "reason": "load"}).json()["assignee"] == colleague.pk
    assert move(api, task, "cancel", {"reason": "dup"}).json()["status"] == "cancelled"
    assert move(api, task, "cancel").status_code == 409
    assert list(task.events.values_list("action", flat=True)) == [
        "created", "assigned", "transferred", "returned", "urged", "reassigned", "cancelled"]


def code_of(response):
    return response.status_code, response.json()["error"]["code"]


def test_refusals_carry_codes_a_client_can_act_on(api, boss, worker):
    task = todo(boss, worker)
    pool = services.task_create(actor=boss, kind="task.generic", title="Pool")
    api.force_authenticate(worker)
    assert code_of(move(api, pool, "complete")) == (409, "task_not_claimed")
    assert code_of(move(api, task, "urge")) == (409, "task_is_yours")
    own = todo(worker, worker)
    assert code_of(move(api, own, "return", {"reason": "no"})) == (409, "task_nobody_to_return_to")
    api.force_authenticate(boss)
    assert code_of(move(api, task, "complete")) == (403, "task_not_yours")
    assert move(api, task, "urge").status_code == 200
    assert code_of(move(api, task, "urge")) == (409, "task_urged_recently")
    assert code_of(move(api, pool, "urge")) == (409, "task_not_in_progress")
    api.force_authenticate(worker)
    assert move(api, task, "complete").status_code == 200
    assert code_of(move(api, task, "complete")) == (409, "task_already_done")
    api.force_authenticate(boss)
    response = api.patch(f"/api/v1/tasks/task/{task.pk}/", {"title": "Too late"}, format="json")
    assert code_of(response) == (409, "task_closed")
    assert move(api, pool, "cancel").status_code == 200
    assert code_of(move(api, pool, "reassign", {"to_user": worker.pk, "reason": "x"})) == (409, "task_cancelled")


def test_others_cannot_move_my_task(api, boss, worker, colleague):
    task = todo(boss, worker)
    api.force_authenticate(colleague)  # same branch, no role: cannot even see it
    for name in ("complete", "transfer", "return", "urge", "reassign", "cancel"):
        assert move(api, task, name, {"reason": "x", "to_user": colleague.pk}).status_code == 404
    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, "tasks.view_task", "tasks.reassign_task", "tasks.change_task", data_scope="branch")
    api.force_authenticate(stranger)
    assert move(api, task, "reassign", {"to_user": stranger.pk, "reason": "mine"}).status_code == 404
    assert move(api, task, "claim").status_code == 404
    task.refresh_from_db()
    assert task.assignee == worker and task.status == Task.Status.OPEN


def test_a_manager_without_the_permission_cannot_reassign(api, boss, worker, colleague, branch):
    task = todo(boss, worker)
    manager = UserFactory(branch=branch)
    grant(manager, "tasks.view_task", data_scope="branch")
    api.force_authenticate(manager)
    response = move(api, task, "reassign", {"to_user": colleague.pk, "reason": "x"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_a_repeated_claim_with_the_same_idempotency_key_answers_the_same(api, boss, worker):
    task = services.task_create(actor=boss, kind="task.generic", title="Pool")
    api.force_authenticate(worker)
    first = api.post(f"/api/v1/tasks/task/{task.pk}/claim/", {}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    second = api.post(f"/api/v1/tasks/task/{task.pk}/claim/", {}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == second.status_code == 200 and second["Idempotent-Replayed"] == "true"
    assert task.events.filter(action="claimed").count() == 1


def test_an_engineer_state_through_the_registry_api(api, boss, worker):
    grant(worker, "tasks.view_engineerstate", "tasks.add_engineerstate", "tasks.change_engineerstate",
          data_scope="self")
    api.force_authenticate(worker)
    response = api.post("/api/v1/tasks/engineerstate/", {"user": worker.pk, "state": "travelling"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "travelling"


def test_an_edit_changes_the_wording_but_not_who_has_the_task(api, boss, worker, colleague):
    task = todo(boss, worker)
    api.force_authenticate(boss)
    response = api.patch(f"/api/v1/tasks/task/{task.pk}/", {"title": "Call back today"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Call back today"
    response = api.patch(f"/api/v1/tasks/task/{task.pk}/", {"assignee": colleague.pk}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()["error"]["fields"]
    services.task_complete(actor=worker, task=task)
    response = api.patch(f"/api/v1/tasks/task/{task.pk}/", {"title": "Too late"}, format="json")
    assert response.status_code == 409


def test_my_tasks_are_documented_as_the_page_they_are(api, boss, worker):
    """The page with its counts, not a paginated list of such pages (found by fuzzing the API)."""
    todo(boss, worker)
    api.force_authenticate(worker)
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/tasks/my/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MyTasksPage"}
    page = schema["components"]["schemas"]["MyTasksPage"]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Task"}
    assert "kind" in {p["name"] for p in operation["parameters"]}
    body = api.get("/api/v1/tasks/my/").json()
    assert set(body) == set(page["properties"]) == set(page["required"])
    assert body["count"] == 1 and body["counts"] == {"task.generic": 1}
    assert set(body["results"][0]) == set(schema["components"]["schemas"]["Task"]["properties"])


def test_the_schema_documents_the_codes_of_each_move(api, boss):
    api.force_authenticate(UserFactory(branch=boss.branch, is_superuser=True))
    paths = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for move in Task.moves.user_moves():
        [operation] = [ops["post"] for path, ops in paths.items() if path.endswith(f"/tasks/task/{{pk}}/{move.name}/")
                       or path.endswith(f"/tasks/task/{{id}}/{move.name}/")]
        conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]["allOf"][1]
        documented = set(conflict["properties"]["error"]["properties"]["code"]["enum"])
        assert {r.code for r in move.refusals if r.status == 409} <= documented, move.name
    claim = [ops["post"] for path, ops in paths.items() if path.endswith("/claim/") and "tasks" in path][0]
    assert "task_already_claimed" in claim["x-error-codes"]["409"]
