import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from huey.contrib.djhuey import HUEY
from openpyxl import Workbook, load_workbook

from xiuhao.core import excel, imports
from xiuhao.core.errors import Conflict, ValidationFailed
from xiuhao.core.imports import progress, running
from xiuhao.core.imports.pipeline import import_field_names
from xiuhao.core.models import AuditEvent, ImportJob
from xiuhao.core.registry import registry
from xiuhao.org.models import Branch, Department, Outlet, Region, Role, Skill

pytestmark = pytest.mark.django_db

BACKEND = "xiuhao.org.auth.RoleBackend"
BRANCH = registry.configs["org.branch"]
SKILL = registry.configs["org.skill"]


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _jobs_inline_and_private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    before = HUEY.immediate
    HUEY.immediate = True  # the HUEY object is built at import; the setting alone does not switch it
    yield
    HUEY.immediate = before


@pytest.fixture
def admin():
    return get_user_model().objects.create_superuser(username="admin", password="pass12345", email="a@example.com")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin, backend=BACKEND)
    return client


def make_user(username, *, branch=None, perms=(), scope="branch"):
    role = Role.objects.create(code=f"role-{username}", name=f"role {username}", data_scope=scope)
    role.permissions.set(Permission.objects.filter(content_type__app_label="org", codename__in=perms))
    user = get_user_model().objects.create_user(username=username, password="pass12345", branch=branch)
    user.roles.add(role)
    return user


def zh(model, name):
    with translation.override("zh-hans"):
        return excel.header_for(model, name)


def en(model, name):
    with translation.override("en"):
        return excel.header_for(model, name)


def xlsx(rows, name="branches.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=excel.XLSX)


def branch_header():
    return [zh(Branch, "code"), zh(Branch, "name"), zh(Branch, "status")]


def upload(client, config, file):
    return client.post(config.url("import"), {"file": file})


def last_job():
    return ImportJob.objects.order_by("-pk").first()


# -- template ------------------------------------------------------------------------------------


def test_the_template_has_one_header_row_of_chinese_field_names_and_a_notes_sheet(admin_client):
    response = admin_client.get(BRANCH.url("import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers == [zh(Branch, n) for n in import_field_names(BRANCH)]
    with translation.override("zh-hans"):
        if translation.gettext("code") != "code":  # once the Chinese catalogue is compiled
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers)
    notes = wb.worksheets[1]
    listed = [row[0] for row in notes.iter_rows(min_row=2, values_only=True) if row and row[0]]
    assert zh(Branch, "status") in listed
    assert sheet.max_row == 1


def test_the_import_page_links_the_template(admin_client):
    response = admin_client.get(BRANCH.url("import"))
    assert response.status_code == 200
    assert BRANCH.url("import_template") in response.content.decode()


# -- validation ----------------------------------------------------------------------------------


def test_a_file_with_one_bad_row_is_invalid_names_that_row_and_writes_nothing(admin_client):
    file = xlsx([branch_header(), ["bj", "北京分公司", "active"], ["bad code!", "坏分公司", "active"],
                 ["gz", "广州分公司", "no-such-status"]])
    response = upload(admin_client, BRANCH, file)
    job = last_job()
    assert response.status_code == 302 and response["Location"] == reverse("core_importjob_status", args=[job.pk])
    assert job.status == ImportJob.Status.INVALID
    assert {e["row"] for e in job.errors} == {3, 4}
    assert {e["field"] for e in job.errors} == {zh(Branch, "code"), zh(Branch, "status")}
    assert Branch.objects.count() == 0
    assert not AuditEvent.objects.exclude(action="login").exists()
    page = admin_client.get(reverse("core_importjob_status", args=[job.pk]))
    assert page.status_code == 200
    assert "import-confirm" not in page.content.decode()


def test_a_good_file_is_previewed_then_confirmed_creating_and_updating_with_audit_events(admin_client, admin):
    Branch.objects.create(code="sh", name="上海")
    file = xlsx([
        # English headers and field names are accepted too; choices by value or label.
        [en(Branch, "code"), "name", zh(Branch, "status")],
        ["sh", "上海分公司", "Disabled"],
        ["bj", "北京分公司", "active"],
    ])
    upload(admin_client, BRANCH, file)
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert (job.total_rows, job.created_count, job.updated_count) == (2, 1, 1)
    assert [(r["row"], r["action"]) for r in job.preview] == [(2, "update"), (3, "create")]
    assert Branch.objects.get(code="sh").name == "上海"  # nothing written yet
    assert not Branch.objects.filter(code="bj").exists()

    response = admin_client.post(reverse("core_importjob_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created_count, job.updated_count) == (1, 1)
    sh = Branch.objects.get(code="sh")
    assert (sh.name, sh.status) == ("上海分公司", "disabled")
    bj = Branch.objects.get(code="bj")
    assert bj.name == "北京分公司"
    actions = set(AuditEvent.objects.values_list("action", "object_id"))
    assert ("create", str(bj.pk)) in actions and ("update", str(sh.pk)) in actions
    summary = AuditEvent.objects.get(action="import")
    assert summary.actor == admin and summary.verb == "org.branch"


def test_a_key_twice_in_the_file_is_reported_on_the_second_row(admin_client):
    upload(admin_client, BRANCH, xlsx([branch_header(), ["bj", "北京", "active"], ["sz", "深圳", "active"],
                                       ["bj", "北京二", "active"]]))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    duplicate = [e for e in job.errors if e["row"] == 4]
    assert duplicate and duplicate[0]["field"] == zh(Branch, "code") and "2" in duplicate[0]["message"]
    assert Branch.objects.count() == 0


def test_unknown_columns_and_a_missing_key_column_are_reported_on_row_one(admin_client):
    upload(admin_client, BRANCH, xlsx([[zh(Branch, "name"), "颜色"], ["北京", "红"]]))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    assert all(e["row"] == 1 for e in job.errors)
    assert any("颜色" in e["message"] for e in job.errors)
    assert any(zh(Branch, "code") in e["message"] for e in job.errors)


def test_a_file_that_is_not_an_xlsx_workbook_is_rejected_and_nothing_is_stored(admin_client):
    fake = SimpleUploadedFile("branches.xlsx", b"code,name\nbj,Beijing\n", content_type=excel.XLSX)
    response = upload(admin_client, BRANCH, fake)
    assert response.status_code == 400
    assert "xlsx" in response.content.decode()
    csv = SimpleUploadedFile("branches.csv", b"code,name\n", content_type="text/csv")
    assert upload(admin_client, BRANCH, csv).status_code == 400
    assert not ImportJob.objects.exists()


def test_related_records_are_given_by_their_key_and_many_to_many_by_a_list(admin_client):
    Branch.objects.create(code="bj", name="北京")
    nanshan, futian = Region.objects.get(code="440305"), Region.objects.get(code="440304")
    header = [zh(Outlet, "code"), zh(Outlet, "name"), zh(Outlet, "branch"), zh(Outlet, "regions")]
    upload(admin_client, registry.configs["org.outlet"],
           xlsx([header, ["o1", "南山网点", "bj", "440305、440304"], ["o2", "福田网点", "nope", ""]]))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, zh(Outlet, "branch"))]
    upload(admin_client, registry.configs["org.outlet"],
           xlsx([header, ["o1", "南山网点", "bj", "440305、440304"]]))
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    imports.import_confirm(actor=job.created_by, job=job)
    outlet = Outlet.objects.get(code="o1")
    assert outlet.branch.code == "bj"
    assert set(outlet.regions.all()) == {nanshan, futian}


def test_a_row_may_refer_to_a_record_created_by_an_earlier_row(admin_client):
    Branch.objects.create(code="bj", name="北京")
    config = registry.configs["org.department"]
    header = [zh(Department, "code"), zh(Department, "name"), zh(Department, "branch"), zh(Department, "parent")]
    upload(admin_client, config, xlsx([header, ["d1", "服务部", "bj", ""], ["d2", "维修组", "bj", "d1"]]))
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    job = imports.import_confirm(actor=job.created_by, job=job)
    assert job.status == ImportJob.Status.DONE, job.message
    assert Department.objects.get(code="d2").parent.code == "d1"


# -- permissions and scope -------------------------------------------------------------------------


def test_without_the_import_permission_the_pages_and_the_api_answer_403(client):
    user = make_user("clerk", perms=["view_branch", "add_branch", "change_branch"])
    client.force_login(user, backend=BACKEND)
    assert client.get(BRANCH.url("import")).status_code == 403
    assert client.get(BRANCH.url("import_template")).status_code == 403
    assert upload(client, BRANCH, xlsx([branch_header(), ["bj", "北京", "active"]])).status_code == 403
    api = client.post("/api/v1/org/branch/import/", {"file": xlsx([branch_header()])})
    assert api.status_code == 403 and api.json()["error"]["code"] == "permission_denied"
    bulk = client.post("/api/v1/org/branch/bulk/", {"rows": [{"code": "x"}]}, content_type="application/json")
    assert bulk.status_code == 403
    assert not ImportJob.objects.exists() and not Branch.objects.exists()


def test_a_record_outside_the_users_scope_is_not_overwritten(client):
    home, other = Branch.objects.create(code="bj", name="北京"), Branch.objects.create(code="sh", name="上海")
    user = make_user("manager", branch=home, perms=["view_branch", "change_branch", "import_branch"])
    client.force_login(user, backend=BACKEND)
    upload(client, BRANCH, xlsx([branch_header(), ["bj", "北京分公司", "active"], ["sh", "我的上海", "active"]]))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    assert [e["row"] for e in job.errors] == [3]
    other.refresh_from_db()
    assert other.name == "上海"
    # another user's job is not visible
    stranger = make_user("stranger", branch=other, perms=["view_branch", "import_branch"])
    client.force_login(stranger, backend=BACKEND)
    assert client.get(reverse("core_importjob_status", args=[job.pk])).status_code == 404
    assert client.get(f"/api/v1/imports/{job.pk}/").status_code == 404


# -- confirm, failure, large files -------------------------------------------------------------------


def test_a_failing_row_on_confirm_rolls_back_every_row(admin_client, monkeypatch):
    upload(admin_client, SKILL, xlsx([[zh(Skill, "code"), zh(Skill, "name")], ["ac", "空调"], ["tv", "电视"]]))
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEW
    real_create = SKILL.create

    def create(*, actor, data):
        if data["code"] == "tv":
            raise ValidationFailed(fields={"name": ["电视 is not allowed today."]})
        return real_create(actor=actor, data=data)

    monkeypatch.setattr(SKILL, "create", create)
    job = imports.import_confirm(actor=job.created_by, job=job)
    assert job.status == ImportJob.Status.FAILED
    assert "3" in job.message and "电视 is not allowed today." in job.message
    assert not Skill.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["create", "import"]).exists()
    with pytest.raises(Conflict):
        imports.import_confirm(actor=job.created_by, job=job)


def test_a_large_file_is_validated_and_applied_by_jobs_with_progress(admin_client, settings, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    monkeypatch.setattr(running, "PROGRESS_EVERY", 2)
    seen = []
    real_cache = progress.progress_cache

    class Spy:
        def __init__(self):
            self.cache = real_cache()

        def set(self, key, value, timeout=None):
            seen.append(value)
            self.cache.set(key, value, timeout)

        def get(self, key):
            return self.cache.get(key)

        def delete(self, key):
            self.cache.delete(key)

    monkeypatch.setattr(progress, "progress_cache", Spy)
    rows = [[zh(Skill, "code"), zh(Skill, "name")]] + [[f"s{i}", f"技能{i}"] for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        upload(admin_client, SKILL, xlsx(rows))
    assert len(callbacks) == 1  # validation went to a job
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert (job.total_rows, job.processed_rows, job.created_count) == (5, 5, 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(reverse("core_importjob_confirm", args=[job.pk]))
    assert len(callbacks) == 1  # so did the apply step
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert Skill.objects.count() == 5 and job.processed_rows == 5
    assert seen == [2, 4]


def test_the_status_fragment_polls_while_the_job_runs_and_stops_when_it_is_done(admin_client, admin):
    job = ImportJob.objects.create(model_label="org.skill", original_name="skills.xlsx", created_by=admin,
                                   total_rows=1000, processed_rows=400)
    url = reverse("core_importjob_status", args=[job.pk])
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "width: 40%" in fragment
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.INVALID,
                                               errors=[{"row": 7, "field": "编码", "message": "坏了"}])
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "坏了" in fragment
    report = admin_client.get(reverse("core_importjob_errors", args=[job.pk]))
    rows = list(load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == (7, "编码", "坏了")


# -- API ---------------------------------------------------------------------------------------------


def test_the_api_uploads_returns_the_job_and_confirms_it(admin_client):
    file = xlsx([[zh(Skill, "code"), zh(Skill, "name")], ["ac", "空调"]])
    response = admin_client.post("/api/v1/org/skill/import/", {"file": file})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "preview" and body["total_rows"] == 1 and body["errors"] == []
    assert body["preview"][0]["values"] == {"code": "ac", "name": "空调"}
    assert admin_client.get(f"/api/v1/imports/{body['id']}/").json()["status"] == "preview"
    confirmed = admin_client.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "done"
    assert confirmed.json()["created_count"] == 1
    again = admin_client.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "import_not_ready"


def test_the_api_applies_at_once_with_confirm_and_rejects_a_non_xlsx(admin_client):
    file = xlsx([[zh(Skill, "code"), zh(Skill, "name")], ["ac", "空调"]])
    response = admin_client.post("/api/v1/org/skill/import/?confirm=1", {"file": file})
    assert response.status_code == 201 and response.json()["status"] == "done"
    assert Skill.objects.filter(code="ac").exists()
    bad = admin_client.post("/api/v1/org/skill/import/", {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk")})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_file"


def test_bulk_json_dry_run_checks_without_writing(admin_client):
    Skill.objects.create(code="ac", name="空调")
    rows = [{"code": "ac", "name": "空调维修"}, {"code": "tv", "name": "电视"}]
    response = admin_client.post("/api/v1/org/skill/bulk/", {"rows": rows, "dry_run": True},
                                 content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["status"], body["created_count"], body["updated_count"]) == (True, "preview", 1, 1)
    assert Skill.objects.get(code="ac").name == "空调" and not Skill.objects.filter(code="tv").exists()

    response = admin_client.post("/api/v1/org/skill/bulk/", {"rows": rows}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert Skill.objects.get(code="ac").name == "空调维修" and Skill.objects.filter(code="tv").exists()
    assert AuditEvent.objects.filter(action="import", verb="org.skill").count() == 1


def test_bulk_json_is_all_or_nothing(admin_client):
    rows = [{"code": "ac", "name": "空调"}, {"code": "", "name": "无编码"}, {"code": "ac", "name": "重复"},
            {"code": "x", "name": "y", "colour": "red"}]
    response = admin_client.post("/api/v1/org/skill/bulk/", {"rows": rows}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert {e["row"] for e in error["rows"]} == {2, 3, 4}
    assert not Skill.objects.exists()
    malformed = admin_client.post("/api/v1/org/skill/bulk/", {"rows": "nope"}, content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "validation_failed"


def test_bulk_json_rolls_back_when_a_write_fails(admin_client, monkeypatch):
    real_create = SKILL.create

    def create(*, actor, data):
        if data["code"] == "tv":
            raise ValidationFailed("no TVs")
        return real_create(actor=actor, data=data)

    monkeypatch.setattr(SKILL, "create", create)
    rows = [{"code": "ac", "name": "空调"}, {"code": "tv", "name": "电视"}]
    response = admin_client.post("/api/v1/org/skill/bulk/", {"rows": rows}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "import_failed" and "no TVs" in response.json()["error"]["message"]
    assert not Skill.objects.exists() and not AuditEvent.objects.exclude(action="login").exists()


def test_bulk_json_accepts_booleans_and_related_keys(admin_client):
    response = admin_client.post(
        "/api/v1/org/branch/bulk/",
        {"rows": [{"code": "hq", "name": "总部", "is_headquarters": True, "status": "启用"},
                  {"code": "bj", "name": "北京", "is_headquarters": "否", "status": "disabled"}]},
        content_type="application/json",
    )
    # "启用" is the Chinese label of "active" once translated; until then the English label works.
    if response.status_code == 400:
        assert response.json()["error"]["rows"][0]["field"] == "status"
        response = admin_client.post(
            "/api/v1/org/branch/bulk/",
            {"rows": [{"code": "hq", "name": "总部", "is_headquarters": True, "status": "Active"},
                      {"code": "bj", "name": "北京", "is_headquarters": "否", "status": "disabled"}]},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    hq, bj = Branch.objects.get(code="hq"), Branch.objects.get(code="bj")
    assert (hq.is_headquarters, hq.status, bj.is_headquarters, bj.status) == (True, "active", False, "disabled")


def test_a_repeated_bulk_request_with_the_same_idempotency_key_writes_once(admin_client):
    payload = {"rows": [{"code": "ac", "name": "空调"}]}
    first = admin_client.post("/api/v1/org/skill/bulk/", payload, content_type="application/json",
                              HTTP_IDEMPOTENCY_KEY="bulk-1")
    second = admin_client.post("/api/v1/org/skill/bulk/", payload, content_type="application/json",
                               HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert AuditEvent.objects.filter(action="import").count() == 1
