"""Registry declarations of messages and announcements.

Announcements are a registered model (公告管理: list/detail/add/edit of drafts, submit for
approval, withdraw). Messages are not: a message belongs to its recipient alone, so 我的消息 has
its own pages and API (messages_views, messages_api) that never widen to a role's data scope —
the registry's pages would show an administrator everyone's inbox."""

from django.utils.translation import gettext_lazy as _

from xiuhao.core.api import ScopedModelSerializer
from xiuhao.core.registry import ModelConfig, register, registry
from xiuhao.tasks.models import Announcement

from . import announcements, inbox, workbench  # noqa: F401  (workbench: the start page card)

# Its menu entries are in the Task Centre's section (tasks/registry.py, a lower layer, declares it).

ANNOUNCEMENT_FORM = ["title", "body", "audience", "audience_branch", "audience_department", "audience_role"]
ANNOUNCEMENT_STATE = ["status", "approved_by", "published_at", "rejected_reason", "process_instance"]


def _announcement_serializer():
    read_only = [*ANNOUNCEMENT_STATE, "branch", "created_by", "created_at", "updated_at"]
    meta = type("Meta", (), {"model": Announcement, "fields": ["id", "display", *ANNOUNCEMENT_FORM, *read_only],
                             "read_only_fields": read_only, "validators": []})
    return type("AnnouncementSerializer", (ScopedModelSerializer,), {"Meta": meta})


@register
class AnnouncementConfig(ModelConfig):
    model = Announcement
    menu = "tasks"
    menu_order = 80
    icon = "speakerphone"
    menu_label = _("Announcement management")
    list_fields = ["title", "audience", "status", "created_by", "branch", "published_at", "created_at"]
    search_fields = ["title", "body"]
    filter_fields = ["status", "audience", "branch"]
    form_fields = ANNOUNCEMENT_FORM
    detail_fields = [*ANNOUNCEMENT_FORM, "status", "rejected_reason", "approved_by", "published_at", "created_by",
                     "branch", "department"]
    export_fields = ["title", "audience", "status", "created_by", "branch", "approved_by", "published_at",
                     "created_at", "body"]
    select_related = ["created_by", "branch", "department", "approved_by", "audience_branch",
                      "audience_department", "audience_role"]
    serializer_class = _announcement_serializer()
    detail_template = "messages/announcement_detail.html"
    refusals = {"update": [Announcement.Refusals.LOCKED], "destroy": [Announcement.Refusals.LOCKED]}

    def create(self, *, actor, data):
        return announcements.announcement_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return announcements.announcement_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return announcements.announcement_delete(actor=actor, obj=obj)


# -- the shell: menu entries, the top bar's bell, the phone's tab; the kinds of message it knows ------------
registry.menu_item("tasks", _("My messages"), "tasks_inbox", order=20)
registry.menu_item("tasks", _("Announcements"), "tasks_announcement_board", order=30)
registry.unread_counter(inbox.unread_count, "tasks_inbox", template="messages/inbox_badge.html")
registry.phone_tab(_("Messages"), "tasks_m_inbox", icon="bell", order=90, badge=inbox.unread_count)
registry.message_kind("announcement", _("Announcement"))
registry.message_kind("announcement_rejected", _("Announcement rejected"))
registry.message_kind("system", _("System notice"))
