from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "xiuhao.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the periodic jobs)
