"""DingTalk 钉钉 work notices 工作通知: `gettoken` (the app's AppKey + AppSecret) then
`topapi/message/corpconversation/asyncsend_v2` to the user's DingTalk userid, as an action card
with the link when the notice has one, plain text otherwise. DingTalk queues the notice and
answers with a task id (kept as the provider message id).

Settings: DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_AGENT_ID (required); DINGTALK_API_BASE."""

from django.conf import settings
from django.utils.translation import gettext as _

from ..models import ExternalAccount, NotificationDelivery
from .base import TokenChannel, absolute_url, check_errcode, deliver, json_answer, truncate_bytes


def api(path):
    return (getattr(settings, "DINGTALK_API_BASE", "") or "https://oapi.dingtalk.com").rstrip("/") + path


class DingTalk(TokenChannel):
    key = NotificationDelivery.Channel.DINGTALK
    account_channel = ExternalAccount.Channel.DINGTALK
    required_settings = ("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET", "DINGTALK_AGENT_ID")

    def token_identity(self):
        return f"{settings.DINGTALK_APP_KEY}:{settings.DINGTALK_APP_SECRET}"

    def fetch_token(self, client):
        data = json_answer(client.get(api("/gettoken"), params={
            "appkey": settings.DINGTALK_APP_KEY, "appsecret": settings.DINGTALK_APP_SECRET}))
        check_errcode(data, "gettoken")
        return data["access_token"], data.get("expires_in", 7200)

    def message(self, userid, notice):
        url = absolute_url(notice)
        if url:
            msg = {"msgtype": "action_card", "action_card": {
                "title": notice.subject,
                "markdown": truncate_bytes(f"### {notice.subject}\n\n{notice.body}", 5000),
                "single_title": _("Details"),
                "single_url": url,
            }}
        else:
            msg = {"msgtype": "text", "text": {"content": truncate_bytes(f"{notice.subject}\n{notice.body}", 5000)}}
        return {"agent_id": int(settings.DINGTALK_AGENT_ID), "userid_list": userid, "msg": msg}

    def send(self, client, address, notice, user):
        message = self.message(address, notice)
        data = self.call(client, lambda token: json_answer(client.post(
            api("/topapi/message/corpconversation/asyncsend_v2"), params={"access_token": token}, json=message)))
        check_errcode(data, "asyncsend_v2")
        return data.get("task_id", "")


channel = DingTalk()


def adapter(notice):
    deliver(channel, notice)
