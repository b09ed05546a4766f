from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "xiuhao.assets"
    label = "assets"
    verbose_name = _("Installed base")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the warranty-alert job)
