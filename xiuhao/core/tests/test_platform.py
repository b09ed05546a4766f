"""Platform behaviour beyond CRUD: health, audit on rollback, jobs, menu, dictionaries, search."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from xiuhao.core import audit, jobs
from xiuhao.core.context_processors import build_menu
from xiuhao.core.forms import DictChoiceField
from xiuhao.core.models import AuditEvent, DictItem, DictType, JobRun
from xiuhao.core.registry import registry
from xiuhao.core.services import object_create
from xiuhao.org.models import Branch
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_job_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["queue"]["ok"] is True and "pending" in body["queue"]


def test_a_rolled_back_write_leaves_no_audit_event():
    actor = UserFactory()
    grant(actor, "org.add_branch", "org.view_branch", data_scope="all")
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        object_create(actor=actor, model=Branch, data={"code": "rb", "name": "回滚分公司"})
        raise RuntimeError("boom")
    assert not Branch.objects.filter(code="rb").exists()
    assert AuditEvent.objects.count() == before


def test_an_audit_event_carries_ip_request_id_and_old_and_new_values(client):
    user = UserFactory()
    grant(user, "org.view_branch", "org.change_branch", data_scope="all")
    branch = BranchFactory(name="旧名称")
    client.force_login(user)
    client.post(f"/org/branch/{branch.pk}/edit/", {"code": branch.code, "name": "新名称", "status": "active"},
                REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-42")
    event = AuditEvent.objects.get(action="update", object_id=str(branch.pk))
    assert event.ip == "10.1.2.3" and event.request_id == "req-42" and event.actor == user
    assert event.changes["name"] == ["旧名称", "新名称"]


def test_a_job_enqueued_on_commit_never_runs_for_a_rolled_back_write(django_capture_on_commit_callbacks):
    ran = []

    def job(value):
        ran.append(value)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            jobs.enqueue_on_commit(job, 1)
            raise RuntimeError
        with transaction.atomic():
            jobs.enqueue_on_commit(job, 2)
    assert ran == [2]


def test_a_run_once_job_does_its_work_once_per_key():
    calls = []

    @jobs.run_once(lambda device_id, days: f"warranty:{device_id}:{days}")
    def alert(device_id, days):
        calls.append((device_id, days))

    alert(7, 30)
    alert(7, 30)
    alert(7, 7)
    assert calls == [(7, 30), (7, 7)]
    assert JobRun.objects.count() == 2


def test_periodic_jobs_are_registered_with_their_schedule():
    assert "purge-idempotency-keys" in jobs.PERIODIC_JOBS
    assert jobs.PERIODIC_JOBS["purge-idempotency-keys"]["schedule"]["hour"] == "3"


def test_the_menu_shows_only_what_the_roles_allow(rf):
    user = UserFactory()
    grant(user, "org.view_branch", data_scope="all")
    request = rf.get("/org/branch/")
    request.user = user
    menu = build_menu(request)
    # Everyone has their own inbox (my tasks, the grab pool, messages, the announcement board); every other
    # entry needs a permission.
    personal = {item.href for item in registry.menu_items if not item.perm}
    urls = [item["url"] for section in menu for item in section["items"] if item["url"] not in personal]
    assert urls == ["/org/branch/"]
    org = next(section for section in menu if any(i["url"] == "/org/branch/" for i in section["items"]))
    assert org["active"] and org["items"][0]["active"]


def test_a_dictionary_field_offers_the_active_items_in_order():
    kind = DictType.objects.create(code="close_reason", name="关闭原因")
    DictItem.objects.create(dict_type=kind, value="b", label="乙", sort=2)
    DictItem.objects.create(dict_type=kind, value="a", label="甲", sort=1)
    DictItem.objects.create(dict_type=kind, value="x", label="停用", sort=0, is_active=False)
    field = DictChoiceField("close_reason")
    assert [c[0] for c in field.choices] == ["a", "b"]
    assert field.clean("a") == "a"
    with pytest.raises(ValidationError):
        field.clean("x")


def test_history_lists_a_records_events_newest_first():
    actor = UserFactory()
    grant(actor, "org.add_branch", "org.view_branch", "org.change_branch", data_scope="all")
    branch = object_create(actor=actor, model=Branch, data={"code": "h1", "name": "历史"})
    from xiuhao.core.services import object_update

    object_update(actor=actor, obj=branch, data={"phone": "123"})
    actions = [e.action for e in audit.history_for(branch)]
    assert actions == ["update", "create"]


def test_the_api_schema_and_its_local_docs_are_served(client):
    user = UserFactory()
    client.force_login(user)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/org/branch/" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    assert client.get("/api/v1/redoc/").status_code == 200


def test_the_phone_pages_use_the_weui_layout(client):
    client.force_login(UserFactory())
    html = client.get("/m/").content.decode()
    assert "weui" in html and "/m/me/" in html


def test_region_suggestion_is_available_through_the_api(client):
    client.force_login(UserFactory())
    found = client.get("/api/v1/org/region/suggest/", {"address": "广东省深圳市南山区科技园"}).json()
    assert found["code"] == "440305" and found["path"][0] == "广东省"
    missing = client.get("/api/v1/org/region/suggest/", {"address": "zzz"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_history_tab_shows_field_labels_and_choice_labels(client, settings):
    settings.LANGUAGE_CODE = "en"
    actor = UserFactory()
    grant(actor, "org.add_branch", "org.view_branch", "org.change_branch", data_scope="all")
    from xiuhao.core.services import object_update

    branch = object_create(actor=actor, model=Branch, data={"code": "lb", "name": "标签"})
    object_update(actor=actor, obj=branch, data={"status": "disabled"})
    client.force_login(actor)
    html = client.get(f"/org/branch/{branch.pk}/?tab=history", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Status<" in html and ">Disabled<" in html and ">disabled<" not in html


def test_large_related_tables_are_picked_by_search_within_the_data_scope(client):
    branch_a, branch_b = BranchFactory(), BranchFactory()
    me = UserFactory(branch=branch_a)
    grant(me, "org.view_branch", "org.change_branch", data_scope="branch")
    colleague = UserFactory(branch=branch_a, display_name="张三丰")
    UserFactory(branch=branch_b, display_name="张无忌")
    client.force_login(me)
    found = client.get("/core/choices/org.user/", {"q": "张"}).json()["results"]
    assert [r["id"] for r in found] == [colleague.pk]
    assert client.get("/core/choices/org.skill/").status_code == 404  # not a searchable model
    assert client.get("/core/choices/nonsense/").status_code == 404
    branch_a.manager = colleague
    branch_a.save()
    html = client.get(f"/org/branch/{branch_a.pk}/edit/").content.decode()
    assert 'data-autocomplete-url="/core/choices/org.user/"' in html
    manager_select = html[html.index('name="manager"'):]
    manager_select = manager_select[: manager_select.index("</select>")]
    assert "张三丰" in manager_select and manager_select.count("<option") == 2  # blank + the chosen user


def test_an_autocomplete_field_still_refuses_records_outside_the_scope(client):
    branch_a, branch_b = BranchFactory(), BranchFactory()
    me = UserFactory(branch=branch_a)
    grant(me, "org.view_branch", "org.change_branch", data_scope="branch")
    outsider = UserFactory(branch=branch_b)
    client.force_login(me)
    response = client.post(f"/org/branch/{branch_a.pk}/edit/", {"code": branch_a.code, "name": branch_a.name,
                                                                 "status": "active", "manager": outsider.pk})
    assert response.status_code == 400
    branch_a.refresh_from_db()
    assert branch_a.manager_id is None


def test_unknown_api_urls_answer_with_the_json_error_body(client):
    client.force_login(UserFactory())
    response = client.get("/api/v1/org/role/not-a-number/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_schema_documents_the_error_body_on_every_operation(client):
    client.force_login(UserFactory())
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "Error" in schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/org/branch/{id}/"]["patch"]
    assert {"400", "403", "404", "409"} <= set(operation["responses"])


def test_a_phone_opening_the_home_page_lands_on_the_phone_layout(client):
    client.force_login(UserFactory())
    wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"
    assert client.get("/", HTTP_USER_AGENT=wechat)["Location"] == "/m/"
    assert client.get("/", {"desktop": 1}, HTTP_USER_AGENT=wechat).status_code == 200
    assert client.get("/", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)").status_code == 200
