"""CRUD/data-scope cases of the process models (core/tests harness). Both are read-only in the
registry: definitions come from files, instances from the modules' services."""

from xiuhao.core.testing import crud_case
from xiuhao.workflow.models import ProcessDefinition, ProcessInstance


def _current_announcement_process():
    return ProcessDefinition.objects.get(key="announcement_approval", is_current=True)


def _instance_in(branch, outlet):
    """An instance of the announcement process in `branch` (instances have no outlet anchor)."""
    return ProcessInstance.objects.create(definition=_current_announcement_process(), branch=branch,
                                          title=f"审批公告 {branch.code}")


crud_case("workflow.processdefinition", make=lambda branch, outlet: _current_announcement_process(),
          data=lambda branch: {}, global_data=True)
crud_case("workflow.processinstance", make=_instance_in, data=lambda branch: {})
