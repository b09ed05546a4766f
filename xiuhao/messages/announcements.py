"""Announcements 公告: written as drafts, approved through the BPMN process
`announcement_approval`, then fanned out as one Message per person of the audience.

    draft ──submit──▶ pending ──approve──▶ published ──withdraw──▶ withdrawn
                        │  ▲
                  reject▼  │submit again
                      rejected

`announcement_submit` starts the process; its approver task (type `announcement.approve`,
outcomes approve / reject) ends in the process's service tasks, which call
`announcement_publish` or `announcement_reject`. Every move is a conditional UPDATE on the status
read, so a double click or two approvers at once move it once; publishing again after a crash
adds only the messages that are missing (unique announcement + recipient)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.errors import ValidationFailed
from xiuhao.core.jobs import enqueue_on_commit, job
from xiuhao.core.moves import require_reason, transition
from xiuhao.core.notify import notify
from xiuhao.core.services import object_create, object_delete, object_update
from xiuhao.tasks.models import Announcement, Message
from xiuhao.tasks.types import register_task_type

Status = Announcement.Status
R = Announcement.Refusals
Audience = Announcement.Audience
PROCESS_KEY = "announcement_approval"
TASK_TYPE = "announcement.approve"
APPROVE_PERMISSION = "tasks.approve_announcement"
EDITABLE = (Status.DRAFT, Status.REJECTED)
AUDIENCE_FIELD = {Audience.BRANCH: "audience_branch", Audience.DEPARTMENT: "audience_department",
                  Audience.ROLE: "audience_role"}
FAN_OUT_BATCH = 1000


# -- drafts ------------------------------------------------------------------------------------------
def _check_audience(announcement):
    """The audience names exactly the branch / department / role its kind needs."""
    wanted = AUDIENCE_FIELD.get(announcement.audience)
    for name in AUDIENCE_FIELD.values():
        if name != wanted:
            setattr(announcement, name, None)
    if wanted and getattr(announcement, f"{wanted}_id") is None:
        label = Announcement._meta.get_field(wanted).verbose_name
        raise ValidationFailed(fields={wanted: [_("Choose the %(what)s.") % {"what": label}]})


def announcement_create(*, actor, data):
    return object_create(actor=actor, model=Announcement, data={**data, "status": Status.DRAFT},
                         before_save=_check_audience)


def _editable(announcement):
    status = Announcement.objects.filter(pk=announcement.pk).values_list("status", flat=True).first()
    if status not in EDITABLE:
        raise R.LOCKED()


def announcement_update(*, actor, obj, data):
    data = {k: v for k, v in data.items() if k not in ("status", "approved_by", "published_at", "rejected_reason")}
    with transaction.atomic():
        _editable(obj)
        return object_update(actor=actor, obj=obj, data=data, before_save=_check_audience)


def announcement_delete(*, actor, obj):
    with transaction.atomic():
        _editable(obj)
        return object_delete(actor=actor, obj=obj)


# -- moves (declared in Announcement.moves) ------------------------------------------------------------
@Announcement.moves.guard("submit")
def _has_content(actor, announcement):
    if not announcement.title.strip() or not announcement.body.strip():
        raise R.EMPTY()


@Announcement.moves.implements("submit")
def announcement_submit(*, actor, announcement):
    """Send a draft (or a rejected announcement, corrected) for approval: starts the process."""
    from xiuhao.workflow.services import process_start

    with transaction.atomic():
        announcement = Announcement.moves.fresh(actor, announcement, "submit")
        transition(announcement, to=Status.PENDING, actor=actor, verb="submit",
                   values={"rejected_reason": "", "approved_by": None})
        instance = process_start(
            actor=actor, key=PROCESS_KEY, subject=announcement,
            variables={"announcement_id": announcement.pk, "author_id": actor.pk,
                       "branch_id": announcement.branch_id},
            title=_("Approve the announcement “%(title)s”") % {"title": announcement.title[:150]},
        )
        Announcement.objects.filter(pk=announcement.pk).update(process_instance=instance)
        announcement.process_instance = instance
    return announcement


@Announcement.moves.implements("publish")
def announcement_publish(*, actor, announcement):
    """Approve and publish. The messages to the audience (one per person, maybe tens of thousands)
    are written by a job after commit, so that the approver does not wait for them. Publishing a
    published announcement again (a retried process step) only sends the messages still missing."""
    with transaction.atomic():
        announcement = Announcement.moves.fresh(actor, announcement, "publish")
        if announcement.status != Status.PUBLISHED:
            transition(announcement, to=Status.PUBLISHED, actor=actor, verb="publish",
                       values={"approved_by": actor if actor.is_authenticated else None,
                               "published_at": timezone.now()})
        enqueue_on_commit(fan_out_job, announcement.pk)
    return announcement


@Announcement.moves.implements("reject")
def announcement_reject(*, actor, announcement, reason):
    reason = require_reason(reason, R.REJECT_REASON)
    with transaction.atomic():
        announcement = Announcement.moves.fresh(actor, announcement, "reject")
        transition(announcement, to=Status.REJECTED, actor=actor, verb="reject", message=reason,
                   values={"rejected_reason": reason[:255]})
        if announcement.created_by_id:
            notify(recipients=[announcement.created_by], kind="announcement_rejected",
                   subject=_("Announcement rejected: %(title)s") % {"title": announcement.title[:150]},
                   body=reason, url=reverse("tasks_announcement_detail", args=[announcement.pk]))
    return announcement


@Announcement.moves.implements("withdraw")
def announcement_withdraw(*, actor, announcement, reason=""):
    """Take a published announcement down: it leaves the board and every inbox."""
    with transaction.atomic():
        announcement = Announcement.moves.fresh(actor, announcement, "withdraw")
        transition(announcement, to=Status.WITHDRAWN, actor=actor, verb="withdraw", message=reason)
        Message.objects.filter(announcement=announcement).delete()
    return announcement


# -- audience ----------------------------------------------------------------------------------------
def audience_users(announcement):
    """Active staff and outlet users the announcement is for (customers of the portal never)."""
    users = get_user_model().objects.filter(is_active=True).exclude(kind="customer")
    if announcement.audience == Audience.BRANCH:
        users = users.filter(branch_id=announcement.audience_branch_id)
    elif announcement.audience == Audience.DEPARTMENT:
        users = users.filter(department__path__startswith=announcement.audience_department.path)
    elif announcement.audience == Audience.ROLE:
        users = users.filter(roles=announcement.audience_role_id)
    return users


def fan_out(announcement):
    """Insert the missing messages in batches; the unique (announcement, recipient) constraint
    makes a second run add nothing."""
    url = reverse("tasks_announcement_read", args=[announcement.pk])
    ids = audience_users(announcement).order_by("pk").values_list("pk", flat=True).distinct()
    sent_at = announcement.published_at or timezone.now()
    batch = []
    for pk in ids.iterator(chunk_size=FAN_OUT_BATCH):
        batch.append(Message(recipient_id=pk, kind="announcement", subject=announcement.title,
                             body=announcement.body, url=url, announcement=announcement, created_at=sent_at))
        if len(batch) >= FAN_OUT_BATCH:
            Message.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Message.objects.bulk_create(batch, ignore_conflicts=True)


@job()
def fan_out_job(announcement_id):
    """Send a published announcement to its audience; idempotent (a retry adds what is missing).
    An announcement withdrawn while the job ran loses the messages the job wrote after the
    withdrawal deleted the others."""
    announcement = (Announcement.objects.filter(pk=announcement_id, status=Status.PUBLISHED)
                    .select_related("audience_department").first())
    if announcement is None:
        return
    fan_out(announcement)
    if not Announcement.objects.filter(pk=announcement_id, status=Status.PUBLISHED).exists():
        Message.objects.filter(announcement_id=announcement_id).delete()


def _ancestor_ids(department):
    return [int(part) for part in department.path.strip("/").split("/") if part.isdigit()]


def board_for(user):
    """Published announcements addressed to `user` (the 公告 board), newest first."""
    rows = Announcement.objects.filter(status=Status.PUBLISHED)
    if user is None or not user.is_authenticated or getattr(user, "kind", "") == "customer":
        return rows.none()
    addressed = Q(audience=Audience.ALL) | Exists(Message.objects.filter(announcement=OuterRef("pk"),
                                                                         recipient=user))
    if user.branch_id:
        addressed |= Q(audience=Audience.BRANCH, audience_branch_id=user.branch_id)
    if user.department_id:
        addressed |= Q(audience=Audience.DEPARTMENT, audience_department_id__in=_ancestor_ids(user.department))
    roles = [role.pk for role in user.active_roles()]
    if roles:
        addressed |= Q(audience=Audience.ROLE, audience_role_id__in=roles)
    return rows.filter(addressed).order_by("-published_at", "-pk")



# -- the approver's task ------------------------------------------------------------------------------
class ApprovalForm(forms.Form):
    """The approver's decision; a rejection needs a reason, which the author is sent. `outcome` is
    the button pressed (set by TaskType.bind_form for page, API and service alike)."""

    outcome = ""
    reason = forms.CharField(label=gettext_lazy("Reason (required to reject)"), max_length=255, required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def clean(self):
        data = super().clean()
        if self.outcome == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give the reason for rejecting the announcement."))
        return data


register_task_type(TASK_TYPE, gettext_lazy("Approve announcement"), form_class=ApprovalForm,
                   template="messages/announcement_approve_task.html",
                   outcomes=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))])
