"""Nobody locks the organisation out: a change that would leave no active user able to manage
roles and users (superuser, or org.change_role + org.change_user through active roles) is refused
and changes nothing — on the page, in the API and in the services."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from xiuhao.core.errors import ServiceError
from xiuhao.org import services
from xiuhao.org.models import Role, Status, User
from xiuhao.org.tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG_PERMS = ["view_role", "add_role", "change_role", "delete_role", "view_user", "change_user",
             "view_employee", "change_employee"]


@pytest.fixture
def admin_role():
    role = RoleFactory(code="admin", data_scope="all")
    role.permissions.set(Permission.objects.filter(content_type__app_label="org", codename__in=ORG_PERMS))
    return role


@pytest.fixture
def admin(admin_role):
    user = UserFactory(username="theadmin")
    user.roles.add(admin_role)
    return User.objects.get(pk=user.pk)


def refused(call):
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == "last_administrator"
    assert "change_role" not in str(info.value.message)


def test_emptying_the_administrator_role_is_refused_and_changes_nothing(admin, admin_role):
    before = set(admin_role.permissions.values_list("pk", flat=True))
    refused(lambda: services.role_update(actor=admin, obj=admin_role, data={"permissions": []}))
    assert set(Role.objects.get(pk=admin_role.pk).permissions.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("change", [
    lambda admin, role: services.role_update(actor=admin, obj=role, data={"status": Status.DISABLED}),
    lambda admin, role: services.role_update(
        actor=admin, obj=role, data={"permissions": list(role.permissions.exclude(codename="change_user"))}),
    lambda admin, role: services.role_delete(actor=admin, obj=role),
    lambda admin, role: services.user_update(actor=admin, obj=User.objects.get(pk=admin.pk), data={"roles": []}),
    lambda admin, role: services.user_update(actor=admin, obj=User.objects.get(pk=admin.pk),
                                             data={"is_active": False}),
], ids=["disable-role", "drop-one-right", "delete-role", "leave-role", "deactivate-self"])
def test_every_way_of_removing_the_last_administrator_is_refused(admin, admin_role, change):
    admin.user_permissions.add(*Permission.objects.filter(content_type__app_label="org", codename="delete_role"))
    refused(lambda: change(admin, admin_role))
    assert services.administrators().filter(pk=admin.pk).exists()


def test_with_a_second_administrator_the_same_change_is_allowed(admin, admin_role):
    other = UserFactory()
    other.roles.add(admin_role)
    services.user_update(actor=admin, obj=User.objects.get(pk=admin.pk), data={"is_active": False})
    assert list(services.administrators()) == [other]


def test_an_active_superuser_is_an_administrator_too(admin, admin_role):
    UserFactory(is_superuser=True)
    services.role_update(actor=admin, obj=admin_role, data={"permissions": []})
    assert not Role.objects.get(pk=admin_role.pk).permissions.exists()


def test_the_page_and_the_api_say_why_in_the_users_language(admin, admin_role):
    client = Client()
    client.force_login(admin)
    response = client.patch(f"/api/v1/org/role/{admin_role.pk}/", data=json.dumps({"permissions": []}),
                            content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_administrator"
    assert "管理角色和用户" in response.json()["error"]["message"]
    page = client.post(f"/org/role/{admin_role.pk}/edit/", {
        "code": admin_role.code, "name": admin_role.name, "data_scope": "all", "status": Status.ACTIVE})
    assert page.status_code in (200, 400)
    assert "管理角色和用户" in page.content.decode()
    assert Role.objects.get(pk=admin_role.pk).permissions.count() == len(ORG_PERMS)


@pytest.mark.django_db(transaction=True)
def test_two_administrators_removing_each_other_at_once_leave_one():
    from xiuhao.core.tests.races import at_once

    role = RoleFactory(code="admins", data_scope="all")
    role.permissions.set(Permission.objects.filter(content_type__app_label="org", codename__in=ORG_PERMS))
    first, second = UserFactory(), UserFactory()
    first.roles.add(role)
    second.roles.add(role)
    pairs = [(first.pk, second.pk), (second.pk, first.pk)]

    def work(i):
        actor, target = (User.objects.get(pk=pk) for pk in pairs[i])
        services.user_update(actor=actor, obj=target, data={"is_active": False})

    outcomes = at_once(work, 2, name_of=lambda exc: getattr(exc, "code", type(exc).__name__))
    assert outcomes == ["last_administrator", "ok"]
    assert services.administrators().count() == 1
