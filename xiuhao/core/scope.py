"""Data scope 数据权限: one `visible_to(user)` for every page, API endpoint, export and report.

A model declares *where* its scope anchors live with a `ScopeFields` class attribute named
`scope_fields` (a child record whose scope is its parent's says `ScopeFields.via("parent")`); a
user's roles declare *how wide* they see. `visible_to` combines both into one filter. Models
without `scope_fields` are global reference data (regions, dictionaries).
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DataScope(models.TextChoices):
    ALL = "all", _("All data")  # everything in the company
    BRANCH = "branch", _("Own branch")  # records of the user's branch
    CUSTOM = "custom", _("Custom departments")  # records of the departments chosen on the role
    DEPARTMENT = "dept", _("Own department")  # records of the user's department only
    DEPARTMENT_TREE = "dept_tree", _("Own department and below")  # department and its sub-tree
    SELF = "self", _("Own records only")  # records the user created / owns


@dataclass(frozen=True)
class ScopeFields:
    """Lookup paths from a model to its scope anchors (None: the model has no such anchor)."""

    branch: str | None = "branch"
    department: str | None = "department"
    owner: str | None = "created_by"
    outlet: str | None = None

    @staticmethod
    def via(parent: str) -> "ViaParent":
        """A child record's scope is its parent's: `scope_fields = ScopeFields.via("contract")`
        gives contract__branch, contract__department, … from the parent model's own
        scope_fields (read when first used, so the parent may be declared later)."""
        return ViaParent(parent)


ANCHORS = ("branch", "department", "owner", "outlet")


class ViaParent:
    """The scope fields of a model whose records are seen by whoever sees their parent (through
    the foreign key `parent`): the parent's paths, each behind `parent__`. Resolved on first use;
    `resolve()` raises ImproperlyConfigured when `parent` is no foreign key to a scoped model (the
    system check core.E001 runs it for every model at start-up)."""

    def __init__(self, parent: str):
        self.parent = parent
        self.model = None
        self._resolved: ScopeFields | None = None

    def __set_name__(self, owner, name):
        if self.model is not None and self.model is not owner:
            raise TypeError(f"ScopeFields.via({self.parent!r}) is already the scope of {self.model.__name__}; "
                            f"write ScopeFields.via(...) in {owner.__name__} too.")
        self.model = owner

    def resolve(self) -> ScopeFields:
        if self._resolved is None:
            self._resolved = self._parent_fields()
        return self._resolved

    def _parent_fields(self) -> ScopeFields:
        where = f"{self.model._meta.label}.scope_fields = ScopeFields.via({self.parent!r})"
        try:
            field = self.model._meta.get_field(self.parent)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(f"{where}: {self.model.__name__} has no field {self.parent!r}.") from exc
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            raise ImproperlyConfigured(f"{where}: {self.parent!r} is not a foreign key.")
        spec = getattr(field.related_model, "scope_fields", None)
        if spec is None:
            raise ImproperlyConfigured(
                f"{where}: the parent {field.related_model._meta.label} has no scope_fields.")
        if isinstance(spec, ViaParent):
            spec = spec.resolve()

        def behind_parent(path):
            if path is None:
                return None
            return self.parent if path == "pk" else f"{self.parent}__{path}"

        return ScopeFields(**{anchor: behind_parent(getattr(spec, anchor)) for anchor in ANCHORS})

    branch = property(lambda self: self.resolve().branch)
    department = property(lambda self: self.resolve().department)
    owner = property(lambda self: self.resolve().owner)
    outlet = property(lambda self: self.resolve().outlet)

    def __repr__(self):
        return f"ScopeFields.via({self.parent!r})"


def scope_fields_errors(models) -> list:
    """The system check's errors for `models`: a `ScopeFields.via(...)` that does not name a
    foreign key to a scoped model."""
    from django.core.checks import Error

    errors = []
    for model in models:
        spec = model.__dict__.get("scope_fields")
        if isinstance(spec, ViaParent):
            try:
                spec.resolve()
            except ImproperlyConfigured as exc:
                errors.append(Error(str(exc), obj=model, id="core.E001"))
    return errors


def check_scope_fields(app_configs=None, **kwargs):
    """System check (registered by CoreConfig): every model's ScopeFields.via resolves."""
    from django.apps import apps

    configs = app_configs or apps.get_app_configs()
    return scope_fields_errors(model for app in configs for model in app.get_models())


NOTHING = Q(pk__in=[])


def _department_q(spec: ScopeFields, dept_ids) -> Q:
    if spec.department:
        return Q(**{f"{spec.department}__in": dept_ids})
    return NOTHING


def scope_q(model, user) -> Q | None:
    """The filter that limits `model` to what `user` may see; None means no limit."""
    spec: ScopeFields | None = getattr(model, "scope_fields", None)
    if spec is None or user.is_superuser:
        return None
    if user.outlet_id:
        # An outlet's users see their outlet's records and nothing else, whatever their roles.
        return Q(**{spec.outlet: user.outlet_id}) if spec.outlet else NOTHING
    from .registry import registry

    combined = NOTHING
    for role in user.active_roles():
        kind = role.data_scope
        if kind == DataScope.ALL:
            return None
        if kind == DataScope.BRANCH:
            q = Q(**{spec.branch: user.branch_id}) if spec.branch and user.branch_id else NOTHING
        elif kind == DataScope.SELF:
            q = Q(**{spec.owner: user.pk}) if spec.owner else NOTHING
        else:
            if kind == DataScope.CUSTOM:
                dept_ids = list(role.departments.values_list("pk", flat=True))
            elif kind == DataScope.DEPARTMENT:
                dept_ids = [user.department_id] if user.department_id else []
            else:  # DEPARTMENT_TREE
                dept_ids = registry.port("departments_below")(user.department) if user.department_id else []
            if spec.department:
                q = _department_q(spec, dept_ids)
            elif spec.branch and user.branch_id:
                # Models anchored on the branch only (e.g. the branch itself): a department-wide
                # role sees its own branch's rows.
                q = Q(**{spec.branch: user.branch_id})
            else:
                q = NOTHING
            if spec.owner:
                q |= Q(**{spec.owner: user.pk})
        combined |= q
    return combined


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        q = scope_q(self.model, user)
        return self if q is None else self.filter(q).distinct() if _needs_distinct(self.model) else self.filter(q)

    def for_choices(self, user):
        """Rows a user may pick in a form or filter: visible to them, with the joins their
        display text needs (the related model's registry `select_related`), so that a select
        of N options costs one query."""
        from .registry import registry

        config = registry.for_model(self.model)
        qs = self.select_related(*config.select_related) if config and config.select_related else self
        return qs.visible_to(user)

    def restrict(self, user, action="view"):
        """visible_to + the model permission for `action` (view/add/change/delete/export/import)."""
        if user is None or not user.is_authenticated:
            return self.none()
        opts = self.model._meta
        if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return self.none()
        return self.visible_to(user)


def _needs_distinct(model) -> bool:
    spec = getattr(model, "scope_fields", None)
    if not spec:
        return False
    paths = [p for p in (spec.branch, spec.department, spec.owner, spec.outlet) if p]
    for path in paths:
        current = model
        for part in path.split("__"):
            if part == "pk":
                break
            field = current._meta.get_field(part)
            if field.many_to_many or field.one_to_many:
                return True
            if not field.is_relation:
                break
            current = field.related_model
    return False


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
