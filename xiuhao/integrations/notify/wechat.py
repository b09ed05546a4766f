"""WeChat Official Account 微信公众号 template messages: `cgi-bin/stable_token` (a token that
other servers of the same account fetching theirs do not invalidate) then
`cgi-bin/message/template/send` to the user's openid, with the notice's link.

Settings: WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TEMPLATE_ID (required); WECHAT_TEMPLATE_FIELDS
({template keyword: notice field}, default thing1=subject, thing2=body), WECHAT_API_BASE."""

from django.conf import settings

from ..models import ExternalAccount, NotificationDelivery
from .base import TokenChannel, absolute_url, check_errcode, deliver, json_answer, notice_value

# Template keywords of type thing/phrase are short on WeChat's side (20 / 5 characters).
KEYWORD_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "name": 10}


def api(path):
    return (getattr(settings, "WECHAT_API_BASE", "") or "https://api.weixin.qq.com").rstrip("/") + path


def keyword_limit(keyword: str):
    return next((n for prefix, n in KEYWORD_LIMITS.items() if keyword.startswith(prefix)), None)


class WeChat(TokenChannel):
    key = NotificationDelivery.Channel.WECHAT
    account_channel = ExternalAccount.Channel.WECHAT
    required_settings = ("WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_TEMPLATE_ID")

    def token_identity(self):
        return f"{settings.WECHAT_APP_ID}:{settings.WECHAT_APP_SECRET}"

    def fetch_token(self, client):
        data = json_answer(client.post(api("/cgi-bin/stable_token"), json={
            "grant_type": "client_credential", "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET, "force_refresh": False}))
        check_errcode(data, "stable_token")
        return data["access_token"], data.get("expires_in", 7200)

    def message(self, openid, notice):
        fields = getattr(settings, "WECHAT_TEMPLATE_FIELDS", None) or {"thing1": "subject", "thing2": "body"}
        data = {keyword: {"value": notice_value(notice, source, keyword_limit(keyword))}
                for keyword, source in fields.items()}
        message = {"touser": openid, "template_id": settings.WECHAT_TEMPLATE_ID, "data": data}
        url = absolute_url(notice)
        if url:
            message["url"] = url
        return message

    def send(self, client, address, notice, user):
        message = self.message(address, notice)
        data = self.call(client, lambda token: json_answer(client.post(
            api("/cgi-bin/message/template/send"), params={"access_token": token}, json=message)))
        check_errcode(data, "template/send")
        return data.get("msgid", "")


channel = WeChat()


def adapter(notice):
    deliver(channel, notice)
