"""Login (captcha after failures, IP allow-list, TOTP), profile, password change, API tokens."""

import base64
import io

import qrcode
import qrcode.image.svg
from captcha.fields import CaptchaField
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from xiuhao.core import audit
from xiuhao.core.errors import PermissionDenied, ServiceError, ValidationFailed

from . import security, services
from .views import SetPasswordForm


class LoginForm(AuthenticationForm):
    def __init__(self, request=None, *args, with_captcha=False, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})
        if with_captcha:
            self.fields["captcha"] = CaptchaField(label=gettext_lazy("Verification code"))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not security.ip_allowed(user, self.request.META.get("REMOTE_ADDR")):
            raise forms.ValidationError(_("You may not log in from this IP address."), code="ip_not_allowed")


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(settings.LOGIN_REDIRECT_URL)
    ip = request.META.get("REMOTE_ADDR")
    with_captcha = security.captcha_required(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        form = LoginForm(request, data=request.POST, with_captcha=with_captcha)
        if is_ratelimited(request, group="login", key="ip", rate=settings.LOGIN_RATE, increment=True):
            # Refuse before checking the password: a limited client gets no password hashing.
            form = form_with_error(request, _("Too many login attempts from your address. Please wait a minute."))
            return render(request, "registration/login.html", {"form": form, "next": next_url}, status=429)
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            security.clear_failures(ip)
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                next_url = ""
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        security.note_failure(ip)
        if not with_captcha and security.captcha_required(request):
            # From now on the form carries a captcha; keep what the user typed and the errors
            # (validating again would try the password twice: two failures for one attempt).
            form.fields["captcha"] = CaptchaField(label=gettext_lazy("Verification code"))
        status = 400
    else:
        form = LoginForm(request, with_captcha=with_captcha)
        status = 200
    return render(request, "registration/login.html", {"form": form, "next": next_url}, status=status)


def form_with_error(request, message):
    """An unchecked login form that shows only `message` (rate limit, lockout): the password is
    not tried again, the typed username is kept."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")},
                     with_captcha=security.captcha_required(request))
    form.cleaned_data = {}
    form.add_error(None, message)
    return form


class LogoutView(auth_views.LogoutView):
    pass


# -- TOTP ---------------------------------------------------------------------------------------------


class OTPTokenForm(forms.Form):
    otp_token = forms.CharField(label=gettext_lazy("6-digit code"), max_length=6, min_length=6,
                                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "one-time-code",
                                                              "inputmode": "numeric", "autofocus": True}))


@login_required
@never_cache
def otp_verify(request):
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match_device(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            next_url = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                next_url = ""
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        form.add_error("otp_token", _("The code is not correct or has expired."))
    return render(request, "org/otp_verify.html", {"form": form})


def _match_device(user, token):
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def _qr_svg(uri):
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    img.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@never_cache
def otp_setup(request):
    """Set up TOTP: show a QR code for an unconfirmed device, confirm it with one code."""
    if security.has_totp(request.user) and not request.user.is_verified():
        # A second device may only be added after passing the first: otherwise the password
        # alone would be enough to enrol a new device and skip two-factor login.
        return redirect(f"{reverse('otp-verify')}?next={request.path}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="default", confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(actor=request.user, action="action", obj=request.user, verb="totp_enabled",
                         message=_("Two-factor login enabled"))
            otp_login(request, device)
            messages.success(request, _("Two-factor login is now enabled."))
            return redirect("profile")
        form.add_error("otp_token", _("The code is not correct or has expired."))
    # config_url already carries OTP_TOTP_ISSUER ("Xiuhao:username" and &issuer=).
    return render(request, "org/otp_setup.html", {"form": form, "qr": _qr_svg(device.config_url), "secret": base64.b32encode(device.bin_key).decode(),
                                                   "totp_required": security.totp_required(request.user)})


# -- profile ---------------------------------------------------------------------------------------------


class PasswordChangeForm(SetPasswordForm):
    old_password = forms.CharField(label=gettext_lazy("Current password"), widget=forms.PasswordInput(attrs={"class": "form-control"}))

    field_order = ["old_password", "new_password", "new_password2"]


@login_required
def profile(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=request.user, password=form.cleaned_data["new_password"],
                                       old_password=form.cleaned_data["old_password"])
        except ValidationFailed as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error("new_password" if name == "password" else name, error)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("profile")
    context = {
        "form": form,
        "has_totp": security.has_totp(request.user),
        "totp_required": security.totp_required(request.user),
        "roles": request.user.active_roles(),
        "breadcrumbs": [(_("My profile"), None)],
    }
    return render(request, "org/profile.html", context, status=400 if form.errors else 200)


# -- API tokens -------------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    otp_token = serializers.CharField(max_length=6, required=False, help_text=gettext_lazy("Required when the user has two-factor login."))


# On dispatch, which gets Django's HttpRequest (post() gets DRF's Request, which the decorator refuses).
@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ObtainTokenView(APIView):
    """Exchange username and password (and a TOTP code where required) for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer,
                   responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise ServiceError(_("Please enter a correct username and password."), code="authentication_failed")
        if not security.ip_allowed(user, request.META.get("REMOTE_ADDR")):
            raise PermissionDenied(_("You may not log in from this IP address."), code="ip_not_allowed")
        if security.has_totp(user) or security.totp_required(user):
            token = data.validated_data.get("otp_token")
            if not token or _match_device(user, token) is None:
                raise PermissionDenied(_("A valid two-factor code is required."), code="otp_required")
        token, _created = Token.objects.get_or_create(user=user)
        audit.record(actor=user, action="login", message=_("API token issued"), branch_id=user.branch_id)
        return Response({"token": token.key})
