from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xiuhao.core"
    label = "core"
    verbose_name = _("System")

    def ready(self):
        from . import imports, jobs, registry_own_models  # noqa: F401  (registers core's models and jobs)
        from .registry import registry

        registry.autodiscover()

        from django.core import checks

        from .scope import check_scope_fields

        checks.register(check_scope_fields, checks.Tags.models)

        from django.db.models.signals import post_migrate

        from .permissions import ensure_registry_permissions

        post_migrate.connect(ensure_registry_permissions, dispatch_uid="xiuhao-registry-permissions")
