"""Every registered model gets `export_<model>` and `import_<model>` permissions next to Django's
add/change/delete/view, so that export and import are granted per role like any operation."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

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
