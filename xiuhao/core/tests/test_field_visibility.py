"""Field-level visibility for every registered model that declares sensitive fields: a user who
may view, export and import the records but lacks a field's permission does not get the field on
the list page, in the API or in the export; a user holding it does. Driven by the declarations
(ModelConfig.sensitive_fields) and the CrudCase of each model."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation
from openpyxl import load_workbook

from xiuhao.core.excel import header_for
from xiuhao.core.imports.pipeline import import_field_names
from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases, model_permissions
from xiuhao.core.visibility import Sensitive, visible_changes
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

CASES = load_cases()
SENSITIVE = [c for c in registry if c.sensitive_fields and (c.pages or c.api)]


def ids(configs):
    return [c.key for c in configs]


def test_the_declarations_name_fields_and_permissions_that_exist(db):
    assert SENSITIVE, "no model declares sensitive fields"
    for config in SENSITIVE:
        for name, perm in config.sensitive_fields.items():
            config.model._meta.get_field(name)
            app_label, codename = perm.split(".", 1)
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            assert found.count() == 1, perm
            if isinstance(perm, Sensitive):  # stored as the English msgid, translated by the matrix
                with translation.override("en"):
                    assert found.get().name == str(perm.label)


def user_for(config, branch, *, sees):
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(config.model, ("view", "change", "export", "import"), sensitive=sees))
    user.roles.add(role)
    return user


@pytest.fixture
def record(db):
    def _record(config):
        branch = BranchFactory()
        obj = CASES[config.key].make(branch, OutletFactory(branch=branch))
        return obj or config.model._default_manager.first(), branch

    return _record


def api(config, obj=None):
    base = f"/api/v1/{config.app_label}/{config.model_name}/"
    return f"{base}{obj.pk}/" if obj is not None else base


def sheet_headers(response):
    ws = load_workbook(io.BytesIO(response.content)).active
    return [c.value for c in next(ws.iter_rows(max_row=1))]


@pytest.mark.parametrize("sees", [False, True], ids=["without", "with"])
@pytest.mark.parametrize("config", SENSITIVE, ids=ids(SENSITIVE))
def test_list_page_api_export_and_import_columns_follow_the_permission(client, record, english, config, sees):
    obj, branch = record(config)
    client.force_login(user_for(config, branch, sees=sees))
    secret = list(config.sensitive_fields)

    html = client.get(config.url("list")).content.decode()
    for name in secret:
        if name in config.list_fields:
            assert (f'name="cols" value="{name}"' in html) is sees, name
            assert (f"sort={name}" in html) is sees, name

    listed = client.get(api(config)).json()["results"][0]
    shown = client.get(api(config, obj)).json()
    for name in secret:
        assert (name in listed) is sees, name
        assert (name in shown) is sees, name

    headers = sheet_headers(client.get(config.url("export")))
    for name in secret:
        if name in config.get_export_fields():
            assert (header_for(config.model, name) in headers) is sees, name

    user = user_for(config, branch, sees=sees)
    columns = import_field_names(config, user) if config.importable else []
    for name in secret:
        if name in config.get_import_fields():
            assert (name in columns) is sees, name


@pytest.mark.parametrize("config", SENSITIVE, ids=ids(SENSITIVE))
def test_the_log_shows_a_hidden_field_as_changed_without_its_values(record, config):
    _obj, branch = record(config)
    name = next(iter(config.sensitive_fields))
    changes = {name: ["1.00", "2.00"], "note": ["a", "b"]}
    without, holder = user_for(config, branch, sees=False), user_for(config, branch, sees=True)
    assert visible_changes(config.model, changes, without, "hidden") == {name: ["hidden", "hidden"],
                                                                         "note": ["a", "b"]}
    assert visible_changes(config.model, changes, without) == {"note": ["a", "b"]}
    assert visible_changes(config.model, changes, holder) == changes


def test_the_role_permission_matrix_offers_the_permissions_that_show_sensitive_fields(client, db, english):
    roles = registry.configs["org.role"]
    admin = UserFactory()
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(roles.model))
    admin.roles.add(role)
    client.force_login(admin)
    html = client.get(roles.url("add")).content.decode()
    labels = {str(p.label) for c in SENSITIVE for p in c.sensitive_fields.values() if isinstance(p, Sensitive)}
    assert labels and all(label in html for label in labels)
