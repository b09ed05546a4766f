"""CRUD through pages and API for every registered model, from the CrudCase declarations."""

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from xiuhao.core.models import AuditEvent
from xiuhao.core.registry import registry
from xiuhao.core.testing import as_api_data, as_form_data, load_cases, model_permissions
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

CASES = load_cases()
CONFIGS = [c for c in registry if c.pages or c.api]
WRITABLE = [c for c in CONFIGS if c.form_fields]
DELETABLE = [c for c in WRITABLE if c.deletable]


def ids(configs):
    return [c.key for c in configs]


def test_every_registered_model_has_a_crud_case():
    missing = [c.key for c in CONFIGS if c.key not in CASES]
    assert not missing, f"declare a CrudCase for {missing} in <app>/tests/crud_cases.py"


@pytest.fixture
def world(db):
    branch = BranchFactory()
    outlet = OutletFactory(branch=branch)
    return branch, outlet


def manager_for(config, branch, scope="all"):
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope=scope)
    role.permissions.set(model_permissions(config.model))
    user.roles.add(role)
    return user


@pytest.fixture
def make(world):
    branch, outlet = world

    def _make(config):
        case = CASES[config.key]
        obj = case.make(branch, outlet)
        return obj, manager_for(config, branch)

    return _make


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_the_list_page_shows_rows_with_a_total(client, make, config):
    obj, user = make(config)
    if obj is None:
        obj = config.model._default_manager.first()
    client.force_login(user)
    response = client.get(config.url("list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert config.url("detail", obj) in html
    assert "data-total=" in html


def queries_for(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_list_pages_and_api_lists_cost_the_same_queries_for_3_or_13_rows(client, db, config):
    """N+1 free: the query count does not grow with the number of rows shown."""
    case = CASES[config.key]

    def add_rows(n):
        for _ in range(n):
            branch = BranchFactory()
            case.make(branch, OutletFactory(branch=branch))

    user = manager_for(config, BranchFactory())
    client.force_login(user)
    add_rows(3)
    page = {"per_page": 100}
    api_params = {"page_size": 100}
    client.get(config.url("list"), page)  # the first request writes the session; measure after it
    few = (queries_for(client, config.url("list"), page), queries_for(client, api(config), api_params))
    add_rows(10)
    many = (queries_for(client, config.url("list"), page), queries_for(client, api(config), api_params))
    assert many == few


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_the_add_form_costs_the_same_queries_however_many_records_its_selects_offer(client, db, config):
    def add_rows_everywhere(n):
        for case in CASES.values():
            for _ in range(n):
                branch = BranchFactory()
                case.make(branch, OutletFactory(branch=branch))

    user = manager_for(config, BranchFactory())
    client.force_login(user)
    add_rows_everywhere(2)
    client.get(config.url("add"))
    few = queries_for(client, config.url("add"), {})
    add_rows_everywhere(5)
    assert queries_for(client, config.url("add"), {}) == few


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_the_list_answers_htmx_with_the_table_only(client, make, config):
    _obj, user = make(config)
    client.force_login(user)
    response = client.get(config.url("list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-table")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "<table" in response.content.decode()


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_the_detail_page_has_details_and_history_tabs(client, make, config):
    obj, user = make(config)
    obj = obj or config.model._default_manager.first()
    client.force_login(user)
    assert client.get(config.url("detail", obj)).status_code == 200
    response = client.get(config.url("detail", obj) + "?tab=history", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    assert response.status_code == 200
    assert 'data-testid="history"' in response.content.decode()
    assert client.get(config.url("detail", obj) + "?tab=nonsense").status_code == 404


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_a_record_created_on_the_page_is_saved_and_audited(client, world, config):
    branch, _outlet = world
    user = manager_for(config, branch)
    data = CASES[config.key].data(branch)
    client.force_login(user)
    before = config.model._default_manager.count()
    response = client.post(config.url("add"), as_form_data(data))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert config.model._default_manager.count() == before + 1
    created = config.model._default_manager.order_by("-pk").first()
    assert AuditEvent.objects.filter(action="create", object_id=str(created.pk)).exists()


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_bad_input_on_the_page_is_refused_with_a_message_and_changes_nothing(client, world, config):
    branch, _outlet = world
    user = manager_for(config, branch)
    client.force_login(user)
    before = config.model._default_manager.count()
    events = AuditEvent.objects.count()
    response = client.post(config.url("add"), {})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert config.model._default_manager.count() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_an_edit_on_the_page_is_saved_with_old_and_new_values_in_the_log(client, make, config):
    obj, user = make(config)
    case = CASES[config.key]
    if obj is None:
        obj = config.create(actor=user, data=case.data(user.branch))
    form = config.form(instance=obj, user=user)
    data = {name: form.initial.get(name) for name in form.fields if name != "password"}
    data.update(case.update)
    client.force_login(user)
    response = client.post(config.url("edit", obj), as_form_data(data))
    assert response.status_code == 302, response.content.decode()[:3000]
    obj.refresh_from_db()
    field, value = next(iter(case.update.items()))
    assert getattr(obj, field) == value
    event = AuditEvent.objects.filter(action="update", object_id=str(obj.pk)).latest("at")
    assert field in event.changes and event.changes[field][1] == value


@pytest.mark.parametrize("config", DELETABLE, ids=ids(DELETABLE))
def test_a_record_deleted_on_the_page_is_gone_and_the_log_keeps_it(client, world, config):
    branch, _outlet = world
    user = manager_for(config, branch)
    obj = config.create(actor=user, data=CASES[config.key].data(branch))
    client.force_login(user)
    assert client.get(config.url("delete", obj)).status_code == 200
    response = client.post(config.url("delete", obj))
    assert response.status_code == 302
    assert not config.model._default_manager.filter(pk=obj.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(obj.pk)).exists()


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_export_gives_the_filtered_rows_as_excel_only_with_the_export_permission(client, make, config):
    obj, user = make(config)
    client.force_login(user)
    expected = config.queryset(user).count()
    response = client.get(config.url("export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + expected
    assert AuditEvent.objects.filter(action="export", actor=user).exists()
    no_export = UserFactory(branch=user.branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(config.model, actions=("view",)))
    no_export.roles.add(role)
    client.force_login(no_export)
    assert client.get(config.url("export")).status_code == 403
    assert client.get(reverse(f"{config.app_label}-{config.model_name}-export")).status_code == 403


# -- API -------------------------------------------------------------------------------------------------


def api(config, obj=None):
    base = f"/api/v1/{config.url_prefix}/"
    return f"{base}{obj.pk}/" if obj is not None else base


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_the_api_lists_and_reads_records(client, make, config):
    obj, user = make(config)
    obj = obj or config.model._default_manager.first()
    client.force_login(user)
    listing = client.get(api(config)).json()
    assert {"count", "results"} <= set(listing)
    assert client.get(api(config, obj)).json()["id"] == obj.pk


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_the_api_creates_updates_and_deletes_through_the_same_services(client, world, config):
    branch, _outlet = world
    user = manager_for(config, branch)
    case = CASES[config.key]
    client.force_login(user)
    response = client.post(api(config), as_api_data(case.data(branch)), content_type="application/json")
    assert response.status_code == 201, response.content
    obj = config.model._default_manager.get(pk=response.json()["id"])
    assert AuditEvent.objects.filter(action="create", object_id=str(obj.pk)).exists()
    field, value = next(iter(case.update.items()))
    response = client.patch(api(config, obj), {field: value}, content_type="application/json")
    assert response.status_code == 200, response.content
    obj.refresh_from_db()
    assert getattr(obj, field) == value
    if config.deletable:
        assert client.delete(api(config, obj)).status_code == 204
        assert not config.model._default_manager.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_the_api_refuses_bad_input_with_a_coded_error_and_changes_nothing(client, world, config):
    branch, _outlet = world
    user = manager_for(config, branch)
    client.force_login(user)
    before = config.model._default_manager.count()
    for body in ("{not json", json.dumps([1, 2]), json.dumps({f: {"x": [1]} for f in config.form_fields})):
        response = client.post(api(config), body, content_type="application/json")
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] in {"validation_failed", "malformed_request"} and error["message"]
    assert config.model._default_manager.count() == before


@pytest.mark.parametrize("config", WRITABLE, ids=ids(WRITABLE))
def test_a_repeated_post_with_the_same_idempotency_key_creates_one_record(client, world, config):
    branch, _outlet = world
    user = manager_for(config, branch)
    client.force_login(user)
    payload = as_api_data(CASES[config.key].data(branch))
    first = client.post(api(config), payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(api(config), payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert config.model._default_manager.filter(pk=first.json()["id"]).count() == 1
    other = client.post(api(config), {**payload, "zzz": 1}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 400 and other.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("config", CONFIGS, ids=ids(CONFIGS))
def test_pages_and_api_survive_garbage_query_parameters(client, make, config):
    _obj, user = make(config)
    client.force_login(user)
    garbage = {name: "\x00'\"<>%" for name in [*config.filter_fields, "page", "per_page", "sort", "ordering", "q"]}
    assert client.get(config.url("list"), garbage).status_code < 500
    assert client.get(api(config), garbage).status_code < 500
    assert client.get(config.url("list"), {"page": "99999"}).status_code < 500


EXPORTABLE = [c for c in CONFIGS if c.pages]


@pytest.mark.parametrize("config", EXPORTABLE, ids=ids(EXPORTABLE))
def test_exports_cost_the_same_queries_for_3_or_13_rows(client, db, config):
    """N+1 free: an export's query count does not grow with its rows (related records are
    selected with the rows, core.excel.export_relations)."""
    case = CASES[config.key]

    def add_rows(n):
        for _ in range(n):
            branch = BranchFactory()
            case.make(branch, OutletFactory(branch=branch))

    user = manager_for(config, BranchFactory())
    client.force_login(user)
    add_rows(3)
    client.get(config.url("list"))  # the first request writes the session; measure after it
    few = queries_for(client, config.url("export"), {})
    add_rows(10)
    assert queries_for(client, config.url("export"), {}) == few
