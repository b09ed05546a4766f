"""Pages and API: the users' accounts on WeCom / DingTalk / WeChat (managed by administrators) and
the read-only notification delivery log (so that a failed SMS can be seen)."""

from xiuhao.core.registry import ModelConfig, register

from .models import ExternalAccount, NotificationDelivery


@register
class ExternalAccountConfig(ModelConfig):
    model = ExternalAccount
    menu = "system"
    menu_order = 70
    icon = "brand-wechat"
    list_fields = ["user", "channel", "external_id", "updated_at"]
    search_fields = ["external_id", "user__username", "user__display_name", "user__phone"]
    filter_fields = ["channel"]
    form_fields = ["user", "channel", "external_id"]
    select_related = ["user"]
    ordering = ["channel", "external_id"]


@register
class NotificationDeliveryConfig(ModelConfig):
    model = NotificationDelivery
    menu = "system"
    menu_order = 75
    icon = "send"
    list_fields = ["created_at", "channel", "user", "address", "kind", "subject", "status", "provider_message_id",
                   "error"]
    detail_fields = ["created_at", "channel", "user", "address", "kind", "subject", "status", "provider_message_id",
                     "sent_at", "error"]
    api_fields = detail_fields
    search_fields = ["subject", "address", "kind", "provider_message_id", "error", "user__username",
                     "user__display_name"]
    filter_fields = ["channel", "status"]
    form_fields = []  # written by the notifier adapters only
    deletable = False
    select_related = ["user"]
