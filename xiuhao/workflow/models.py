"""Process definitions (BPMN 2.0 files, versioned) and the running instances of them.

A definition is identified by its `key` (the BPMN process id, e.g. "announcement_approval"); every
upload of a new file makes a new `version`, and exactly one version per key is current — new
instances start on it, running instances keep the version they started on. An instance keeps the
whole SpiffWorkflow state as JSON (`state`), written in the same transaction as the Task rows its
ready user tasks become."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiuhao.core import constraints
from xiuhao.core.models import OwnedModel, TimeStampedModel
from xiuhao.core.moves import REASON_REQUIRED, Move, ReasonForm, Refusal, StateMachine
from xiuhao.core.scope import ScopedManager, ScopeFields


class ProcessDefinition(TimeStampedModel):
    key = models.CharField(_("process key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("current version"), default=False)
    bpmn_xml = models.TextField(_("BPMN 2.0 XML"))
    checksum = models.CharField(_("checksum"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=255, blank=True,
                              help_text=_("The file shipped in the repository, or empty for an upload."))
    note = models.CharField(_("note"), max_length=255, blank=True)

    # Reference data shared by the company: no data scope (the scoped manager gives `restrict`).
    objects = ScopedManager()

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["key", "-version"]
        constraints = [
            constraints.UniqueConstraint(fields=["key", "version"], name="process_definition_key_version",
            field="version", message=_("This version of the process already exists.")),
            # One current version per key, settled by the database when two uploads race.
            constraints.UniqueConstraint(fields=["key"], condition=Q(is_current=True), name="process_definition_one_current",
            field="is_current", message=_("Another version of this process is already current.")),
        ]
        permissions = [("export_processdefinition", _("Can export process definitions"))]

    def __str__(self):
        from .labels import localized  # the names of the shipped processes are msgids

        return f"{localized(self.name)} v{self.version}"


class ProcessInstance(OwnedModel):
    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("process instance", "Running")  # has ready or waiting steps → COMPLETED, CANCELLED, ERROR
        COMPLETED = "completed", _("Completed")  # reached an end event; final
        CANCELLED = "cancelled", _("Cancelled")  # stopped by a person, with a reason; final
        ERROR = "error", _("Error")  # a service task failed; an administrator may retry → RUNNING

    # Refusals a client may act on (stable codes; messages in the user's language).
    class Refusals:
        NOT_RUNNING = Refusal("process_not_running",
                              _("The process of this task is not running (status: %(status)s)."))
        STEP_NOT_WAITING = Refusal("process_step_not_waiting",
                                   _("This step of the process is no longer waiting for you."))
        STATE_UNREADABLE = Refusal("process_state_unreadable", _("%(error)s It can only be cancelled."))

    # The moves a person makes (services.py). The engine itself moves a running instance on to
    # COMPLETED or ERROR in the same UPDATE that stores its state (services._write); a retry ends in
    # RUNNING, or in ERROR again when the step still fails.
    moves = StateMachine(
        Move("cancel", _("Cancel process"), sources=[Status.RUNNING, Status.ERROR], target=Status.CANCELLED,
             form=ReasonForm, danger=True, verb="process_cancel", refusals=[REASON_REQUIRED],
             intro=_("The process stops and its open tasks are withdrawn.")),
        Move("retry", _("Retry"), sources=[Status.ERROR], target=Status.RUNNING, verb="process_retry",
             refusals=[Refusals.STATE_UNREADABLE],
             intro=lambda instance: instance.error or _("Only a process in error can be retried.")),
        Move("complete", _("Completed"), sources=[Status.RUNNING], target=Status.COMPLETED, system=True),
        Move("fail", _("Error"), sources=[Status.RUNNING], target=Status.ERROR, system=True),
        subject="instance",
    )

    definition = models.ForeignKey(ProcessDefinition, verbose_name=_("process"), on_delete=models.PROTECT,
                                   related_name="instances")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # What the process is about (a service request, an announcement, ...).
    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("record ID"), max_length=64, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    state = models.JSONField(_("engine state"), default=dict, editable=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Earliest timer of the instance, so the timer job reads only the instances that are due.
    next_timer_at = models.DateTimeField(_("next timer"), null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department="department", owner="created_by")

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="process_instance_subject"),
            models.Index(fields=["status", "next_timer_at"], name="process_instance_timers"),
        ]
        permissions = [("export_processinstance", _("Can export process instances"))]

    def __str__(self):
        return self.title or f"{self.definition.name} #{self.pk}"
