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
