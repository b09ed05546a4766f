from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_shipped_processes(sender, using="default", **kwargs):
    """After migrate (and after a test flush) the .bpmn files shipped in processes/ are in the
    database: a changed file becomes a new current version."""
    from .services import definitions_sync

    definitions_sync(audited=False)


class WorkflowConfig(AppConfig):
    name = "xiuhao.workflow"
    label = "workflow"
    verbose_name = _("Processes")

    def ready(self):
        from xiuhao.tasks import hooks

        from . import jobs  # noqa: F401  (registers the timer job)
        from .services import task_completed

        # A completed task of a process moves its process on, in the completion's transaction.
        hooks.on_task_completed(task_completed)

        post_migrate.connect(_sync_shipped_processes, sender=self, dispatch_uid="workflow_sync_processes")
