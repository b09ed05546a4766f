"""SMS through Tencent Cloud 腾讯云短信 (API 3.0, SendSms 2021-01-11), signed with
TC3-HMAC-SHA256 (canonical request → string to sign → key derived from "TC3" + SecretKey, the
UTC date, the service and "tc3_request").

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_SDK_APP_ID,
SMS_TENCENT_SIGN_NAME, SMS_TENCENT_TEMPLATE_ID (required); SMS_TENCENT_REGION (ap-guangzhou),
SMS_TENCENT_TEMPLATE_PARAMS (notice fields in template order), SMS_TENCENT_ENDPOINT."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

from django.conf import settings

from ..models import NotificationDelivery
from .base import DeliveryError, PhoneChannel, deliver, json_answer, notice_value

SERVICE = "sms"
API_VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(*, secret_key: str, service: str, host: str, payload: str, timestamp: int,
                  method: str = "POST", content_type: str = CONTENT_TYPE) -> tuple[str, str]:
    """(signature, credential scope) for a POST with the signed headers content-type and host."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join([
        method, "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host",
        hashlib.sha256(payload.encode()).hexdigest(),
    ])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                         hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), scope


def authorization(*, secret_id: str, secret_key: str, service: str, host: str, payload: str, timestamp: int) -> str:
    sig, scope = tc3_signature(secret_key=secret_key, service=service, host=host, payload=payload,
                               timestamp=timestamp)
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={sig}"


def now() -> int:
    return int(time.time())


class TencentSms(PhoneChannel):
    key = NotificationDelivery.Channel.SMS_TENCENT
    required_settings = ("SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_TENCENT_SDK_APP_ID",
                         "SMS_TENCENT_SIGN_NAME", "SMS_TENCENT_TEMPLATE_ID")

    def template_params(self, notice) -> list[str]:
        if isinstance(notice.extra.get("sms_params"), list | tuple):
            return [str(v) for v in notice.extra["sms_params"]]
        limit = getattr(settings, "SMS_PARAM_MAX_LENGTH", 35)
        sources = getattr(settings, "SMS_TENCENT_TEMPLATE_PARAMS", None) or ["subject"]
        return [notice_value(notice, source, limit) for source in sources]

    def payload(self, phone: str, notice) -> str:
        body = {
            "PhoneNumberSet": [phone],
            "SmsSdkAppId": str(settings.SMS_TENCENT_SDK_APP_ID),
            "SignName": settings.SMS_TENCENT_SIGN_NAME,
            "TemplateId": str(settings.SMS_TENCENT_TEMPLATE_ID),
            "TemplateParamSet": self.template_params(notice),
            "SessionContext": notice.kind,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    def send(self, client, address, notice, user):
        host = getattr(settings, "SMS_TENCENT_ENDPOINT", "") or "sms.tencentcloudapi.com"
        payload = self.payload(address, notice)
        timestamp = now()
        headers = {
            "Authorization": authorization(secret_id=settings.SMS_TENCENT_SECRET_ID,
                                           secret_key=settings.SMS_TENCENT_SECRET_KEY, service=SERVICE, host=host,
                                           payload=payload, timestamp=timestamp),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": getattr(settings, "SMS_TENCENT_REGION", "") or "ap-guangzhou",
        }
        data = json_answer(client.post(f"https://{host}/", content=payload.encode(), headers=headers))
        answer = data.get("Response") or {}
        if answer.get("Error"):
            raise DeliveryError(f"{answer['Error'].get('Code')}: {answer['Error'].get('Message', '')}")
        statuses = answer.get("SendStatusSet") or []
        if not statuses:
            raise DeliveryError(f"no send status in the answer (request {answer.get('RequestId', '?')})")
        status = statuses[0]
        if status.get("Code") != "Ok":
            raise DeliveryError(f"{status.get('Code')}: {status.get('Message', '')}")
        return status.get("SerialNo", "")


channel = TencentSms()


def adapter(notice):
    deliver(channel, notice)
