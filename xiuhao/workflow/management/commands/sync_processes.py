from django.core.management.base import BaseCommand

from xiuhao.workflow.services import definitions_sync


class Command(BaseCommand):
    help = "Load the .bpmn files of xiuhao/workflow/processes/ (a changed file becomes a new current version)."

    def handle(self, *args, **options):
        added = definitions_sync()
        for definition in added:
            self.stdout.write(f"{definition.key} v{definition.version} ({definition.source})")
        self.stdout.write(f"{len(added)} new process version(s).")
