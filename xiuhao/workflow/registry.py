"""Pages, API and menu of the processes: definitions (versions, diagram, upload) and instances
(the 服务全流程可视化 viewer; cancel and retry are declared moves)."""

from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from xiuhao.core import audit
from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry

from . import views
from .labels import localized
from .models import ProcessDefinition, ProcessInstance

registry.section("workflow", _("Processes"), "git-branch", 60)

# What the operation log and history tabs call this app's audit verbs (the instance's log too).
audit.verb_labels({**views.VERBS, "process_version": _("New process version")})


@register
class ProcessDefinitionConfig(ModelConfig):
    model = ProcessDefinition
    menu = "workflow"
    menu_order = 10
    icon = "file-code"
    list_fields = ["key", "name", "version", "is_current", "source", "uploaded_by", "created_at"]
    search_fields = ["key", "name"]
    filter_fields = ["is_current"]
    form_fields = []  # versions come from files: shipped ones and uploads (the upload page)
    detail_fields = ["key", "name", "version", "is_current", "checksum", "source", "uploaded_by", "note", "created_at"]
    select_related = ["uploaded_by"]
    deletable = False
    detail_template = "workflow/detail.html"
    value_labels = {"name": localized}  # the shipped processes' names are msgids
    tabs = [
        Tab("diagram", _("Diagram"), "workflow/tabs/definition_diagram.html", views.definition_diagram_tab),
        Tab("versions", _("Versions"), "workflow/tabs/versions.html", views.versions_tab),
    ]
    actions = [Action("upload-version", _("Upload new version"), views.upload_version,
                      permission="workflow.add_processdefinition")]

    @cached_property
    def table(self):
        from xiuhao.core.tables import build_table

        class DefinitionTable(build_table(self)):
            def render_name(self, value):
                return localized(value)  # the shipped processes' names are msgids

        return DefinitionTable

    def list_links(self):
        return [(_("Upload a process"), reverse("workflow_processdefinition_upload"), "upload")]

    def extra_urls(self):
        return [path("workflow/processdefinition/upload/", views.upload, name="workflow_processdefinition_upload")]


@register
class ProcessInstanceConfig(ModelConfig):
    model = ProcessInstance
    menu = "workflow"
    menu_order = 20
    icon = "route"
    list_fields = ["title", "definition", "status", "started_at", "ended_at", "created_by", "branch"]
    search_fields = ["title"]
    filter_fields = ["status", "definition", "branch"]
    form_fields = []  # started by the modules' services (and the start endpoint)
    detail_fields = ["title", "definition", "status", "started_at", "ended_at", "error", "next_timer_at",
                     "content_type", "object_id", "created_by", "branch", "department"]
    select_related = ["definition", "created_by", "branch"]
    deletable = False
    detail_template = "workflow/detail.html"
    tabs = [Tab("diagram", _("Process diagram"), "workflow/tabs/instance_diagram.html", views.instance_diagram_tab)]
    # Cancel and retry are declared moves (models.ProcessInstance.moves): button, page and endpoint.


# The task's detail page gets the process it belongs to: its steps so far and a link to the viewer.
registry.add_tab("tasks.task", Tab("process", _("Process"), "workflow/tabs/task_process.html", views.task_process_tab,
                                   permission="workflow.view_processinstance"))
