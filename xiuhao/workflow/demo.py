"""What the demo roles (org.demo.ROLES) may do with processes; the processes themselves are
synchronised from the .bpmn files by migrate, so the workflow has no demo loading step."""

from xiuhao.core.registry import registry

registry.demo_roles({
    "agent": {"workflow.processinstance": "view"},
    "dispatcher": {"workflow.processdefinition": "view", "workflow.processinstance": "view,export"},
})
