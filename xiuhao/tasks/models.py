"""The Task Centre 任务中心: everything a person must do is a Task; every move of a task is a
TaskEvent; in-app messages and announcements; the engineers' live state for the status board.

A task is either offered to a pool (candidate role / department / region / skill; status POOL)
where one eligible user claims it 抢任务, or assigned to one user (OPEN) who completes, transfers
转派 or returns 退回 it. Moves are conditional UPDATEs on (status, assignee) so that two people
acting at once cannot both win (services.py)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiuhao.core import constraints
from xiuhao.core.errors import PermissionDenied
from xiuhao.core.models import OwnedModel
from xiuhao.core.moves import REASON_REQUIRED, Move, OptionalReasonForm, Refusal, StateMachine
from xiuhao.core.scope import ScopedManager, ScopeFields


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


def _wrong_status(task, move):
    """A move the task's status does not allow, told the way the person acting understands it."""
    R, Status = Task.Refusals, Task.Status
    if move.name == "urge" and task.status == Status.POOL:
        return R.NOT_IN_PROGRESS()
    if task.status == Status.DONE:
        return R.ALREADY_DONE()
    if task.status == Status.CANCELLED:
        return R.CANCELLED()
    if task.status == Status.OPEN and task.assignee_id:
        return R.ALREADY_CLAIMED(name=task.assignee)
    return R.NOT_CLAIMED()


class Task(OwnedModel):
    class Status(models.TextChoices):
        POOL = "pool", _("Waiting to be claimed")  # offered to candidates → OPEN (claim/assign), CANCELLED
        OPEN = "open", _("To do")  # one assignee must act → DONE, POOL (returned to the pool), CANCELLED
        DONE = "done", _("Completed")  # final
        CANCELLED = "cancelled", _("Cancelled")  # withdrawn (process cancelled, record closed); final

    ACTIVE = (Status.POOL, Status.OPEN)

    # Refusals a client may act on (stable codes; messages in the user's language, naming people).
    class Refusals:
        ALREADY_CLAIMED = Refusal("task_already_claimed", _("This task has already been claimed by %(name)s."))
        ALREADY_DONE = Refusal("task_already_done", _("This task has already been completed."))
        CANCELLED = Refusal("task_cancelled", _("This task has been cancelled."))
        NOT_CLAIMED = Refusal("task_not_claimed", _("This task is waiting in the pool; claim it first."))
        NOT_YOURS = Refusal("task_not_yours", _("This task is assigned to %(name)s, not to you."),
                            error=PermissionDenied)
        NOT_OFFERED = Refusal("task_not_offered", _("This task is not offered to you."), error=PermissionDenied)
        NOT_IN_PROGRESS = Refusal("task_not_in_progress", _("Only a task someone is working on can be urged."))
        OWN_TASK = Refusal("task_is_yours", _("This is your own task."))
        URGED_RECENTLY = Refusal("task_urged_recently",
                                 _("This task was urged a few minutes ago; please wait before urging again."))
        NOBODY_TO_RETURN_TO = Refusal("task_nobody_to_return_to",
                                      _("There is nobody to return this task to; transfer it instead."))
        CLOSED = Refusal("task_closed", _("A completed or cancelled task cannot be changed."))

    # The moves (services.py implements them and their guards: who may make each — the assignee,
    # a pool candidate, the creator, a manager — is the guard's, not a model permission's). The
    # Task Centre's own pages and API offer them (views.py, api.py); a status that does not allow a
    # move is answered with the task's own codes (`_wrong_status`).
    moves = StateMachine(
        Move("claim", _("Claim"), sources=[Status.POOL], target=Status.OPEN, permission=None,
             refusals=[Refusals.ALREADY_CLAIMED, Refusals.NOT_OFFERED]),
        Move("complete", _("Complete"), sources=[Status.OPEN], target=Status.DONE, permission=None,
             refusals=[Refusals.ALREADY_DONE, Refusals.CANCELLED, Refusals.NOT_CLAIMED, Refusals.NOT_YOURS]),
        Move("transfer", _("Transfer"), sources=[Status.OPEN], target=Status.OPEN, permission=None,
             refusals=[REASON_REQUIRED, Refusals.ALREADY_DONE, Refusals.CANCELLED, Refusals.NOT_CLAIMED,
                       Refusals.NOT_YOURS]),
        # back to the pool when it was offered to candidates, else to the previous assignee (OPEN)
        Move("return", _("Return"), sources=[Status.OPEN], target=Status.POOL, permission=None,
             refusals=[REASON_REQUIRED, Refusals.ALREADY_DONE, Refusals.CANCELLED, Refusals.NOT_CLAIMED,
                       Refusals.NOT_YOURS, Refusals.NOBODY_TO_RETURN_TO]),
        Move("urge", _("Urge"), sources=[Status.OPEN], permission=None,
             refusals=[Refusals.NOT_IN_PROGRESS, Refusals.OWN_TASK, Refusals.URGED_RECENTLY,
                       Refusals.ALREADY_DONE, Refusals.CANCELLED]),
        Move("reassign", _("Reassign"), sources=[Status.POOL, Status.OPEN], target=Status.OPEN,
             permission="tasks.reassign_task",
             refusals=[REASON_REQUIRED, Refusals.ALREADY_DONE, Refusals.CANCELLED]),
        Move("cancel", _("Cancel task"), sources=[Status.POOL, Status.OPEN], target=Status.CANCELLED,
             permission=None, danger=True, refusals=[Refusals.ALREADY_DONE, Refusals.CANCELLED]),
        wrong_status=lambda task, move: _wrong_status(task, move),
    )

    kind = models.CharField(_("task type"), max_length=60, db_index=True)  # a code of tasks.types
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tasks")
    # The pool: who may claim the task while it is POOL (all given conditions must hold).
    candidate_role = models.ForeignKey("org.Role", verbose_name=_("candidate role"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    candidate_department = models.ForeignKey("org.Department", verbose_name=_("candidate department"), null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="+")
    candidate_region = models.ForeignKey("org.Region", verbose_name=_("candidate region"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    candidate_skill = models.ForeignKey("org.Skill", verbose_name=_("required skill"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey("org.Outlet", verbose_name=_("outlet"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    # What the task is about.
    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("record ID"), max_length=64, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    subject_repr = models.CharField(_("record"), max_length=200, blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    # The BPMN user task this row stands for (empty for a task made directly by a module).
    process_instance = models.ForeignKey("workflow.ProcessInstance", verbose_name=_("process"), null=True,
                                         blank=True, on_delete=models.CASCADE, related_name="tasks")
    bpmn_task_id = models.CharField(_("engine task ID"), max_length=64, blank=True, editable=False)
    step = models.CharField(_("step"), max_length=100, blank=True)  # the BPMN task spec name
    data = models.JSONField(_("form data"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)  # e.g. approve / reject
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    previous_assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("previous assignee"),
                                          null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("completed by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    urge_count = models.PositiveIntegerField(_("urged"), default=0)
    last_urged_at = models.DateTimeField(_("last urged at"), null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department="department", owner="assignee", outlet="outlet")

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # My tasks: open tasks of one assignee, per type.
            models.Index(fields=["assignee", "status", "kind"], name="task_assignee_status_kind"),
            # The grab pool and the task query.
            models.Index(fields=["status", "branch", "created_at"], name="task_status_branch_created"),
            models.Index(fields=["content_type", "object_id"], name="task_subject"),
        ]
        constraints = [
            # One row per ready BPMN user task, even if two engine steps sync at once.
            constraints.UniqueConstraint(fields=["process_instance", "bpmn_task_id"],
                                    condition=~Q(bpmn_task_id=""), name="task_one_row_per_bpmn_task",
            message=_("This process step already has a task.")),
            constraints.CheckConstraint(condition=~Q(status="open") | Q(assignee__isnull=False),
                                   name="task_open_has_assignee",
            field="assignee", message=_("An open task must have an assignee.")),
        ]
        permissions = [
            ("export_task", _("Can export tasks")),
            ("reassign_task", _("Can reassign tasks of others")),
            ("view_task_board", _("Can view the task boards")),
        ]

    def __str__(self):
        return self.title

    @property
    def is_active(self):
        return self.status in self.ACTIVE


class TaskEvent(models.Model):
    """One move of a task: who, when, what, from whom to whom, why (the task's history)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        OFFERED = "offered", _("Offered to the pool")
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned")
        TRANSFERRED = "transferred", _("Transferred")
        RETURNED = "returned", _("Returned")
        URGED = "urged", _("Urged")
        REASSIGNED = "reassigned", _("Reassigned")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("operator"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # Own msgids: the bare "from"/"to" are other apps' words (an SLA's start/end 开始/结束).
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("previous assignee"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("new assignee"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("task")

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["task", "at"], name="taskevent_task_at")]

    def __str__(self):
        return f"{self.task} {self.get_action_display()}"


class Announcement(OwnedModel):
    class Audience(models.TextChoices):
        ALL = "all", _("Everyone")
        BRANCH = "branch", _("A branch")
        DEPARTMENT = "department", _("A department and below")
        ROLE = "role", _("A role")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being written → PENDING
        PENDING = "pending", _("Waiting for approval")  # an approval task is open → PUBLISHED, REJECTED
        PUBLISHED = "published", _("Published")  # sent to its audience as messages → WITHDRAWN
        REJECTED = "rejected", _("Rejected")  # sent back with a reason → PENDING (resubmitted)
        WITHDRAWN = "withdrawn", _("Withdrawn")  # taken down; final

    class Refusals:
        EMPTY = Refusal("announcement_empty", _("Write the title and the content first."), field="body")
        LOCKED = Refusal("announcement_locked",
                         _("Only a draft or rejected announcement may be changed or deleted."))
        REJECT_REASON = Refusal("announcement_reject_reason_required",
                                _("Please give the reason for rejecting the announcement."), field="reason")

    # submit and withdraw are the author's (buttons, API); publish and reject are made by the
    # approval process's steps. Publishing again (a retried step) only sends what is missing.
    moves = StateMachine(
        Move("submit", _("Submit for approval"), sources=[Status.DRAFT, Status.REJECTED], target=Status.PENDING,
             intro=_("An approver gets a task in My tasks; once approved, the announcement is sent to its audience."),
             refusals=[Refusals.EMPTY]),
        Move("withdraw", _("Withdraw"), sources=[Status.PUBLISHED], target=Status.WITHDRAWN, form=OptionalReasonForm,
             danger=True, intro=_("The announcement leaves the board and every inbox. This cannot be undone.")),
        Move("publish", _("Publish"), sources=[Status.PENDING, Status.PUBLISHED], target=Status.PUBLISHED,
             permission="tasks.approve_announcement", system=True),
        Move("reject", _("Reject"), sources=[Status.PENDING], target=Status.REJECTED,
             permission="tasks.approve_announcement", system=True, refusals=[Refusals.REJECT_REASON]),
    )

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL)
    audience_branch = models.ForeignKey("org.Branch", verbose_name=_("audience branch"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    audience_department = models.ForeignKey("org.Department", verbose_name=_("audience department"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="+")
    audience_role = models.ForeignKey("org.Role", verbose_name=_("audience role"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    process_instance = models.ForeignKey("workflow.ProcessInstance", verbose_name=_("approval process"),
                                         null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    rejected_reason = models.CharField(_("reason rejected"), max_length=255, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department="department", owner="created_by")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-pk"]
        permissions = [("export_announcement", _("Can export announcements")),
                       ("approve_announcement", _("Can approve announcements"))]

    def __str__(self):
        return self.title


class Message(models.Model):
    """One in-app message to one user (a notice, or an announcement fanned out to its audience)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="messages")
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    announcement = models.ForeignKey(Announcement, verbose_name=_("announcement"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="messages")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("recipient")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="message_inbox")]
        constraints = [
            constraints.UniqueConstraint(fields=["announcement", "recipient"], condition=Q(announcement__isnull=False),
                                    name="message_one_per_announcement_recipient",
            field="recipient", message=_("This recipient already has this announcement.")),
        ]

    def __str__(self):
        return self.subject


class EngineerState(models.Model):
    """Where an engineer is in the day, for the engineer status board 工程师状态看板."""

    class State(models.TextChoices):
        OFF_DUTY = "off_duty", _("Off duty")
        IDLE = "idle", _("Idle")
        TRAVELLING = "travelling", _("Travelling")
        ON_SITE = "on_site", _("On site")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("engineer"), on_delete=models.CASCADE,
                                related_name="engineer_state")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OFF_DUTY)
    since = models.DateTimeField(_("since"), default=timezone.now)
    task = models.ForeignKey(Task, verbose_name=_("current task"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("user")

    class Meta:
        verbose_name = _("engineer state")
        verbose_name_plural = _("engineer states")
        ordering = ["user__username"]

    def __str__(self):
        return f"{self.user} {self.get_state_display()}"
