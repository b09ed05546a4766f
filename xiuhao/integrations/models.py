"""The users' accounts on the chat platforms and the log of every notification delivery."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiuhao.core import constraints
from xiuhao.core.models import TimeStampedModel
from xiuhao.core.scope import ScopedManager, ScopeFields


class ExternalAccount(TimeStampedModel):
    """Who a user is on WeCom / DingTalk / WeChat: the id those platforms address messages to."""

    class Channel(models.TextChoices):
        WECOM = "wecom", _("WeCom")  # 企业微信 userid
        DINGTALK = "dingtalk", _("DingTalk")  # 钉钉 userid
        WECHAT = "wechat", _("WeChat Official Account")  # 微信公众号 openid

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="external_accounts")
    channel = models.CharField(_("platform"), max_length=20, choices=Channel.choices)
    external_id = models.CharField(_("platform user ID"), max_length=128,
                                   help_text=_("WeCom or DingTalk userid, or the WeChat openid."))

    objects = ScopedManager()
    scope_fields = ScopeFields.via("user")  # seen where its user is seen

    class Meta:
        verbose_name = _("external account")
        verbose_name_plural = _("external accounts")
        ordering = ["channel", "external_id"]
        constraints = [
            constraints.UniqueConstraint(fields=["channel", "user"], name="externalaccount_one_per_channel",
            field="user", message=_("This user is already linked on this channel.")),
            constraints.UniqueConstraint(fields=["channel", "external_id"], name="externalaccount_unique_id",
            field="external_id", message=_("This external account is already linked to another user.")),
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.external_id}"


class NotificationDelivery(models.Model):
    """One attempt to deliver one notice to one user over one outside channel (written by the
    adapters only; read-only on the pages)."""

    class Channel(models.TextChoices):
        SMS_ALIYUN = "sms_aliyun", _("SMS (Aliyun)")
        SMS_TENCENT = "sms_tencent", _("SMS (Tencent Cloud)")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")
        WECHAT = "wechat", _("WeChat Official Account")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")  # the provider accepted the message (its id is kept)
        FAILED = "failed", _("Failed")  # the provider refused it or could not be reached (error kept)
        SKIPPED = "skipped", _("Skipped")  # not tried: channel not configured or no address for the user

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(_("address"), max_length=150, blank=True,
                               help_text=_("The phone number (masked) or platform user ID it went to."))
    kind = models.CharField(_("notice type"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    provider_message_id = models.CharField(_("provider message ID"), max_length=120, blank=True)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Hash of the notice's content: a retried or duplicated job does not send the same notice twice.
    notice_key = models.CharField(_("notice key"), max_length=64, blank=True, editable=False)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("user")  # seen where its user is seen

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["notice_key", "channel", "user"], name="delivery_dedupe")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.address or '-'} ({self.get_status_display()})"
