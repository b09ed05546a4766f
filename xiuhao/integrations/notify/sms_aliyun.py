"""SMS through Aliyun 阿里云短信 (Dysmsapi 2017-05-25 SendSms), signed with the RPC signature v1
(HMAC-SHA1 over the sorted, percent-encoded parameters, key = AccessKeySecret + "&").

Settings: SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_SIGN_NAME,
SMS_ALIYUN_TEMPLATE_CODE (required); SMS_ALIYUN_TEMPLATE_PARAMS ({template variable: notice
field}), SMS_ALIYUN_ENDPOINT, SMS_ALIYUN_REGION."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings

from ..models import NotificationDelivery
from .base import DeliveryError, PhoneChannel, deliver, json_answer, notice_value

API_VERSION = "2017-05-25"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun wants it: space → %20, * → %2A, ~ kept."""
    return quote(str(value), safe="~")


def string_to_sign(method: str, params: dict) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()) if k != "Signature")
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(method: str, params: dict, access_key_secret: str) -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def nonce() -> str:
    return str(uuid.uuid4())


def aliyun_number(e164: str) -> str:
    """Mainland numbers without +86; others as country code + number (Aliyun's international form)."""
    return e164[3:] if e164.startswith("+86") else e164.lstrip("+")


class AliyunSms(PhoneChannel):
    key = NotificationDelivery.Channel.SMS_ALIYUN
    required_settings = ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_ALIYUN_SIGN_NAME",
                         "SMS_ALIYUN_TEMPLATE_CODE")

    def template_param(self, notice) -> dict:
        if isinstance(notice.extra.get("sms_params"), dict):
            return {k: str(v) for k, v in notice.extra["sms_params"].items()}
        limit = getattr(settings, "SMS_PARAM_MAX_LENGTH", 35)
        mapping = getattr(settings, "SMS_ALIYUN_TEMPLATE_PARAMS", None) or {"title": "subject"}
        return {name: notice_value(notice, source, limit) for name, source in mapping.items()}

    def params(self, phone: str, notice) -> dict:
        params = {
            "AccessKeyId": settings.SMS_ALIYUN_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": aliyun_number(phone),
            "RegionId": getattr(settings, "SMS_ALIYUN_REGION", "") or "cn-hangzhou",
            "SignName": settings.SMS_ALIYUN_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": settings.SMS_ALIYUN_TEMPLATE_CODE,
            "TemplateParam": json.dumps(self.template_param(notice), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timestamp(),
            "Version": API_VERSION,
        }
        params["Signature"] = signature("POST", params, settings.SMS_ALIYUN_ACCESS_KEY_SECRET)
        return params

    def send(self, client, address, notice, user):
        endpoint = getattr(settings, "SMS_ALIYUN_ENDPOINT", "") or "dysmsapi.aliyuncs.com"
        response = client.post(f"https://{endpoint}/", data=self.params(address, notice))
        data = json_answer(response)
        if data.get("Code") != "OK":
            raise DeliveryError(f"{data.get('Code') or 'HTTP ' + str(response.status_code)}: {data.get('Message', '')}")
        return data.get("BizId", "")


channel = AliyunSms()


def adapter(notice):
    deliver(channel, notice)
