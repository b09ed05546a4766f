import factory
from django.contrib.auth.models import Permission

from xiuhao.org.models import Branch, Department, Engineer, EngineerSkill, Outlet, Role, Skill, User


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"br{n}")
    name = factory.Sequence(lambda n: f"分公司{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        skip_postgeneration_save = True

    branch = factory.SubFactory(BranchFactory)
    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")

    @factory.post_generation
    def tree_path(obj, create, extracted, **kwargs):
        if create:
            obj.path = f"{obj.parent.path}{obj.pk}/" if obj.parent_id else f"/{obj.pk}/"
            obj.save(update_fields=["path"])


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    code = factory.Sequence(lambda n: f"outlet{n}")
    name = factory.Sequence(lambda n: f"网点{n}")
    branch = factory.SubFactory(BranchFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!x")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    code = factory.Sequence(lambda n: f"role{n}")
    name = factory.Sequence(lambda n: f"角色{n}")
    data_scope = "branch"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    code = factory.Sequence(lambda n: f"skill{n}")
    name = factory.Sequence(lambda n: f"技能{n}")


class EngineerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engineer

    user = factory.SubFactory(UserFactory)


class EngineerSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngineerSkill

    engineer = factory.SubFactory(EngineerFactory)
    skill = factory.SubFactory(SkillFactory)
    level = 3


def grant(user, *perms, data_scope="branch", departments=()):
    """Give `user` a role holding `perms` ("app.codename") with the given data scope."""
    role = RoleFactory(data_scope=data_scope)
    objs = []
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        objs.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    role.permissions.set(objs)
    if departments:
        role.departments.set(departments)
    user.roles.add(role)
    user.__dict__.pop("_active_roles", None)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return role


def user_with(*perms, data_scope="branch", departments=(), **fields):
    """A user (UserFactory `fields`) holding `perms` ("app.codename") through one role with the
    given data scope: the clerk, manager or supervisor of a test."""
    user = UserFactory(**fields)
    grant(user, *perms, data_scope=data_scope, departments=departments)
    return user


def user_in_demo_role(code, *, data_scope="all", **fields):
    """A user holding the permissions of the demo role `code` (org.demo.ROLES: "outlet",
    "engineer", "finance"…) through a role with `data_scope`."""
    from xiuhao.org.demo import ROLES, _permissions, role_permissions

    spec = next(r for r in ROLES if r["code"] == code)
    user = UserFactory(**fields)
    role = RoleFactory(data_scope=data_scope)
    role.permissions.set(_permissions(role_permissions(spec)))
    user.roles.add(role)
    return user
