import pytest
from django.contrib.auth.models import Permission

from xiuhao.core.errors import NotFound, PermissionDenied, ValidationFailed
from xiuhao.org import services
from xiuhao.org.models import Department, Employee, Role, User
from xiuhao.org.tests.factories import (
    BranchFactory,
    OutletFactory,
    RoleFactory,
    UserFactory,
    grant,
    user_with,
)

pytestmark = pytest.mark.django_db


def org_admin(**kwargs):
    return user_with(*[f"org.{p.codename}" for p in Permission.objects.filter(content_type__app_label="org")],
                     data_scope="all", **kwargs)


def test_moving_a_department_moves_its_whole_subtree():
    admin = org_admin()
    branch = BranchFactory()
    a = services.department_create(actor=admin, data={"branch": branch, "code": "a", "name": "甲"})
    b = services.department_create(actor=admin, data={"branch": branch, "code": "b", "name": "乙", "parent": a})
    c = services.department_create(actor=admin, data={"branch": branch, "code": "c", "name": "丙", "parent": b})
    other = services.department_create(actor=admin, data={"branch": branch, "code": "o", "name": "丁"})
    assert c.path == f"/{a.pk}/{b.pk}/{c.pk}/"
    services.department_update(actor=admin, obj=b, data={"parent": other})
    c.refresh_from_db()
    assert c.path == f"/{other.pk}/{b.pk}/{c.pk}/"


def test_a_department_cannot_be_put_under_itself_or_another_branch():
    admin = org_admin()
    branch = BranchFactory()
    a = services.department_create(actor=admin, data={"branch": branch, "code": "a", "name": "甲"})
    b = services.department_create(actor=admin, data={"branch": branch, "code": "b", "name": "乙", "parent": a})
    with pytest.raises(ValidationFailed):
        services.department_update(actor=admin, obj=Department.objects.get(pk=a.pk), data={"parent": b})
    foreign = services.department_create(actor=admin, data={"branch": BranchFactory(), "code": "f", "name": "外"})
    with pytest.raises(ValidationFailed) as exc:
        services.department_create(actor=admin, data={"branch": branch, "code": "x", "name": "X", "parent": foreign})
    assert "parent" in exc.value.fields


def test_nobody_grants_a_role_permissions_they_do_not_hold():
    clerk = UserFactory()
    grant(clerk, "org.add_role", "org.change_role", "org.view_role", data_scope="all")
    powerful = Permission.objects.get(codename="delete_branch")
    with pytest.raises(PermissionDenied):
        services.role_create(actor=clerk, data={"code": "x", "name": "越权", "data_scope": "all", "permissions": [powerful]})
    mild = Permission.objects.get(codename="view_role")
    role = services.role_create(actor=clerk, data={"code": "y", "name": "只读", "data_scope": "self", "permissions": [mild]})
    assert list(role.permissions.all()) == [mild]


def test_nobody_gives_a_user_a_role_stronger_than_their_own():
    clerk = UserFactory()
    grant(clerk, "org.add_employee", "org.view_employee", data_scope="all")
    strong = RoleFactory(data_scope="all")
    strong.permissions.set([Permission.objects.get(codename="delete_branch")])
    with pytest.raises(PermissionDenied):
        services.user_create(actor=clerk, data={"username": "n1", "roles": [strong]}, password="Secur3pass", model=Employee)


def test_a_new_user_needs_a_password_that_meets_the_policy():
    admin = org_admin()
    for bad in ("", "short1", "abcdefghij", "1234567890"):
        with pytest.raises(ValidationFailed):
            services.user_create(actor=admin, data={"username": f"u{len(bad)}", "kind": "staff"}, password=bad, model=Employee)
    user = services.user_create(actor=admin, data={"username": "good", "kind": "staff"}, password="Secur3pass", model=Employee)
    assert user.check_password("Secur3pass") and user.password_changed_at


def test_an_outlet_user_must_belong_to_an_outlet_and_gets_no_branch_of_the_creator():
    admin = org_admin(branch=BranchFactory())
    with pytest.raises(ValidationFailed):
        services.user_create(actor=admin, data={"username": "o1", "kind": "outlet"}, password="Secur3pass")
    outlet = OutletFactory()
    user = services.user_create(actor=admin, data={"username": "o2", "kind": "outlet", "outlet": outlet},
                                password="Secur3pass")
    assert user.branch_id is None and user.department_id is None
    assert User.objects.visible_to(user).count() == 1


def test_a_manager_resets_a_password_only_inside_their_scope():
    branch_a, branch_b = BranchFactory(), BranchFactory()
    manager = UserFactory(branch=branch_a)
    grant(manager, "org.view_user", "org.reset_password_user", data_scope="branch")
    inside, outside = UserFactory(branch=branch_a), UserFactory(branch=branch_b)
    services.user_set_password(actor=manager, user=inside, password="N3wpassword")
    inside.refresh_from_db()
    assert inside.check_password("N3wpassword")
    with pytest.raises(NotFound):
        services.user_set_password(actor=manager, user=outside, password="N3wpassword")


def test_a_manager_resets_a_password_on_the_employee_page(client):
    branch = BranchFactory()
    manager = UserFactory(branch=branch)
    grant(manager, "org.view_employee", "org.reset_password_user", data_scope="branch")
    staff = UserFactory(branch=branch)
    stranger = UserFactory(branch=BranchFactory())
    client.force_login(manager)
    detail = client.get(f"/org/employee/{staff.pk}/").content.decode()
    assert f"/org/employee/{staff.pk}/set-password/" in detail
    weak = client.post(f"/org/employee/{staff.pk}/set-password/", {"new_password": "abcdefgh", "new_password2": "abcdefgh"})
    assert weak.status_code == 400
    ok = client.post(f"/org/employee/{staff.pk}/set-password/", {"new_password": "N3wpassword", "new_password2": "N3wpassword"})
    assert ok.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("N3wpassword")
    assert client.get(f"/org/employee/{stranger.pk}/set-password/").status_code == 404


def test_without_the_reset_permission_there_is_no_button_and_no_page(client):
    branch = BranchFactory()
    viewer = UserFactory(branch=branch)
    grant(viewer, "org.view_employee", data_scope="branch")
    staff = UserFactory(branch=branch)
    client.force_login(viewer)
    assert "set-password" not in client.get(f"/org/employee/{staff.pk}/").content.decode()
    assert client.get(f"/org/employee/{staff.pk}/set-password/").status_code == 403


def test_the_role_form_shows_permissions_as_a_matrix_and_saves_them(client):
    admin = org_admin()
    client.force_login(admin)
    html = client.get("/org/role/add/").content.decode()
    assert 'data-testid="permission-matrix"' in html
    view_branch = Permission.objects.get(codename="view_branch")
    export_branch = Permission.objects.get(codename="export_branch")
    response = client.post("/org/role/add/", {"code": "matrix", "name": "矩阵", "data_scope": "branch",
                                              "status": "active", "permissions": [view_branch.pk, export_branch.pk]})
    assert response.status_code == 302
    role = Role.objects.get(code="matrix")
    assert set(role.permissions.all()) == {view_branch, export_branch}
