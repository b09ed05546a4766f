"""Organisation: users, branches, departments, roles, outlets, regions, engineers and skills."""

import ipaddress

from django.contrib.auth.models import AbstractUser, Permission, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from xiuhao.core import constraints
from xiuhao.core.models import TimeStampedModel
from xiuhao.core.scope import DataScope, ScopedManager, ScopedQuerySet, ScopeFields


def validate_ip_allowlist(value: str):
    for item in parse_ip_allowlist(value, strict=False):
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise ValidationError(_("“%(item)s” is not an IP address or network."), params={"item": item}) from exc


def parse_ip_allowlist(value: str, strict=True):
    items = [p.strip() for p in (value or "").replace("，", ",").replace("\n", ",").split(",") if p.strip()]
    if not strict:
        return items
    return [ipaddress.ip_network(i, strict=False) for i in items]


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class Region(models.Model):
    """GB/T 2260 administrative division. A region covers every region whose code starts with
    its prefix (province "44" covers city "4403" covers county "440305")."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County")

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    prefix = models.CharField(max_length=6, db_index=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Branch(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_headquarters = models.BooleanField(_("headquarters"), default=False)
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    manager = models.ForeignKey(
        "org.User", verbose_name=_("branch head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # New customers in these regions (and inside them) belong to this branch unless chosen
    # otherwise; the most specific region wins (org.regions.branch_serving).
    regions = models.ManyToManyField(Region, verbose_name=_("service regions"), blank=True, related_name="+",
                                     help_text=_("New customers in these regions belong to this branch."))

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="pk", department=None, owner=None)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["-is_headquarters", "code"]
        permissions = [("export_branch", _("Can export branches")), ("import_branch", _("Can import branches"))]

    def __str__(self):
        return self.name


class Department(TimeStampedModel):
    """Department tree under a branch. `path` ("/3/7/12/") is maintained by the services and
    lets "own department and below" be one indexed prefix query."""

    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    sort = models.IntegerField(_("sort order"), default=0)
    leader = models.ForeignKey(
        "org.User", verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department="pk", owner=None)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["branch", "path"]
        constraints = [constraints.UniqueConstraint(fields=["branch", "parent", "name"], name="department_unique_name",
            field="name", message=_("A department with this name already exists under the same parent."))]
        permissions = [("export_department", _("Can export departments")), ("import_department", _("Can import departments"))]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return max(self.path.count("/") - 2, 0)

    def clean(self):
        if self.parent_id:
            if self.parent.branch_id != self.branch_id:
                raise ValidationError({"parent": _("The parent department belongs to another branch.")})
            if self.pk and f"/{self.pk}/" in self.parent.path:
                raise ValidationError({"parent": _("A department cannot be placed under itself.")})


class Outlet(TimeStampedModel):
    """An external service provider 网点 with its own users; they see only its data."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    branch = models.ForeignKey(
        Branch, verbose_name=_("managing branch"), null=True, blank=True, on_delete=models.PROTECT, related_name="outlets"
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    regions = models.ManyToManyField(Region, verbose_name=_("service regions"), blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department=None, owner=None, outlet="pk")

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["code"]
        permissions = [("export_outlet", _("Can export outlets")), ("import_outlet", _("Can import outlets"))]

    def __str__(self):
        return self.name


class Role(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True, related_name="roles")
    data_scope = models.CharField(_("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.SELF)
    departments = models.ManyToManyField(
        Department, verbose_name=_("custom departments"), blank=True, related_name="+",
        help_text=_("Used when the data scope is “Custom departments”."),
    )
    require_totp = models.BooleanField(
        _("require two-factor login"), default=False, help_text=_("Users with this role must log in with TOTP.")
    )
    ip_allowlist = models.TextField(
        _("IP allow-list"), blank=True, validators=[validate_ip_allowlist],
        help_text=_("Addresses or networks (CIDR), comma or line separated. Empty: any address."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]
        permissions = [("export_role", _("Can export roles"))]

    def __str__(self):
        return self.name


class UserQuerySet(ScopedQuerySet):
    pass


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """Everyone who logs in: employees (staff), outlet users and, later, portal customers."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Employee")
        OUTLET = "outlet", _("Outlet user")
        CUSTOMER = "customer", _("Customer")

    kind = models.CharField(_("user type"), max_length=20, choices=Kind.choices, default=Kind.STAFF)
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=30, blank=True)
    phone = models.CharField(_("mobile"), max_length=30, blank=True)
    title = models.CharField(_("job title"), max_length=50, blank=True)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    ip_allowlist = models.TextField(
        _("IP allow-list"), blank=True, validators=[validate_ip_allowlist],
        help_text=_("Addresses or networks (CIDR), comma or line separated. Empty: any address."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)

    objects = ScopedUserManager()
    scope_fields = ScopeFields(branch="branch", department="department", owner="pk", outlet="outlet")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        # The employee list of a branch: filter by kind and branch, ordered by username.
        indexes = [models.Index(fields=["kind", "branch", "username"], name="user_kind_branch_username")]
        permissions = [
            ("export_user", _("Can export users")),
            ("import_user", _("Can import users")),
            ("reset_password_user", _("Can reset passwords")),
        ]

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.department_id and self.branch_id and self.department.branch_id != self.branch_id:
            raise ValidationError({"department": _("The department belongs to another branch.")})
        if self.kind == self.Kind.OUTLET and not self.outlet_id:
            raise ValidationError({"outlet": _("An outlet user must belong to an outlet.")})
        if self.kind != self.Kind.OUTLET and self.outlet_id:
            raise ValidationError({"outlet": _("Only outlet users belong to an outlet.")})

    def active_roles(self):
        """Roles in force, cached for the request (the data scope and permissions read them)."""
        return self._active_roles

    @cached_property
    def _active_roles(self):
        if not self.pk:
            return []
        return list(self.roles.filter(status=Status.ACTIVE).prefetch_related("departments"))


class Employee(User):
    """The 员工 page's view of users: the company's own staff (no business of outlet users)."""

    scope_fields = ScopeFields(branch="branch", department="department", owner="pk", outlet=None)

    class Meta:
        proxy = True
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        permissions = [("export_employee", _("Can export employees")), ("import_employee", _("Can import employees"))]


class OutletUser(User):
    """The outlet users page: users who belong to an outlet (seen by the outlet's managing branch)."""

    scope_fields = ScopeFields(branch="outlet__branch", department=None, owner="pk", outlet="outlet")

    class Meta:
        proxy = True
        verbose_name = _("outlet user")
        verbose_name_plural = _("outlet users")
        permissions = [("export_outletuser", _("Can export outlet users"))]


class Skill(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]
        permissions = [("export_skill", _("Can export skills")), ("import_skill", _("Can import skills"))]

    def __str__(self):
        return self.name


class Engineer(TimeStampedModel):
    """An employee who does field or depot work."""

    class Level(models.IntegerChoices):
        JUNIOR = 1, _("Junior")
        INTERMEDIATE = 2, _("Intermediate")
        SENIOR = 3, _("Senior")
        EXPERT = 4, _("Expert")

    user = models.OneToOneField(User, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="engineer")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.JUNIOR)
    regions = models.ManyToManyField(Region, verbose_name=_("service regions"), blank=True, related_name="+")
    home_address = models.CharField(_("home address"), max_length=255, blank=True)
    home_lat = models.DecimalField(_("home latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    home_lng = models.DecimalField(_("home longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-180), MaxValueValidator(180)])
    is_field = models.BooleanField(_("field engineer"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("user")

    class Meta:
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")
        ordering = ["user__username"]
        permissions = [("export_engineer", _("Can export engineers")), ("import_engineer", _("Can import engineers"))]

    def __str__(self):
        return str(self.user)


class EngineerSkill(models.Model):
    engineer = models.ForeignKey(Engineer, on_delete=models.CASCADE, related_name="skills", verbose_name=_("engineer"))
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("level"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    objects = ScopedManager()
    scope_fields = ScopeFields.via("engineer")

    class Meta:
        verbose_name = _("engineer skill")
        verbose_name_plural = _("engineer skills")
        ordering = ["engineer", "skill"]
        constraints = [
            constraints.UniqueConstraint(fields=["engineer", "skill"], name="engineerskill_unique",
            field="skill", message=_("The engineer already has this skill.")),
            constraints.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="engineerskill_level_1_5",
            field="level", message=_("The level must be between 1 and 5.")),
        ]

    def __str__(self):
        return f"{self.skill} L{self.level}"
