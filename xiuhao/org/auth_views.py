"""Login (captcha after failures, IP allow-list, TOTP), profile, password change, API tokens."""

import base64
import io

import qrcode
import qrcode.image.svg
from captcha.fields import CaptchaField
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
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
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from xiuhao.core import audit
from xiuhao.core.api_base import token_expired
from xiuhao.core.errors import PermissionDenied, ServiceError, ValidationFailed

from . import security, services
from .models import User
from .views import SetPasswordForm


class LoginForm(AuthenticationForm):
    def __init__(self, request=None, *args, with_captcha=False, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})
        if with_captcha:
            self.fields["captcha"] = CaptchaField(label=gettext_lazy("Verification code"))

    def clean(self):
        # The captcha first: with a wrong captcha the password is not tried at all, so the
        # answer is the same whether the password was right or wrong.
        if "captcha" in self.fields and "captcha" in self.errors:
            return self.cleaned_data
        return super().clean()

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
    if request.method == "POST" and request.POST.get("action") == "sign_out_everywhere":
        services.user_sign_out_everywhere(actor=request.user, user=request.user)
        logout(request)
        messages.success(request, _("You were signed out on every device, and your API tokens were revoked."))
        return redirect("login")
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
    captcha_key = serializers.CharField(max_length=64, required=False, help_text=gettext_lazy(
        "Required after repeated failures from the address (error code captcha_required): the key from GET /api/v1/auth/captcha/."))
    captcha_value = serializers.CharField(max_length=32, required=False, help_text=gettext_lazy(
        "The characters shown in that captcha image."))


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
        ip = request.META.get("REMOTE_ADDR")
        # Same rules as the login page: after CAPTCHA_AFTER_FAILURES failures from the address
        # a captcha answer is required, and checked before the password is tried.
        if security.captcha_required(request._request):
            key, value = data.validated_data.get("captcha_key"), data.validated_data.get("captcha_value")
            if not key or not value:
                raise ServiceError(_("Too many failed attempts from your address: answer the captcha "
                                     "(GET /api/v1/auth/captcha/) and send captcha_key and captcha_value."),
                                   code="captcha_required")
            if not security.captcha_correct(key, value):
                security.note_failure(ip)
                raise ServiceError(_("The verification code is not correct. Request a new captcha and try again."),
                                   code="captcha_invalid")
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            security.note_failure(ip)
            raise ServiceError(_("Please enter a correct username and password."), code="authentication_failed")
        if not security.ip_allowed(user, request.META.get("REMOTE_ADDR")):
            raise PermissionDenied(_("You may not log in from this IP address."), code="ip_not_allowed")
        if security.has_totp(user) or security.totp_required(user):
            token = data.validated_data.get("otp_token")
            if not token or _match_device(user, token) is None:
                raise PermissionDenied(_("A valid two-factor code is required."), code="otp_required")
        security.clear_failures(ip)
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        audit.record(actor=user, action="login", message=_("API token issued"), branch_id=user.branch_id)
        body = {"token": token.key}
        if settings.API_TOKEN_TTL_HOURS:
            body["expires_at"] = token.created + timezone.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        return Response(body)


class CaptchaView(APIView):
    """A new captcha for the token endpoint: show `image_url`, send back `captcha_key` and the
    characters as `captcha_value`. `required` says whether the address needs one right now."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: inline_serializer("Captcha", {
        "captcha_key": serializers.CharField(), "image_url": serializers.CharField(),
        "required": serializers.BooleanField()})})
    def get(self, request):
        from captcha.models import CaptchaStore

        key = CaptchaStore.generate_key()
        return Response({"captcha_key": key,
                         "image_url": request.build_absolute_uri(reverse("captcha-image", kwargs={"key": key})),
                         "required": security.captcha_required(request._request)})


class LogoutTokenView(APIView):
    """Revoke the API token sent with this request (the token is useless afterwards)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: inline_serializer("LoggedOut", {"ok": serializers.BooleanField()})})
    def post(self, request):
        if isinstance(request.auth, Token):
            request.auth.delete()
            audit.record(actor=request.user, action="action", obj=request.user, verb="token_revoked",
                         message=_("API token revoked"))
        return Response({"ok": True})


class SignOutEverywhereView(APIView):
    """End every session and API token of a user: oneself (no `pk`), or another user within one's
    data scope with the reset-password permission."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: inline_serializer("SignedOut", {
        "sessions": serializers.IntegerField(), "tokens": serializers.IntegerField()})})
    def post(self, request, pk=None):
        user = request.user if pk is None or pk == request.user.pk else \
            get_object_or_404(User.objects.visible_to(request.user), pk=pk)
        return Response(services.user_sign_out_everywhere(actor=request.user, user=user))
