"""What every outside channel shares: addressing, the delivery log, de-duplication, access tokens
cached until they expire, and the rule that an adapter never raises."""

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from datetime import timedelta

import httpx
import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from .. import http
from ..models import ExternalAccount, NotificationDelivery

log = logging.getLogger("xiuhao.integrations.notify")

Status = NotificationDelivery.Status
TOKEN_MARGIN = 300  # seconds: a cached token is dropped this long before the platform expires it
_warned_unconfigured: set[str] = set()


class DeliveryError(Exception):
    """The provider refused the message (or answered nonsense); the text goes to the delivery log."""


class Channel(ABC):
    key = ""  # a NotificationDelivery.Channel value
    required_settings: tuple[str, ...] = ()
    no_address = "no address"

    def missing_settings(self) -> list[str]:
        return [name for name in self.required_settings if not getattr(settings, name, "")]

    @abstractmethod
    def addresses(self, users) -> dict:
        """{user pk: address} for the users this channel can reach."""

    def shown_address(self, address: str) -> str:
        return address

    @abstractmethod
    def send(self, client: httpx.Client, address: str, notice, user) -> str:
        """Send `notice` to `address`; return the provider's message id or raise DeliveryError."""


class PhoneChannel(Channel):
    no_address = "the user has no valid mobile number"

    def addresses(self, users):
        found = {}
        for user in users:
            number = normalise_phone(user.phone)
            if number:
                found[user.pk] = number
        return found

    def shown_address(self, address):
        return mask_phone(address)


class AccountChannel(Channel):
    """Chat platforms address users by their id there (`ExternalAccount`)."""

    account_channel = ""

    @property
    def no_address(self):
        return f"the user has no {self.account_channel} account"

    def addresses(self, users):
        return dict(ExternalAccount.objects.filter(channel=self.account_channel, user__in=[u.pk for u in users])
                    .values_list("user_id", "external_id"))


class TokenChannel(AccountChannel):
    """A platform that wants an access token fetched with the app's secret; the token is kept in
    the Django cache (shared by web and job processes) until shortly before it expires, and
    fetched anew once when the platform says it is invalid or expired."""

    invalid_token_codes = frozenset({40001, 40014, 42001})

    @abstractmethod
    def token_identity(self) -> str:
        """What identifies the app's credentials (the token cache key is derived from it)."""

    @abstractmethod
    def fetch_token(self, client) -> tuple[str, int]:
        """A new access token and its lifetime in seconds."""

    def token_cache_key(self):
        digest = hashlib.sha256(self.token_identity().encode()).hexdigest()[:16]
        return f"integrations:token:{self.key}:{digest}"

    def token(self, client, refresh=False) -> str:
        key = self.token_cache_key()
        if not refresh:
            cached = cache.get(key)
            if cached:
                return cached
        token, expires_in = self.fetch_token(client)
        cache.set(key, token, max(int(expires_in or 0) - TOKEN_MARGIN, 60))
        return token

    def call(self, client, request):
        """`request(token)` → the platform's JSON answer; retried once with a new token when the
        platform says the cached one is invalid or expired."""
        answer = request(self.token(client))
        if answer.get("errcode") in self.invalid_token_codes:
            log.info("%s: access token refused (%s), fetching a new one", self.key, answer.get("errcode"))
            cache.delete(self.token_cache_key())
            answer = request(self.token(client, refresh=True))
        return answer


# -- helpers ---------------------------------------------------------------------------------------


def json_answer(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}") from None
    if not isinstance(data, dict):
        raise DeliveryError(f"HTTP {response.status_code}: unexpected answer {str(data)[:200]}")
    return data


def check_errcode(data: dict, what: str):
    """WeCom, DingTalk and WeChat answer {"errcode": 0, "errmsg": "ok", ...} on success."""
    code = data.get("errcode", 0)
    if code not in (0, "0", None):
        raise DeliveryError(f"{what}: errcode {code} {data.get('errmsg', '')}".strip())


def normalise_phone(raw: str) -> str:
    """E.164 (+8613800138000) for a valid number, mainland China assumed without a country code."""
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    return e164[:-8] + "****" + e164[-4:] if len(e164) >= 11 else e164


def absolute_url(notice) -> str:
    if notice.url.startswith("/"):
        return settings.SITE_URL.rstrip("/") + notice.url
    return notice.url


def notice_value(notice, source: str, limit: int | None = None) -> str:
    """A template variable's value: subject, body, url (absolute), kind, or a key of notice.extra
    (also written "extra.key")."""
    if source in ("subject", "body", "kind"):
        value = getattr(notice, source)
    elif source == "url":
        value = absolute_url(notice)
    else:
        value = notice.extra.get(source.removeprefix("extra."), "")
    value = str(value)
    if limit and len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


def notice_key(notice) -> str:
    content = json.dumps([notice.kind, notice.subject, notice.body, notice.url, notice.extra], sort_keys=True,
                         default=str, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


# -- the adapter body -------------------------------------------------------------------------------


def deliver(channel: Channel, notice) -> list[NotificationDelivery]:
    """Send `notice` to each recipient over `channel`, log each attempt; never raises."""
    try:
        return _deliver(channel, notice)
    except Exception:  # the port must not see an adapter fail (a broken log table included)
        log.exception("%s: delivering %s failed", channel.key, notice.kind or notice.subject)
        return []


def _deliver(channel, notice):
    users = list(get_user_model().objects.filter(pk__in=notice.recipient_ids, is_active=True).order_by("pk"))
    if not users:
        return []
    key = notice_key(notice)
    missing = channel.missing_settings()
    if missing:
        if channel.key not in _warned_unconfigured:
            _warned_unconfigured.add(channel.key)
            log.warning("%s is in NOTIFIERS but not configured (missing %s): notices are skipped",
                        channel.key, ", ".join(missing))
        return [_record(channel, notice, key, user, "", Status.SKIPPED, error=f"not configured: {', '.join(missing)}")
                for user in users]
    addresses = channel.addresses(users)
    window = timezone.now() - timedelta(seconds=getattr(settings, "NOTIFY_DEDUPE_SECONDS", 600))
    already = set(NotificationDelivery.objects.filter(
        notice_key=key, channel=channel.key, user__in=users, status=Status.SENT, created_at__gte=window,
    ).values_list("user_id", flat=True))
    rows = []
    with http.client() as client:
        for user in users:
            if user.pk in already:
                log.info("%s: %s already sent to user %s", channel.key, notice.kind or notice.subject, user.pk)
                continue
            address = addresses.get(user.pk)
            if not address:
                rows.append(_record(channel, notice, key, user, "", Status.SKIPPED, error=channel.no_address))
                continue
            rows.append(_attempt(channel, client, notice, key, user, address))
    return rows


def _attempt(channel, client, notice, key, user, address):
    shown = channel.shown_address(address)
    try:
        message_id = channel.send(client, address, notice, user)
    except DeliveryError as exc:
        log.warning("%s: delivery to user %s refused: %s", channel.key, user.pk, exc)
        return _record(channel, notice, key, user, shown, Status.FAILED, error=str(exc))
    except httpx.HTTPError as exc:
        log.warning("%s: delivery to user %s failed: %r", channel.key, user.pk, exc)
        return _record(channel, notice, key, user, shown, Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a bug or a surprise answer: logged with its traceback, the others go on
        log.exception("%s: delivery to user %s crashed", channel.key, user.pk)
        return _record(channel, notice, key, user, shown, Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    return _record(channel, notice, key, user, shown, Status.SENT, message_id=message_id)


def _record(channel, notice, key, user, address, status, error="", message_id=""):
    now = timezone.now()
    return NotificationDelivery.objects.create(
        created_at=now, channel=channel.key, user=user, address=address[:150], kind=notice.kind[:60],
        subject=notice.subject[:200], status=status, provider_message_id=str(message_id or "")[:120],
        error=error[:2000], sent_at=now if status == Status.SENT else None, notice_key=key,
    )


def truncate_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes (the chat platforms count bytes), cut on a character boundary."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"
