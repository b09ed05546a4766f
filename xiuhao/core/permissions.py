"""Every registered model gets `export_<model>` and `import_<model>` permissions next to Django's
add/change/delete/view, so that export and import are granted per role like any operation; the
permissions that show sensitive fields (core.visibility.Sensitive) are created the same way."""

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

EXTRA_ACTIONS = {"export": "Can export %s", "import": "Can import %s"}


def ensure_registry_permissions(**kwargs):
    from .registry import registry

    for config in registry:
        ct = ContentType.objects.get_for_model(config.model, for_concrete_model=False)
        for action, label in EXTRA_ACTIONS.items():
            if action == "import" and not config.importable:
                continue
            Permission.objects.get_or_create(
                content_type=ct,
                codename=f"{action}_{config.model_name}",
                defaults={"name": (label % config.model._meta.verbose_name_raw)[:255]},
            )
    ensure_sensitive_permissions(registry)


def ensure_sensitive_permissions(registry):
    """Each declared `Sensitive` permission on the model its codename ends with ("view_cost_part":
    the part), else on the declaring config's model."""
    from .visibility import Sensitive

    for config in registry:
        for perm in set(config.sensitive_fields.values()):
            if not isinstance(perm, Sensitive):
                continue
            try:
                model = apps.get_model(perm.app_label, perm.codename.rsplit("_", 1)[1])
            except LookupError:
                model = config.model
            ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
            with translation.override("en"):  # stored as the msgid; the matrix translates it
                name = str(perm.label)[:255]
            Permission.objects.get_or_create(content_type=ct, codename=perm.codename, defaults={"name": name})


# -- permissions as people read them -----------------------------------------------------------------
# A permission reads as its module (the app), its record type (the model's name) and its operation:
# 查看 / 新增 / 修改 / 删除 / 导出 / 导入, or its own translated name ("Can see contract amounts").
ACTIONS = ("view", "add", "change", "delete", "export", "import")


def action_labels():
    from django.utils.translation import gettext_lazy as _

    return {"view": _("View"), "add": _("Add"), "change": _("Change"), "delete": _("Delete"),
            "export": _("Export"), "import": _("Import")}


def describe(perm):
    """(module, record type, operation, order) of a Permission, in the active language."""
    from django.utils.text import capfirst
    from django.utils.translation import gettext

    ct = perm.content_type
    model = ct.model_class()
    try:
        module = apps.get_app_config(ct.app_label).verbose_name
    except LookupError:
        module = ct.app_label
    record_type = capfirst(model._meta.verbose_name_plural) if model is not None else ct.model
    action = perm.codename.split("_", 1)[0]
    if action in ACTIONS and perm.codename == f"{action}_{ct.model}":
        return str(module), str(record_type), str(action_labels()[action]), ACTIONS.index(action)
    return str(module), str(record_type), gettext(perm.name), len(ACTIONS)  # names are stored as msgids


def permission_label(perm):
    module, record_type, operation, _order = describe(perm)
    return f"{module} › {record_type} › {operation}"


def grouped(perms):
    """Permissions grouped for reading: [{"module", "types": [{"label", "operations": [...]}]}],
    modules and record types in the order of their names, operations view → import → others."""
    modules = {}
    for perm in perms:
        module, record_type, operation, order = describe(perm)
        modules.setdefault(module, {}).setdefault(record_type, []).append((order, operation))
    return [{"module": module, "types": [{"label": label, "operations": [op for _o, op in sorted(ops)]}
                                         for label, ops in sorted(types.items())]}
            for module, types in sorted(modules.items())]


def stored_permission_labels(texts):
    """Permissions as an audit snapshot keeps them ("customers.view_customer"; older events: the
    text "客户管理 | 客户 | Can view customer" in the language of the day) → their labels."""
    from django.db.models import Q

    texts = [str(t) for t in texts]
    keys = [t.partition(".") for t in texts if "." in t and " " not in t]
    found = {}
    if keys:
        cond = Q(pk__in=[])
        for app_label, _dot, codename in keys:
            cond |= Q(content_type__app_label=app_label, codename=codename)
        found = {f"{p.content_type.app_label}.{p.codename}": p
                 for p in Permission.objects.filter(cond).select_related("content_type")}
    if any(t not in found for t in texts):
        found.update(_permissions_by_text())
    return [permission_label(found[t]) if t in found else t for t in texts]


def _permissions_by_text():
    from django.conf import settings

    mapping = {}
    perms = list(Permission.objects.select_related("content_type"))
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            mapping.update({str(p): p for p in perms})
    return mapping
