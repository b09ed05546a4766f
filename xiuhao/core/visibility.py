"""Field-level visibility: a field a model's config declares sensitive is shown only to users who
hold the permission named beside it.

    @register
    class PartConfig(ModelConfig):
        sensitive_fields = {"cost": Sensitive("catalog.view_cost_part", _("Can see the cost of spare parts"))}

The permission is an ordinary Django permission: a `Sensitive` one (a permission string with its
label) is created after migrate like the export/import permissions (core.permissions), on the
model its codename ends with, so it appears in the role permission matrix; a plain string names
a permission that exists already (e.g. from a model's Meta.permissions). For a user without it, the field is left out of list
columns and the column chooser, the detail page, forms and API input (a write keeps the stored
value), API output, Excel export, import templates and imports, filters, sorting and search, and
the values of its changes in the operation log read "hidden".

`user=None` means server-internal use (jobs, integrations building their own payloads): nothing is
hidden. Every request-bound caller passes the request's user.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

HIDDEN = _("hidden")


class Sensitive(str):
    """A permission "app_label.<action>_<model>" that shows sensitive fields, with the label the
    role permission matrix shows (an English msgid, translated there)."""

    def __new__(cls, permission, label):
        obj = super().__new__(cls, permission)
        obj.label = label
        return obj

    def __reduce__(self):
        return (Sensitive, (str(self), self.label))

    @property
    def app_label(self):
        return self.split(".", 1)[0]

    @property
    def codename(self):
        return self.split(".", 1)[1]


def declared(model) -> dict:
    """{field name: permission} declared for `model` (its registered config's sensitive_fields)."""
    from .registry import registry

    config = registry.for_model(model)
    return dict(config.sensitive_fields) if config is not None else {}


def hidden_fields(model, user) -> set:
    """Names of `model`'s fields that `user` may not see."""
    if user is None or model is None:
        return set()
    return {name for name, perm in declared(model).items() if not user.has_perm(perm)}


def path_hidden(model, path, user) -> bool:
    """Whether the field path ("cost", "contract__amount") reads a field hidden from `user`, on
    the model itself or on a related model it passes through."""
    if user is None:
        return False
    current = model
    for part in path.split("__"):
        if part in hidden_fields(current, user):
            return True
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not (field.is_relation and field.related_model is not None):
            return False
        current = field.related_model
    return False


def visible(model, paths, user) -> list:
    """`paths` without those hidden from `user` (order kept)."""
    return [p for p in paths if not path_hidden(model, p, user)]


def may_see(user, model, name) -> bool:
    return name not in hidden_fields(model, user)


def visible_changes(model, changes, user, placeholder=None):
    """An audit event's `changes` as `user` may read them: a hidden field's old and new values
    become `placeholder` (the field is still listed as changed), or the field is left out when
    `placeholder` is None (API and export)."""
    hidden = hidden_fields(model, user)
    if not hidden or not isinstance(changes, dict):
        return changes
    if placeholder is None:
        return {k: v for k, v in changes.items() if k not in hidden}
    return {k: ([placeholder, placeholder] if k in hidden else v) for k, v in changes.items()}


def event_changes(event, user, placeholder=None):
    """`visible_changes` of an AuditEvent, for the model it was recorded on."""
    model = event.content_type.model_class() if event.content_type_id else None
    return visible_changes(model, event.changes, user, placeholder)
