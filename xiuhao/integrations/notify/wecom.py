"""WeCom 企业微信 application messages: `cgi-bin/gettoken` (corpid + the app's secret) then
`cgi-bin/message/send` to the user's WeCom userid, as a text card with the link when the notice
has one, plain text otherwise.

Settings: WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET (required); WECOM_API_BASE for a proxy or
a private deployment."""

from django.conf import settings
from django.utils.translation import gettext as _

from ..models import ExternalAccount, NotificationDelivery
from .base import (
    DeliveryError,
    TokenChannel,
    absolute_url,
    check_errcode,
    deliver,
    json_answer,
    truncate_bytes,
)


def api(path):
    return (getattr(settings, "WECOM_API_BASE", "") or "https://qyapi.weixin.qq.com").rstrip("/") + path


class WeCom(TokenChannel):
    key = NotificationDelivery.Channel.WECOM
    account_channel = ExternalAccount.Channel.WECOM
    required_settings = ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET")

    def token_identity(self):
        return f"{settings.WECOM_CORP_ID}:{settings.WECOM_AGENT_ID}:{settings.WECOM_SECRET}"

    def fetch_token(self, client):
        data = json_answer(client.get(api("/cgi-bin/gettoken"), params={
            "corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET}))
        check_errcode(data, "gettoken")
        return data["access_token"], data.get("expires_in", 7200)

    def message(self, userid, notice):
        message = {"touser": userid, "agentid": int(settings.WECOM_AGENT_ID), "safe": 0}
        url = absolute_url(notice)
        if url:
            message.update(msgtype="textcard", textcard={
                "title": truncate_bytes(notice.subject, 128),
                "description": truncate_bytes(notice.body, 512),
                "url": url,
                "btntxt": _("Details"),
            })
        else:
            message.update(msgtype="text", text={"content": truncate_bytes(f"{notice.subject}\n{notice.body}", 2048)})
        return message

    def send(self, client, address, notice, user):
        message = self.message(address, notice)
        data = self.call(client, lambda token: json_answer(
            client.post(api("/cgi-bin/message/send"), params={"access_token": token}, json=message)))
        check_errcode(data, "message/send")
        if data.get("invaliduser"):
            raise DeliveryError(f"message/send: invalid user {data['invaliduser']}")
        return data.get("msgid", "")


channel = WeCom()


def adapter(notice):
    deliver(channel, notice)
