"""Service handlers of the announcement approval process (processes/announcement_approval.bpmn).
They act as the approver who completed the approval task."""

from django.utils.translation import gettext as _

from xiuhao.core.errors import ValidationFailed
from xiuhao.workflow.handlers import actor_of, service_handler


def _announcement(instance, variables):
    from xiuhao.tasks.models import Announcement

    announcement = Announcement.objects.filter(pk=variables.get("announcement_id") or instance.object_id).first()
    if announcement is None:
        raise ValidationFailed(_("The announcement of this process no longer exists."))
    return announcement


def _approver(variables):
    actor = actor_of(variables)
    if actor is None:
        raise ValidationFailed(_("Nobody completed the approval task."))
    return actor


@service_handler("announcement.publish")
def publish_announcement(instance, variables):
    from xiuhao.messages.announcements import announcement_publish

    announcement_publish(actor=_approver(variables), announcement=_announcement(instance, variables))
    return variables


@service_handler("announcement.reject")
def reject_announcement(instance, variables):
    from xiuhao.messages.announcements import announcement_reject

    reason = (variables.get("reason") or "").strip() or _("Rejected by the approver.")
    announcement_reject(actor=_approver(variables), announcement=_announcement(instance, variables), reason=reason)
    return variables
