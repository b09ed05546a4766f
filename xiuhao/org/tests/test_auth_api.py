"""API authentication as an integrator meets it: tokens for username/password (+ TOTP code),
`Token` and `Bearer` headers, one error body, throttling, IP allow-lists, password changes."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from xiuhao.core.models import AuditEvent
from xiuhao.org.models import Role, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "Passw0rd!x"
TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


@pytest.fixture
def user():
    user = User.objects.create_user(username="alice", password=PASSWORD)
    # "Own records only": enough to see (and change the password of) oneself.
    user.roles.add(Role.objects.create(code="staff", name="Staff", data_scope="self"))
    return user


def get_token(client, username="alice", password=PASSWORD, ip="10.0.0.1", **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password, **extra},
                       content_type="application/json", REMOTE_ADDR=ip)


def captcha_answer(client, ip="10.0.0.1", value="PASSED"):
    """A captcha fetched through the API and its answer (CAPTCHA_TEST_MODE accepts "PASSED")."""
    body = client.get("/api/v1/auth/captcha/", REMOTE_ADDR=ip).json()
    return {"captcha_key": body["captcha_key"], "captcha_value": value}


def assert_error(response, status, code=None):
    """The one error body; `status` may be a tuple of acceptable statuses."""
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), response.content
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# -- tokens -------------------------------------------------------------------------------------------


def test_it_gives_a_token_for_a_good_username_and_password(client, user):
    response = get_token(client)
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=user).key == key
    # The same token again on the next request (one token per user).
    assert get_token(client).json()["token"] == key
    assert AuditEvent.objects.filter(action="login", actor=user, message="API token issued").exists()


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_it_accepts_the_token_as_token_or_bearer(client, user, keyword):
    key = get_token(client).json()["token"]
    response = client.get(ME_URL, HTTP_AUTHORIZATION=f"{keyword} {key}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["data_scopes"] == ["self"]


def test_it_refuses_a_missing_or_unknown_token(client, user):
    # 401 when the token scheme answers first (WWW-Authenticate), 403 when session auth does.
    assert_error(client.get(ME_URL), (401, 403), "not_authenticated")
    error = assert_error(client.get(ME_URL, HTTP_AUTHORIZATION="Bearer not-a-real-token"), (401, 403))
    assert error["code"] == "authentication_failed"


@pytest.mark.parametrize("username,password", [("alice", "wrong-password-1"), ("nobody", PASSWORD)])
def test_it_answers_bad_credentials_with_a_coded_error(client, user, username, password):
    response = get_token(client, username=username, password=password)
    error = assert_error(response, 400, "authentication_failed")
    assert error["message"] == "Please enter a correct username and password."
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_it_answers_a_malformed_token_request_with_field_errors(client, user):
    response = client.post(TOKEN_URL, {"username": "alice"}, content_type="application/json")
    error = assert_error(response, 400, "validation_failed")
    assert "password" in error["fields"]


def test_it_refuses_a_token_to_a_disabled_user(client, user):
    user.is_active = False
    user.save()
    assert_error(get_token(client), 400, "authentication_failed")


def test_it_locks_the_token_endpoint_out_like_the_login_page(client, settings, user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        get_token(client, password="wrong-password-1", **captcha_answer(client))
    response = get_token(client, **captcha_answer(client))
    error = assert_error(response, 429, "locked_out")
    assert "Too many failed logins" in error["message"]
    assert get_token(client, ip="10.0.0.2").status_code == 200


def test_it_throttles_the_token_endpoint(client, monkeypatch, user):
    # DRF reads the rates once at import; set the "token" scope's rate for this test.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/hour")
    for _ in range(3):
        assert get_token(client, password="wrong-password-1").status_code == 400
    response = get_token(client)
    assert_error(response, 429, "throttled")
    assert "Retry-After" in response
    # The throttle is per address.
    assert get_token(client, ip="10.0.0.2").status_code == 200


# -- two-factor -------------------------------------------------------------------------------------------


def test_it_wants_the_totp_code_from_a_user_with_two_factor_login(client, settings, user):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off after the wrong code below
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert_error(get_token(client), 403, "otp_required")
    valid = {f"{totp(device.bin_key, drift=d):06d}" for d in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in valid)
    assert_error(get_token(client, otp_token=wrong), 403, "otp_required")
    assert not Token.objects.filter(user=user).exists()
    response = get_token(client, otp_token=f"{totp(device.bin_key):06d}")
    assert response.status_code == 200
    assert response.json()["token"]


def test_it_wants_a_totp_code_when_the_role_requires_it_even_without_a_device(client, user):
    user.roles.add(Role.objects.create(code="finance", name="Finance", data_scope="all", require_totp=True))
    assert_error(get_token(client), 403, "otp_required")
    assert_error(get_token(client, otp_token="123456"), 403, "otp_required")


# -- IP allow-lists ------------------------------------------------------------------------------------------


def test_it_refuses_a_token_from_outside_the_ip_allow_list(client, user):
    user.ip_allowlist = "192.168.1.0/24"
    user.save()
    error = assert_error(get_token(client, ip="10.0.0.1"), 403, "ip_not_allowed")
    assert error["message"] == "You may not log in from this IP address."
    assert get_token(client, ip="192.168.1.7").status_code == 200


def test_it_refuses_a_valid_token_used_from_outside_the_allow_list(client, user):
    key = Token.objects.create(user=user).key
    role = Role.objects.create(code="office", name="Office", data_scope="all", ip_allowlist="172.16.0.0/16")
    user.roles.add(role)
    assert client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="172.16.5.5").status_code == 200
    response = client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="10.0.0.1")
    error = assert_error(response, (401, 403), "authentication_failed")
    assert error["message"] == "You may not use the system from this IP address."


# -- passwords over the API ----------------------------------------------------------------------------------


def _set_password(client, key, pk, **data):
    return client.post(f"/api/v1/org/user/{pk}/set-password/", data, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.parametrize("weak", ["abcdefgh", "12345678"])
def test_it_refuses_weak_passwords_over_the_api(client, user, weak):
    key = Token.objects.create(user=user).key
    error = assert_error(_set_password(client, key, user.pk, password=weak, old_password=PASSWORD), 400,
                         "validation_failed")
    assert "password" in error["fields"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_it_changes_ones_own_password_over_the_api_with_the_old_password(client, user):
    key = Token.objects.create(user=user).key
    error = assert_error(_set_password(client, key, user.pk, password="Kettle42harbour"), 400, "validation_failed")
    assert "old_password" in error["fields"]
    assert_error(_set_password(client, key, user.pk, password="Kettle42harbour", old_password="wrong-one-1"), 400)

    response = _set_password(client, key, user.pk, password="Kettle42harbour", old_password=PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    user.refresh_from_db()
    assert user.check_password("Kettle42harbour")


def test_it_lets_an_administrator_reset_another_users_password(client, user):
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    key = Token.objects.create(user=admin).key
    response = _set_password(client, key, user.pk, password="Kettle42harbour")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("Kettle42harbour")


def test_it_does_not_let_a_user_reset_someone_elses_password(client, user):
    other = User.objects.create_user(username="bob", password=PASSWORD)
    other.roles.add(Role.objects.create(code="all", name="Everything", data_scope="all"))
    key = Token.objects.create(user=other).key
    response = _set_password(client, key, user.pk, password="Kettle42harbour")
    assert response.status_code in (403, 404)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# -- captcha on the token endpoint ---------------------------------------------------------------------


def test_it_wants_a_captcha_on_the_token_endpoint_after_repeated_failures(client, settings, user):
    captcha = client.get("/api/v1/auth/captcha/", REMOTE_ADDR="10.0.0.1").json()
    assert captcha["required"] is False and captcha["image_url"].endswith(f"/captcha/image/{captcha['captcha_key']}/")
    for _ in range(settings.CAPTCHA_AFTER_FAILURES):
        assert_error(get_token(client, password="wrong-password-1"), 400, "authentication_failed")
    assert client.get("/api/v1/auth/captcha/", REMOTE_ADDR="10.0.0.1").json()["required"] is True
    error = assert_error(get_token(client), 400, "captcha_required")
    assert "captcha_key" in error["message"]
    # The captcha is checked first: a wrong one answers the same whatever the password.
    right = get_token(client, **captcha_answer(client, value="nope"))
    wrong = get_token(client, password="wrong-password-1", **captcha_answer(client, value="nope"))
    assert right.status_code == wrong.status_code == 400
    assert right.json() == wrong.json() and right.json()["error"]["code"] == "captcha_invalid"
    # A captcha is good for one try only: after a wrong answer, the right one is refused too.
    answer = captcha_answer(client, value="nope")
    assert_error(get_token(client, **answer), 400, "captcha_invalid")
    assert_error(get_token(client, **{**answer, "captcha_value": "PASSED"}), 400, "captcha_invalid")
    assert get_token(client, **captcha_answer(client)).status_code == 200
    # Another address is not affected.
    assert get_token(client, ip="10.0.0.2").status_code == 200


def test_token_failures_and_login_failures_count_together(client, settings, user):
    for _ in range(settings.CAPTCHA_AFTER_FAILURES):
        get_token(client, password="wrong-password-1")
    assert 'name="captcha_1"' in client.get("/login/", REMOTE_ADDR="10.0.0.1").content.decode()


def test_token_failures_count_toward_the_lockout(client, settings, user):
    from axes.models import AccessAttempt

    get_token(client, password="wrong-password-1")
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 1


# -- token lifetime, rotation, sign-out ------------------------------------------------------------------


def test_a_token_expires_after_its_lifetime(client, settings, user):
    from datetime import timedelta

    from django.utils import timezone

    settings.API_TOKEN_TTL_HOURS = 24
    body = get_token(client).json()
    assert body["expires_at"]
    Token.objects.filter(key=body["token"]).update(created=timezone.now() - timedelta(hours=25))
    error = assert_error(client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {body['token']}"), 401, "authentication_failed")
    assert "expired" in error["message"]
    assert not Token.objects.filter(key=body["token"]).exists()
    fresh = get_token(client).json()["token"]
    assert fresh != body["token"]
    assert client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {fresh}").status_code == 200


def test_changing_the_password_revokes_the_api_tokens(client, user):
    key = get_token(client).json()["token"]
    response = client.post(f"/api/v1/org/user/{user.pk}/set-password/",
                           {"old_password": PASSWORD, "password": "Kettle42harbour"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert_error(client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}"), 401)


def test_an_administrators_reset_revokes_the_users_tokens(client, user):
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    key = get_token(client).json()["token"]
    admin_key = Token.objects.create(user=admin).key
    client.post(f"/api/v1/org/user/{user.pk}/set-password/", {"password": "Kettle42harbour"},
                content_type="application/json", HTTP_AUTHORIZATION=f"Token {admin_key}")
    assert not Token.objects.filter(key=key).exists()


def test_api_logout_revokes_the_token(client, user):
    key = get_token(client).json()["token"]
    assert client.post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert_error(client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}"), 401)
    assert AuditEvent.objects.filter(verb="token_revoked", actor=user).exists()


def test_sign_out_everywhere_over_the_api_ends_sessions_and_tokens(client, user):
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    assert browser.get("/api/v1/me/").status_code == 200
    key = get_token(client).json()["token"]
    response = client.post("/api/v1/auth/sign-out-everywhere/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json() == {"sessions": 1, "tokens": 1}
    assert browser.get("/api/v1/me/").status_code == 401
    assert_error(client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}"), 401)
    assert AuditEvent.objects.filter(verb="sign_out_everywhere", object_id=str(user.pk)).exists()


def test_an_administrator_signs_a_user_out_everywhere_but_a_user_cannot(client, user):
    key = get_token(client).json()["token"]
    other = User.objects.create_user(username="bob", password=PASSWORD)
    other_key = Token.objects.create(user=other).key
    url = f"/api/v1/org/user/{other.pk}/sign-out-everywhere/"
    assert client.post(url, HTTP_AUTHORIZATION=f"Token {key}").status_code in (403, 404)
    assert Token.objects.filter(key=other_key).exists()
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    admin_key = Token.objects.create(user=admin).key
    assert client.post(url, HTTP_AUTHORIZATION=f"Token {admin_key}").json() == {"sessions": 0, "tokens": 1}
    assert not Token.objects.filter(key=other_key).exists()
