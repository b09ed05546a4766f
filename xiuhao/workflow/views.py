"""Pages of the processes beyond the registry's: upload a definition, the diagram tabs (bpmn-js
viewer with done/current steps and the history). Cancel and retry are declared moves
(models.ProcessInstance.moves) with the registry's pages."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core import audit
from xiuhao.core.errors import ServiceError
from xiuhao.core.registry import registry
from xiuhao.core.views import apply_service_error

from . import services
from .labels import localized_xml
from .models import ProcessDefinition, ProcessInstance


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("BPMN 2.0 file (.bpmn)"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".bpmn,.xml"}))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


def _page(request, *, title, form, intro, cancel_url, breadcrumbs, multipart=False):
    context = {"form": form, "title": title, "intro": intro, "cancel_url": cancel_url, "breadcrumbs": breadcrumbs,
               "multipart": multipart}
    return TemplateResponse(request, "workflow/form.html", context, status=400 if form.errors else 200)


def _upload_page(request, definition=None):
    if not request.user.has_perm("workflow.add_processdefinition"):
        raise DjangoPermissionDenied
    config = registry.for_model(ProcessDefinition)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = services.definition_upload(actor=request.user, data=upload.read(),
                                                 note=form.cleaned_data["note"], filename=upload.name)
        except ServiceError as exc:
            apply_service_error(request, exc, form)
        else:
            if definition is not None and created.key != definition.key:
                messages.warning(request, _("The file holds the process “%(key)s”; it was saved as that process.")
                                 % {"key": created.key})
            messages.success(request, _("Version %(version)s of “%(name)s” is now current.")
                             % {"version": created.version, "name": created.name})
            return redirect(config.url("detail", created))
    title = _("Upload new version") if definition else _("Upload a process")
    intro = _("The process id inside the file decides which process gets the new version. Running instances "
              "keep the version they started with.")
    crumbs = [(config.title, config.url("list"))]
    if definition is not None:
        crumbs.append((str(definition), config.url("detail", definition)))
    return _page(request, title=title, form=form, intro=intro, multipart=True,
                 cancel_url=config.url("detail", definition) if definition else config.url("list"),
                 breadcrumbs=[*crumbs, (title, None)])


@login_required
def upload(request):
    return _upload_page(request)


def upload_version(request, config, definition):
    return _upload_page(request, definition)


# -- tabs ------------------------------------------------------------------------------------------------
def definition_diagram_tab(definition, request):
    return {"diagram": {"xml": localized_xml(definition.bpmn_xml), "states": {}}}


def versions_tab(definition, request):
    versions = (ProcessDefinition.objects.filter(key=definition.key).select_related("uploaded_by")
                .order_by("-version"))
    return {"versions": versions}


def history(instance):
    """Who did what when: the tasks' moves and the instance's own log (start, steps, errors)."""
    from xiuhao.tasks.models import TaskEvent

    rows = []
    events = (TaskEvent.objects.filter(task__process_instance=instance)
              .select_related("task", "actor", "from_user", "to_user").order_by("at", "pk"))
    for event in events:
        rows.append({"at": event.at, "who": event.actor or _("System"), "step": event.task.title,
                     "what": event.get_action_display(), "note": event.reason,
                     "to": event.to_user or ""})
    for event in audit.history_for(instance):
        if not event.verb.startswith("process_"):
            continue
        at = instance.started_at if event.verb == "process_start" else event.at  # before its first task
        rows.append({"at": at, "who": event.actor_name or _("System"), "step": "",
                     "what": VERBS.get(event.verb, event.verb), "note": event.message, "to": ""})
    rows.sort(key=lambda r: r["at"])
    return rows


VERBS = {"process_start": gettext_lazy("Process started"), "process_step": gettext_lazy("Process moved on"),
         "process_timer": gettext_lazy("Timer fired"), "process_error": gettext_lazy("Step failed"),
         "process_retry": gettext_lazy("Retried"), "process_cancel": gettext_lazy("Process cancelled")}


def subject_link(instance, user):
    """(text, url) of the record the process is about, when the user may open its page."""
    subject = instance.subject if instance.content_type_id else None
    if subject is None:
        return None
    config = registry.for_model(type(subject))
    url = ""
    if config is not None and config.pages and config.queryset(user).filter(pk=subject.pk).exists():
        url = config.url("detail", subject)
    return {"text": str(subject), "kind": subject._meta.verbose_name, "url": url}


def instance_diagram_tab(instance, request):
    view = services.instance_view(instance)
    return {"diagram": {"xml": view["xml"], "states": view["states"]}, "variables": view["variables"],
            "history": history(instance), "subject": subject_link(instance, request.user)}


def task_process_tab(task, request):
    """The process of a Task (a tab on the task's page): a link to the viewer and the history."""
    instance = None
    if task.process_instance_id:
        instance = ProcessInstance.objects.visible_to(request.user).filter(pk=task.process_instance_id).first()
    return {"instance": instance, "history": history(instance) if instance else []}
