from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "xiuhao.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self):
        from xiuhao.tasks import hooks

        from . import jobs  # noqa: F401  (registers the periodic job)
        from .selectors import task_marks

        # The clocks timing a task or its record show beside it (my tasks, the task page, the phone).
        hooks.add_marks(hooks.TaskMarks(name="sla", label=_("SLA"), collect=task_marks))
