"""The demo data set: complete, idempotent, logged in the audit trail, and scoped as the roles say."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import RequestFactory

from xiuhao.core.models import AuditEvent, DictItem, DictType
from xiuhao.org import demo
from xiuhao.org.models import Branch, Department, Engineer, EngineerSkill, Outlet, Region, Role, Skill, User

pytestmark = pytest.mark.django_db

MODELS = [User, Role, Branch, Department, Engineer, EngineerSkill, Skill, Outlet, DictType, DictItem, AuditEvent]


def load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded():
    return load()


def user(username):
    return User.objects.get(username=username)


def test_loads_twice_without_duplicates():
    first = load()  # every app's demo: customers, ~1,000 devices, contracts (its time: `make run` prints it)
    assert "Demo data loaded" in first
    counts = {m: m.objects.count() for m in MODELS}
    from xiuhao.core import audit  # every verb the demo's services wrote reads as a label in the log

    written = AuditEvent.objects.exclude(verb="").values_list("verb", "content_type__app_label", "content_type__model")
    assert not [(verb, model) for verb, app_label, model in set(written)
                if not audit.has_label(verb, apps.get_model(app_label, model) if model else None)]

    second = load()

    assert "nothing to add" in second
    assert {m: m.objects.count() for m in MODELS} == counts  # not even an audit event
    for output in (first, second):
        for username, *_ in demo.DEMO_ACCOUNTS:
            assert username in output
        assert settings.DEMO_PASSWORD in output


def test_if_empty_skips_when_a_user_exists():
    User.objects.create_user(username="someone", password="x")
    output = load("--if-empty")
    assert "not loaded" in output
    assert not Branch.objects.exists()
    assert User.objects.count() == 1


def test_if_empty_loads_into_an_empty_database():
    output = load("--if-empty")
    assert "Demo data loaded" in output
    assert user("admin").roles.filter(code="admin").exists()


def test_demo_accounts_log_in_with_the_demo_password(loaded):
    for username, role_code, _note in demo.DEMO_ACCOUNTS:
        request = RequestFactory().post("/login/")
        authenticated = authenticate(request=request, username=username, password=settings.DEMO_PASSWORD)
        assert authenticated is not None and authenticated.username == username
        assert authenticated.roles.filter(code=role_code).exists()
    # every other demo user has the same password too
    assert all(u.check_password(settings.DEMO_PASSWORD) for u in User.objects.all())


def test_admin_is_a_normal_user_who_may_do_everything_in_org_and_core(loaded):
    admin = user("admin")
    assert admin.is_staff and not admin.is_superuser
    assert admin.branch.is_headquarters and admin.department.code == "hq-it"
    assert admin.roles.get().data_scope == "all"
    perms = Permission.objects.filter(content_type__app_label__in=["org", "core"]).select_related("content_type")
    assert perms.count() > 50
    assert all(admin.has_perm(f"{p.content_type.app_label}.{p.codename}") for p in perms)
    assert User.objects.visible_to(admin).count() == User.objects.count()


def test_role_definitions_name_existing_permissions(loaded):
    existing = {
        f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert demo.role_permission_codes() - existing == set()
    roles = {r.code: r for r in Role.objects.all()}
    assert {"admin", "agent", "dispatcher", "engineer", "warehouse", "finance", "outlet"} <= set(roles)
    assert roles["dispatcher"].data_scope == "branch"
    assert roles["engineer"].data_scope == "self"
    assert roles["warehouse"].data_scope == "dept_tree"
    assert roles["finance"].permissions.filter(codename="export_employee").exists()
    assert not roles["engineer"].permissions.filter(codename__startswith="export_").exists()


def test_company_structure(loaded):
    staff = User.objects.filter(kind=User.Kind.STAFF)
    assert staff.count() >= 20
    assert all(u.display_name and u.employee_no and u.phone[:1] == "1" and len(u.phone) == 11 for u in staff)
    assert all(u.branch_id and u.department_id and u.department.branch_id == u.branch_id for u in staff)
    assert Branch.objects.count() == 5
    hq = Branch.objects.get(is_headquarters=True)
    assert hq.region.code == "110000"
    assert Branch.objects.filter(region__isnull=True).count() == 0
    assert DictType.objects.filter(is_system=True).count() >= 4
    assert DictItem.objects.get(dict_type__code="customer_tier", value="gold").label_en == "Gold"


def test_department_tree_paths(loaded):
    departments = list(Department.objects.select_related("parent"))
    assert len(departments) >= 20
    assert any(d.parent_id for d in departments)
    for dept in departments:
        if dept.parent_id:
            assert dept.path == f"{dept.parent.path}{dept.pk}/"
            assert dept.parent.branch_id == dept.branch_id
        else:
            assert dept.path == f"/{dept.pk}/"


def test_engineers(loaded):
    engineers = Engineer.objects.select_related("user__branch")
    assert engineers.count() >= 8
    for eng in engineers:
        assert eng.regions.exists() and eng.skills.exists()
        assert 18 < eng.home_lat < 54 and 73 < eng.home_lng < 135  # in China
        assert all(1 <= s.level <= 5 for s in eng.skills.all())
    engineer = Engineer.objects.get(user__username="engineer")
    assert engineer.user.branch.code == "huanan" and engineer.is_field
    assert all(r.code.startswith("44") for r in engineer.regions.all())
    assert Skill.objects.count() >= 6


def test_outlets(loaded):
    assert Outlet.objects.count() == 2
    for outlet in Outlet.objects.all():
        assert outlet.branch_id and outlet.regions.exists() and outlet.contact_name and outlet.phone
        users = outlet.users.all()
        assert users.count() == 2
        assert all(u.kind == User.Kind.OUTLET and u.department_id is None for u in users)
    outlet_user = user("outlet")
    assert outlet_user.outlet.code == "fs-shunda"


def test_dispatcher_sees_only_his_branch(loaded):
    dispatcher = user("dispatcher")
    assert dispatcher.branch.code == "huanan"
    visible = User.objects.visible_to(dispatcher)
    assert visible.count() >= 5
    assert set(visible.values_list("branch_id", flat=True)) == {dispatcher.branch_id}
    engineers = Engineer.objects.visible_to(dispatcher)
    assert engineers.filter(user__username="engineer").exists()
    assert set(engineers.values_list("user__branch_id", flat=True)) == {dispatcher.branch_id}
    assert list(Outlet.objects.visible_to(dispatcher).values_list("code", flat=True)) == ["fs-shunda"]


def test_outlet_user_sees_only_own_outlet(loaded):
    outlet_user = user("outlet")
    assert list(Outlet.objects.visible_to(outlet_user)) == [outlet_user.outlet]
    assert set(User.objects.visible_to(outlet_user).values_list("outlet_id", flat=True)) == {outlet_user.outlet_id}
    assert not Engineer.objects.visible_to(outlet_user).exists()


def test_engineer_and_warehouse_scopes(loaded):
    engineer = user("engineer")
    assert list(User.objects.visible_to(engineer)) == [engineer]
    warehouse = user("warehouse")
    visible = User.objects.visible_to(warehouse)
    assert warehouse in visible
    assert all(u.department and u.department.path.startswith(warehouse.department.path) for u in visible)


def test_writes_are_in_the_audit_log(loaded):
    admin = user("admin")
    created = AuditEvent.objects.filter(action="create")
    assert created.filter(actor=None, object_repr=str(admin)).exists()  # the first administrator
    assert created.filter(actor=admin).count() >= User.objects.count() + Department.objects.count()
    for model in (User, Department, Branch, Role, Outlet, Engineer, DictType):
        obj = model.objects.first()
        events = AuditEvent.objects.filter(object_id=str(obj.pk), action="create",
                                           content_type__app_label=model._meta.app_label)
        assert events.exists(), model
    # all from one load: one request id per app's demo
    from xiuhao.core.registry import registry

    request_ids = set(AuditEvent.objects.order_by().values_list("request_id", flat=True).distinct())
    assert len(request_ids) <= len(registry.demo_order())


def test_regions_used_exist():
    codes = {b["region"] for b in demo.BRANCHES} | {c for o in demo.OUTLETS for c in o["regions"]}
    codes |= {c for e in demo.EMPLOYEES if e[8] for c in e[8]["regions"]}
    assert Region.objects.filter(code__in=codes).count() == len(codes)


def test_the_roles_grant_what_they_granted_before_the_apps_contributed_their_part():
    """Snapshot of the roles' permissions taken when they were one hand-written list in this
    module; each app's demo module now contributes its own models' part."""
    snapshot = json.loads((Path(__file__).parent / "data" / "demo_role_permissions.json").read_text())
    got = {}
    for spec in demo.ROLES:
        grants = demo.role_permissions(spec)
        got[spec["code"]] = grants if grants == "__all__" else sorted(demo.permission_codes(grants))
    assert got == snapshot


def test_the_demo_steps_run_after_what_they_build_on():
    from xiuhao.core.registry import registry

    order = [step.name for step in registry.demo_order()]
    assert order == ["org", "catalog", "customers", "assets", "contracts", "sla", "tasks", "sla_clocks", "messages"]
