"""Role and user pages show permissions as people read them — module, record type and operation in
the user's language, grouped — never as codenames ("customers.view_customer") or Django's English
names ("Can view customer")."""

import re

import pytest
from django.contrib.auth.models import Permission

from xiuhao.org import services
from xiuhao.org.models import Role

from .factories import RoleFactory, UserFactory, user_with

pytestmark = pytest.mark.django_db

RAW = re.compile(r"\b(?:customers|contracts)\.(?:view|add|change|delete)_|Can (?:view|add|change|delete) ")


def perms(*names):
    return [Permission.objects.get(content_type__app_label=n.split(".")[0], codename=n.split(".")[1]) for n in names]


@pytest.fixture
def admin():
    return user_with("org.view_role", "org.add_role", "org.change_role", "org.view_employee", "customers.view_customer",
                     "customers.add_customer", "contracts.view_contract", "contracts.view_amount_contract",
                     data_scope="all")


@pytest.fixture
def agent_role():
    role = RoleFactory(name="客服")
    role.permissions.set(perms("customers.view_customer", "customers.add_customer", "contracts.view_contract",
                               "contracts.view_amount_contract"))
    return role


def chinese(client, user):
    client.force_login(user)
    client.cookies["xiuhao_language"] = "zh-hans"
    return client


def test_the_role_page_lists_permissions_grouped_and_translated(client, admin, agent_role):
    chinese(client, admin)
    details = client.get(f"/org/role/{agent_role.pk}/").content.decode()
    assert "共 4 项权限" in details and not RAW.search(details)
    html = client.get(f"/org/role/{agent_role.pk}/?tab=permissions").content.decode()
    table = re.search(r'data-testid="permissions".*?</table>', html, re.S).group(0)
    assert not RAW.search(table)
    assert "客户管理" in table and "合同管理" in table  # the modules
    customers = re.search(r"<td>客户</td>\s*<td>(.*?)</td>", table, re.S).group(1)
    assert "查看" in customers and "新增" in customers and "修改" not in customers
    assert "可查看合同金额" in table  # a permission of its own, by its translated name


def test_the_role_form_groups_the_matrix_by_module(client, admin, agent_role):
    chinese(client, admin)
    html = client.get(f"/org/role/{agent_role.pk}/edit/").content.decode()
    matrix = re.search(r'data-testid="permission-matrix".*?</table>', html, re.S).group(0)
    modules = re.findall(r'scope="rowgroup">(.*?)</th>', matrix)
    assert "客户管理" in modules and "组织架构" in modules and len(modules) == len(set(modules))
    assert "可查看合同金额" in matrix and not RAW.search(matrix)


def test_a_user_page_shows_the_permissions_its_roles_grant(client, admin, agent_role):
    clerk = UserFactory(display_name="周敏")
    clerk.roles.add(agent_role)
    chinese(client, admin)
    html = client.get(f"/org/employee/{clerk.pk}/?tab=permissions").content.decode()
    assert "客服" in html and "客户管理" in html and "查看" in html and not RAW.search(html)


def test_the_role_history_names_the_permissions_granted_and_withdrawn(client, admin, agent_role):
    role = services.role_create(actor=admin, data={"code": "desk", "name": "前台", "data_scope": "branch",
                                                   "permissions": perms("customers.view_customer")})
    services.role_update(actor=admin, obj=Role.objects.get(pk=role.pk),
                         data={"permissions": perms("customers.add_customer")})
    chinese(client, admin)
    html = client.get(f"/org/role/{role.pk}/?tab=history").content.decode()
    assert "+客户管理 › 客户 › 新增" in html and "−客户管理 › 客户 › 查看" in html
    assert not RAW.search(html)
