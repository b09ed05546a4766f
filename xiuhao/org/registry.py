from django import forms
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xiuhao.core import audit
from xiuhao.core.api import ScopedModelSerializer
from xiuhao.core.forms import ScopedModelForm
from xiuhao.core.permissions import grouped, permission_label
from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry

from . import security, services, views
from .models import (
    Branch,
    Department,
    Employee,
    Engineer,
    EngineerSkill,
    Outlet,
    OutletUser,
    Region,
    Role,
    Skill,
    User,
)
from .regions import RegionFilter, RegionPickerWidget
from .widgets import PermissionMatrixWidget

registry.section("org", _("Organisation"), "sitemap", 10)

# What the operation log and history tabs call this app's audit verbs.
audit.verb_labels({"password_change": _("Password changed"), "totp_enabled": _("Two-factor login enabled"),
                   "token_revoked": _("API token revoked"), "sign_out_everywhere": _("Signed out everywhere")})


@register
class BranchConfig(ModelConfig):
    model = Branch
    menu = "org"
    menu_order = 10
    icon = "building"
    list_fields = ["code", "name", "is_headquarters", "region", "phone", "status"]
    search_fields = ["code", "name", "address"]
    filter_fields = ["status", "is_headquarters"]
    form_fields = ["code", "name", "is_headquarters", "region", "address", "phone", "manager", "regions", "status"]
    select_related = ["region", "manager"]
    prefetch_related = ["regions"]
    natural_key = "code"


@register
class DepartmentConfig(ModelConfig):
    model = Department
    menu = "org"
    menu_order = 20
    list_fields = ["name", "code", "branch", "parent", "leader", "phone", "status"]
    search_fields = ["code", "name"]
    filter_fields = ["branch", "status"]
    form_fields = ["branch", "parent", "code", "name", "sort", "leader", "phone", "status"]
    select_related = ["branch", "parent", "leader"]
    ordering = ["branch__code", "path"]
    natural_key = "code"

    def create(self, *, actor, data):
        return services.department_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.department_update(actor=actor, obj=obj, data=data)


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)  # module › record type › operation, translated


def assignable_permissions():
    """Permissions of every registered model (and the concrete user model behind the user
    pages), grouped by model for the matrix."""
    from django.contrib.contenttypes.models import ContentType

    models = {c.model for c in registry} | {c.model._meta.concrete_model for c in registry}
    cts = ContentType.objects.get_for_models(*models, for_concrete_models=False).values()
    return Permission.objects.filter(content_type__in=cts).select_related("content_type").order_by(
        "content_type__app_label", "content_type__model", "codename"
    )


def _role_permissions_tab(role, request):
    return {"groups": grouped(role.permissions.select_related("content_type")), "roles": None}


def _user_permissions_tab(user, request):
    roles = user.active_roles()
    perms = Permission.objects.filter(roles__in=roles).select_related("content_type").distinct()
    return {"groups": grouped(perms), "roles": roles}


def _permission_count(perms):
    return _("%(count)s permissions (see the Permissions tab)") % {"count": perms.count()}


class RoleForm(ScopedModelForm):
    permissions = PermissionChoiceField(
        queryset=Permission.objects.none(), required=False, widget=PermissionMatrixWidget,
        label=_("permissions"),
    )

    class Meta:
        model = Role
        fields = ["code", "name", "data_scope", "departments", "permissions", "require_totp", "ip_allowlist",
                  "description", "status"]
        widgets = {"ip_allowlist": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].queryset = assignable_permissions()


@register
class RoleConfig(ModelConfig):
    model = Role
    menu = "org"
    menu_order = 60
    list_fields = ["code", "name", "data_scope", "require_totp", "status"]
    search_fields = ["code", "name"]
    filter_fields = ["data_scope", "status"]
    form_fields = RoleForm.Meta.fields
    form_class = RoleForm
    prefetch_related = ["permissions", "departments"]
    # Permissions read as module › record type › operation, in the user's language, on their own tab.
    tabs = [Tab("permissions", _("Permissions"), "org/tabs/permissions.html", _role_permissions_tab)]
    value_labels = {"permissions": _permission_count}

    def create(self, *, actor, data):
        return services.role_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.role_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.role_delete(actor=actor, obj=obj)


# -- users ---------------------------------------------------------------------------------------
USER_FIELDS = ["username", "display_name", "employee_no", "phone", "email", "title", "branch", "department",
               "roles", "is_active", "ip_allowlist"]


class UserCreateForm(ScopedModelForm):
    password = forms.CharField(label=_("password"), widget=forms.PasswordInput, required=False,
                               help_text=_("At least 8 characters with letters and digits."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Passwords change through the reset action, never through the edit form.
            self.fields.pop("password", None)
        elif "password" in self.fields:
            self.fields["password"].required = True


class UserSerializer(ScopedModelSerializer):
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"},
                                     help_text=_("Required when creating a user."))


class UserConfigBase(ModelConfig):
    kind = None
    deletable = False  # users are disabled, never deleted (their history stays readable)
    actions = [Action("set-password", _("Reset password"), views.reset_password, permission="org.reset_password_user"),
               Action("sign-out-everywhere", _("Sign out everywhere"), views.sign_out_everywhere,
                      permission="org.reset_password_user")]
    tabs = [Tab("permissions", _("Permissions"), "org/tabs/permissions.html", _user_permissions_tab)]

    def base_queryset(self):
        return super().base_queryset().filter(kind=self.kind)

    def create(self, *, actor, data):
        data = dict(data)
        password = data.pop("password", None)
        data["kind"] = self.kind
        return services.user_create(actor=actor, data=data, password=password, model=self.model)

    def update(self, *, actor, obj, data):
        data = dict(data)
        data.pop("password", None)
        return services.user_update(actor=actor, obj=obj, data=data)


def _user_form(fields):
    return forms.modelform_factory(
        Employee, form=UserCreateForm, fields=fields, widgets={"ip_allowlist": forms.Textarea(attrs={"rows": 2})}
    )


def _user_serializer(model, fields):
    meta = type("Meta", (), {"model": model, "fields": ["id", "display", *fields, "password", "last_login",
                                                          "date_joined"],
                             "read_only_fields": ["last_login", "date_joined"], "validators": []})
    return type(f"{model.__name__}Serializer", (UserSerializer,), {"Meta": meta})


@register
class EmployeeConfig(UserConfigBase):
    model = Employee
    kind = "staff"
    menu = "org"
    menu_order = 30
    list_fields = ["username", "display_name", "employee_no", "branch", "department", "title", "phone", "is_active"]
    search_fields = ["username", "display_name", "employee_no", "phone"]
    filter_fields = ["branch", "department", "roles", "is_active"]
    form_fields = USER_FIELDS
    import_fields = ["username", "display_name", "employee_no", "phone", "email", "title", "branch", "department"]
    select_related = ["branch", "department"]
    prefetch_related = ["roles"]
    natural_key = "username"
    form_class = type("EmployeeForm", (_user_form(["password", *USER_FIELDS]),), {})
    serializer_class = _user_serializer(Employee, USER_FIELDS)


OUTLET_USER_FIELDS = ["username", "display_name", "phone", "email", "outlet", "roles", "is_active", "ip_allowlist"]


@register
class OutletUserConfig(UserConfigBase):
    model = OutletUser
    kind = "outlet"
    menu = "org"
    menu_order = 55
    list_fields = ["username", "display_name", "outlet", "phone", "is_active"]
    search_fields = ["username", "display_name", "phone"]
    filter_fields = ["outlet", "is_active"]
    form_fields = OUTLET_USER_FIELDS
    select_related = ["outlet"]
    prefetch_related = ["roles"]
    form_class = type(
        "OutletUserForm",
        (forms.modelform_factory(OutletUser, form=UserCreateForm, fields=["password", *OUTLET_USER_FIELDS]),),
        {},
    )
    serializer_class = _user_serializer(OutletUser, OUTLET_USER_FIELDS)


@register
class OutletConfig(ModelConfig):
    model = Outlet
    menu = "org"
    menu_order = 50
    list_fields = ["code", "name", "branch", "contact_name", "phone", "status"]
    search_fields = ["code", "name", "contact_name", "phone"]
    filter_fields = ["branch", "status"]
    form_fields = ["code", "name", "branch", "contact_name", "phone", "address", "regions", "status"]
    select_related = ["branch"]
    prefetch_related = ["regions"]
    natural_key = "code"


@register
class SkillConfig(ModelConfig):
    model = Skill
    menu = "org"
    menu_order = 45
    list_fields = ["code", "name", "description"]
    search_fields = ["code", "name"]
    form_fields = ["code", "name", "description"]
    natural_key = "code"


def engineer_skills(obj, request):
    return {"skills": obj.skills.select_related("skill").order_by("skill__code")}


@register
class EngineerConfig(ModelConfig):
    model = Engineer
    menu = "org"
    menu_order = 40
    list_fields = ["user", "level", "is_field", "home_address", "status"]
    search_fields = ["user__username", "user__display_name", "user__phone"]
    filter_fields = ["level", "is_field", "status", "regions"]
    form_fields = ["user", "level", "regions", "home_address", "home_lat", "home_lng", "is_field", "status"]
    detail_fields = ["user", "level", "regions", "home_address", "home_lat", "home_lng", "is_field", "status"]
    select_related = ["user", "user__branch"]
    prefetch_related = ["regions", "skills__skill"]
    ordering = ["user__username"]
    tabs = [Tab("skills", _("Skills"), "org/tabs/engineer_skills.html", engineer_skills)]


@register
class EngineerSkillConfig(ModelConfig):
    model = EngineerSkill
    menu = None
    list_fields = ["engineer", "skill", "level"]
    filter_fields = ["engineer", "skill"]
    form_fields = ["engineer", "skill", "level"]
    select_related = ["engineer__user", "skill"]


@register
class RegionConfig(ModelConfig):
    model = Region
    menu = "system"
    menu_order = 50
    list_fields = ["code", "name", "level", "parent"]
    search_fields = ["code", "name"]
    filter_fields = ["level"]
    form_fields = []  # reference data from GB/T 2260: read only
    select_related = ["parent"]
    deletable = False


# Tables that grow past what a <select> can list: their pickers search as you type.
registry.choices_search(User, ["username", "display_name", "phone", "employee_no"], without_view_permission=True)
registry.choices_search(Region, ["name", "code"], without_view_permission=True)
registry.choices_search(Engineer, ["user__username", "user__display_name"])

# Regions are shared by many apps' records: every form and list with a region field gets the
# cascading picker and the "in this region or inside it" filter.
registry.field_widget("org.region", RegionPickerWidget)
registry.filter_for("org.region", RegionFilter)


# Core's ports (core.contributions.PORTS): the department tree of the data scope, the IP allow-list
# of the API's token sign-in.
def departments_below(department):
    return Department.objects.filter(path__startswith=department.path).values("pk")


registry.provide("departments_below", departments_below)
registry.provide("ip_allowed", security.ip_allowed)
