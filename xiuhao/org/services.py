"""Writes of the organisation: departments keep their tree path, users get passwords through the
policy, nobody grants a role more than they hold themselves."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core import audit
from xiuhao.core.errors import PermissionDenied, ServiceError, ValidationFailed
from xiuhao.core.services import object_create, object_update, require_perm, require_visible

from .models import Department, Role, Status, User


# -- departments -----------------------------------------------------------------------------
def _path_for(dept):
    return f"{dept.parent.path}{dept.pk}/" if dept.parent_id else f"/{dept.pk}/"


def department_create(*, actor, data):
    with transaction.atomic():
        dept = object_create(actor=actor, model=Department, data=data)
        dept.path = _path_for(dept)
        dept.save(update_fields=["path"])
    return dept


def department_update(*, actor, obj, data):
    with transaction.atomic():
        old_path = Department.objects.get(pk=obj.pk).path
        dept = object_update(actor=actor, obj=obj, data=data)
        new_path = _path_for(dept)
        if new_path != old_path:
            # Move the whole sub-tree: replace the old prefix of every descendant's path.
            Department.objects.filter(path__startswith=old_path).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
            )
            Department.objects.filter(path__startswith=new_path).exclude(branch_id=dept.branch_id).update(
                branch_id=dept.branch_id
            )
    dept.refresh_from_db()
    return dept


# -- roles and permissions -------------------------------------------------------------------------
def _require_no_escalation(actor, permissions=None, roles=None):
    """A user may only hand out permissions they hold themselves."""
    if actor.is_superuser:
        return
    held = actor.get_all_permissions()
    wanted = set()
    for p in permissions or []:
        wanted.add(f"{p.content_type.app_label}.{p.codename}")
    for role in roles or []:
        wanted |= {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.select_related("content_type")}
    missing = wanted - held
    if missing:
        raise PermissionDenied(_("You cannot grant permissions you do not have yourself: %(perms)s")
                               % {"perms": "、".join(sorted(missing)[:5])}, code="grant_beyond_own")


# -- nobody locks the organisation out ----------------------------------------------------------------
ADMINISTER = ("change_role", "change_user")  # who holds both (or is a superuser) can repair any mistake


class LastAdministrator(ServiceError):
    code = "last_administrator"
    status = 409
    default_message = gettext_lazy(
        "This change would leave no active user who can manage roles and users. Give another active "
        "user that right first.")


def administrators():
    """Active users who can manage roles and users: superusers, or holders of org.change_role and
    org.change_user through active roles."""
    from django.db.models import Exists, OuterRef, Q

    def holds(codename):
        return Exists(User.roles.through.objects.filter(
            user_id=OuterRef("pk"), role__status=Status.ACTIVE, role__permissions__content_type__app_label="org",
            role__permissions__codename=codename))

    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | (holds(ADMINISTER[0]) & holds(ADMINISTER[1])))


def _guarding_administrators(write):
    """Run `write()` so that at least one administrator remains: the administrators' rows are
    locked first (two changes at once queue, and the second sees the first), the write is made,
    then checked; a change that leaves none is rolled back and refused."""
    with transaction.atomic():
        had = list(administrators().select_for_update().values_list("pk", flat=True))
        result = write()
        if had and not administrators().exists():
            raise LastAdministrator()
    return result


def role_create(*, actor, data):
    _require_no_escalation(actor, permissions=data.get("permissions"))
    return object_create(actor=actor, model=Role, data=data)


def role_update(*, actor, obj, data):
    _require_no_escalation(actor, permissions=data.get("permissions"))
    return _guarding_administrators(lambda: object_update(actor=actor, obj=obj, data=data))


def role_delete(*, actor, obj):
    from xiuhao.core.services import object_delete

    return _guarding_administrators(lambda: object_delete(actor=actor, obj=obj))


# -- users -------------------------------------------------------------------------------------------
def _validate_password(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(fields={"password": list(exc.messages)}) from exc


def user_create(*, actor, data, password, model=User):
    data = dict(data)
    _require_no_escalation(actor, roles=data.get("roles"))
    if not password:
        raise ValidationFailed(fields={"password": [_("Please enter a password.")]})
    probe = model(**{k: v for k, v in data.items() if not model._meta.get_field(k).many_to_many})
    _validate_password(password, probe)

    def set_password(user):
        user.set_password(password)
        user.password_changed_at = timezone.now()

    return object_create(actor=actor, model=model, data=data, before_save=set_password)


def user_update(*, actor, obj, data):
    if "roles" in data:
        _require_no_escalation(actor, roles=data.get("roles"))
    return _guarding_administrators(lambda: object_update(actor=actor, obj=obj, data=data))


def user_set_password(*, actor, user, password, old_password=None):
    """Change a password: one's own (with the old password) or another's (with the permission)."""
    with transaction.atomic():
        if actor.pk == user.pk:
            if old_password is None or not user.check_password(old_password):
                raise ValidationFailed(fields={"old_password": [_("The current password is not correct.")]})
        else:
            require_perm(actor, User, "reset_password")
            require_visible(actor, user)
        _validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        # Old API tokens die with the old password (other sessions end by Django's session hash).
        _delete_tokens(user)
        audit.record(actor=actor, action="action", obj=user, verb="password_change",
                     message=_("Password changed"))
    return user


def _delete_tokens(user):
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).delete()[0]


def user_sign_out_everywhere(*, actor, user):
    """End every session and API token of `user`: oneself, or another with the reset-password
    permission within one's data scope. Returns how many sessions and tokens ended."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    with transaction.atomic():
        if actor.pk != user.pk:
            require_perm(actor, User, "reset_password")
            require_visible(actor, user)
        ended = []
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
                ended.append(session.session_key)
        Session.objects.filter(session_key__in=ended).delete()
        tokens = _delete_tokens(user)
        audit.record(actor=actor, action="action", obj=user, verb="sign_out_everywhere",
                     message=_("Signed out everywhere (%(sessions)s sessions, %(tokens)s API tokens)")
                     % {"sessions": len(ended), "tokens": tokens})
    return {"sessions": len(ended), "tokens": tokens}
