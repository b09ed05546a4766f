"""The permission / data-scope matrix: for every registered page and endpoint, a user of branch A
gets nothing of branch B, and an outlet's user nothing of another outlet."""

import io

import pytest
from openpyxl import load_workbook

from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases, model_permissions
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

CASES = load_cases()
SCOPED = [c for c in registry if (c.pages or c.api) and not CASES[c.key].global_data]


def ids(configs):
    return [c.key for c in configs]


def user_with(config, scope, **user_fields):
    user = UserFactory(**user_fields)
    role = RoleFactory(data_scope=scope)
    role.permissions.set(model_permissions(config.model))
    user.roles.add(role)
    return user


def exported_row_count(client, config):
    response = client.get(config.url("export"))
    assert response.status_code == 200
    return len(list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows())) - 1


def assert_invisible(client, config, obj):
    detail = config.url("detail", obj)
    list_html = client.get(config.url("list"), {"per_page": 100}).content.decode()
    assert f'href="{detail}"' not in list_html
    assert client.get(detail).status_code == 404
    assert client.get(detail + "?tab=history").status_code == 404
    if config.form_fields:
        assert client.get(config.url("edit", obj)).status_code == 404
        assert client.post(config.url("edit", obj), {}).status_code == 404
    if config.form_fields and config.deletable:
        assert client.post(config.url("delete", obj)).status_code == 404
        assert config.model._default_manager.filter(pk=obj.pk).exists()
    api = f"/api/v1/{config.url_prefix}/"
    ids_seen = [row["id"] for row in client.get(api, {"page_size": 500}).json()["results"]]
    assert obj.pk not in ids_seen
    assert client.get(f"{api}{obj.pk}/").status_code == 404
    if config.form_fields:
        assert client.patch(f"{api}{obj.pk}/", {}, content_type="application/json").status_code == 404
    if config.form_fields and config.deletable:
        assert client.delete(f"{api}{obj.pk}/").status_code == 404
    found = client.get(f"/search/?q={str(obj)[:20]}").content.decode()
    assert f'href="{detail}"' not in found


def assert_visible(client, config, obj):
    detail = config.url("detail", obj)
    assert client.get(detail).status_code == 200
    assert client.get(f"/api/v1/{config.url_prefix}/{obj.pk}/").status_code == 200


@pytest.mark.parametrize("config", SCOPED, ids=ids(SCOPED))
def test_a_branch_user_gets_nothing_of_another_branch(client, db, config):
    branch_a, branch_b = BranchFactory(), BranchFactory()
    case = CASES[config.key]
    mine = case.make(branch_a, OutletFactory(branch=branch_a))
    theirs = case.make(branch_b, OutletFactory(branch=branch_b))
    user = user_with(config, "branch", branch=branch_a)
    client.force_login(user)
    assert_visible(client, config, mine)
    assert_invisible(client, config, theirs)
    visible = config.queryset(user).count()
    assert exported_row_count(client, config) == visible
    assert not config.queryset(user).filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("config", SCOPED, ids=ids(SCOPED))
def test_an_outlet_user_gets_nothing_of_another_outlet(client, db, config):
    branch = BranchFactory()
    outlet_x, outlet_y = OutletFactory(branch=branch), OutletFactory(branch=branch)
    case = CASES[config.key]
    theirs = case.make(branch, outlet_y)
    user = user_with(config, "all", kind="outlet", outlet=outlet_x)
    client.force_login(user)
    assert_invisible(client, config, theirs)
    spec = getattr(config.model, "scope_fields", None)
    if spec is not None and spec.outlet:
        mine = case.make(branch, outlet_x)
        assert_visible(client, config, mine)
    else:
        assert config.queryset(user).count() == 0


@pytest.mark.parametrize("config", SCOPED, ids=ids(SCOPED))
def test_a_user_without_the_view_permission_sees_no_page_and_no_endpoint(client, db, config):
    branch = BranchFactory()
    obj = CASES[config.key].make(branch, OutletFactory(branch=branch))
    user = UserFactory(branch=branch)
    user.roles.add(RoleFactory(data_scope="all"))
    client.force_login(user)
    assert client.get(config.url("list")).status_code == 403
    assert client.get(config.url("detail", obj)).status_code == 403
    assert client.get(config.url("export")).status_code == 403
    assert client.get(f"/api/v1/{config.url_prefix}/").status_code == 403
    assert client.get(f"/api/v1/{config.url_prefix}/{obj.pk}/").status_code == 403


def test_department_scopes_follow_the_tree(db):
    from xiuhao.org.models import User
    from xiuhao.org.tests.factories import DepartmentFactory

    branch = BranchFactory()
    top = DepartmentFactory(branch=branch)
    child = DepartmentFactory(branch=branch, parent=top)
    sibling = DepartmentFactory(branch=branch)
    people = {d: UserFactory(branch=branch, department=d) for d in (top, child, sibling)}
    config = registry.configs["org.employee"]
    own = user_with(config, "dept", branch=branch, department=top)
    tree = user_with(config, "dept_tree", branch=branch, department=top)
    mine_only = user_with(config, "self", branch=branch, department=top)
    custom = user_with(config, "custom", branch=branch, department=top)
    custom.roles.first().departments.set([sibling])

    def seen(user):
        return set(User.objects.visible_to(user).filter(pk__in=[p.pk for p in people.values()]))

    assert seen(own) == {people[top]}
    assert seen(tree) == {people[top], people[child]}
    assert seen(mine_only) == set()
    assert seen(custom) == {people[sibling]}
