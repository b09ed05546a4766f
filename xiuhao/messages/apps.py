from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagesConfig(AppConfig):
    """我的消息 and 公告: the in-app inbox, its notifier adapter and announcements. The models stay
    in the tasks app's tables and migrations (tasks.Message, tasks.Announcement); see ADR 0005.
    Labelled "inbox": Django's own messages framework has the label "messages"."""

    name = "xiuhao.messages"
    label = "inbox"
    verbose_name = _("Messages")
