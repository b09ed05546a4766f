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
def _running_instance_in(branch, outlet):
    """A running instance of a test process with its two tasks (the moves' tests set its status;
    a retry from ERROR then finds the steps waiting and runs again)."""
    from xiuhao.org.tests.factories import UserFactory
    from xiuhao.workflow import services

    from .conftest import TEST_PROCESSES

    services.definitions_sync(directory=TEST_PROCESSES, audited=False)
    return services.process_start(actor=UserFactory(branch=branch), key="wf_test_parallel", branch=branch)


crud_case("workflow.processinstance", make=_instance_in, data=lambda branch: {},
          make_for_moves=_running_instance_in)
