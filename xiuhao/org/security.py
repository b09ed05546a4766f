"""Login security: captcha after failures, lockout (axes, keyed on user+IP), IP allow-lists per
user and role, TOTP (enforceable per role), password policy, idle/absolute session timeouts."""

import ipaddress
import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import parse_ip_allowlist

# -- password policy ---------------------------------------------------------------------------


class LettersAndDigitsValidator:
    def validate(self, password, user=None):
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError(_("The password must contain both letters and digits."), code="password_letters_digits")

    def get_help_text(self):
        return _("Your password must contain both letters and digits.")


# -- IP allow-list -----------------------------------------------------------------------------------


def ip_allowed(user, ip: str | None) -> bool:
    """Allowed when neither the user nor any of their roles restricts addresses, or when the
    address lies in the user's list and in the list of every restricting role."""
    lists = [user.ip_allowlist] + [r.ip_allowlist for r in user.active_roles()]
    lists = [v for v in lists if v and v.strip()]
    if not lists:
        return True
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    for value in lists:
        try:
            networks = parse_ip_allowlist(value)
        except ValueError:
            return False
        if not any(addr in net for net in networks):
            return False
    return True


# -- captcha threshold (failures per client IP) -------------------------------------------------------


def _failure_key(ip):
    return f"login-failures:{ip}"


def failures_from(ip) -> int:
    return cache.get(_failure_key(ip), 0)


def note_failure(ip):
    key = _failure_key(ip)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))


def clear_failures(ip):
    cache.delete(_failure_key(ip))


def captcha_correct(key, value) -> bool:
    """Check (and use up) a django-simple-captcha challenge; one try per challenge."""
    from captcha.conf import settings as captcha_settings
    from captcha.models import CaptchaStore
    from django.utils import timezone

    value = (value or "").strip().lower()
    CaptchaStore.remove_expired()
    if captcha_settings.CAPTCHA_TEST_MODE and value == "passed":
        return CaptchaStore.objects.filter(hashkey=key).delete()[0] > 0
    matched = CaptchaStore.objects.filter(hashkey=key, response=value, expiration__gt=timezone.now()).exists()
    CaptchaStore.objects.filter(hashkey=key).delete()
    return matched


def captcha_required(request) -> bool:
    return failures_from(request.META.get("REMOTE_ADDR")) >= settings.CAPTCHA_AFTER_FAILURES


# -- TOTP ---------------------------------------------------------------------------------------------


def totp_required(user) -> bool:
    return any(r.require_totp for r in user.active_roles())


def has_totp(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# -- lockout ------------------------------------------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins. This account is locked from your address for %(m)s minutes.") % {"m": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": message}}, status=429)
    from .auth_views import form_with_error

    form = form_with_error(request, message)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "registration/login.html",
                  {"form": form, "locked_out": True, "error": message, "next": next_url}, status=429)


# -- middleware -------------------------------------------------------------------------------------

EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/", "/jsi18n/", "/captcha/", "/favicon")


def _exempt(path):
    return path.startswith(EXEMPT_PREFIXES)


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
    seconds after login whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _exempt(request.path):
            now = int(time.time())
            session = request.session
            started = session.setdefault("xh_started", now)
            last = session.get("xh_last", now)
            if now - last > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                return _signed_out(request, _("Your session has expired. Please log in again."))
            if now - last >= 30 or "xh_last" not in session:
                session["xh_last"] = now
        return self.get_response(request)


class IPAllowListMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _exempt(request.path):
            if not ip_allowed(user, request.META.get("REMOTE_ADDR")):
                logout(request)
                return _signed_out(request, _("You may not use the system from this IP address."))
        return self.get_response(request)


class TOTPEnforcementMiddleware:
    """Users with a TOTP device must verify it after the password; users whose role requires
    TOTP must first set one up. Until then only the OTP pages and logout are reachable."""

    ALLOWED = ("otp-verify", "otp-setup", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _exempt(request.path) and not user.is_verified():
            allowed_paths = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed_paths:
                if has_totp(user):
                    return _redirect_or_401(request, "otp-verify")
                if totp_required(user):
                    return _redirect_or_401(request, "otp-setup")
        return self.get_response(request)


def _redirect_or_401(request, url_name):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "otp_required", "message": _("Two-factor verification is required.")}}, status=401
        )
    return redirect(f"{reverse(url_name)}?next={request.get_full_path()}")


def _signed_out(request, message):
    if request.path.startswith("/api/") or getattr(request, "htmx", False):
        return JsonResponse({"error": {"code": "not_authenticated", "message": message}}, status=401)
    messages.warning(request, message)
    return redirect(f"{reverse('login')}?next={request.get_full_path()}")
