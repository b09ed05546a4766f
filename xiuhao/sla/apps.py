from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "xiuhao.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the periodic job)
