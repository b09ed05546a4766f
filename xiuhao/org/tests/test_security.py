"""Login security as a user (or an attacker) meets it: captcha, lockout, client IP behind proxies,
IP allow-lists, two-factor login, password policy, session timeouts, secure headers, rate limits,
and the production settings passing `check --deploy`."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xiuhao.core.models import AuditEvent
from xiuhao.org.models import Role, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "Passw0rd!x"
BASE_DIR = Path(__file__).resolve().parents[3]

LOCKOUT_MESSAGE = "Too many failed logins"
RATE_MESSAGE = "Too many login attempts from your address. Please wait a minute."
IP_LOGIN_MESSAGE = "You may not log in from this IP address."
IP_SESSION_MESSAGE = "You may not use the system from this IP address."
EXPIRED_MESSAGE = "Your session has expired. Please log in again."
BAD_CODE_MESSAGE = "The code is not correct or has expired."


@pytest.fixture
def user():
    return User.objects.create_user(username="alice", password=PASSWORD, display_name="Alice")


def login(client, username="alice", password=PASSWORD, ip="10.0.0.1", captcha=True, **extra):
    data = {"username": username, "password": password}
    if captcha:
        data.update({"captcha_0": "test", "captcha_1": "PASSED"})
    return client.post("/login/", data, REMOTE_ADDR=ip, **extra)


def fail_until_locked(client, ip="10.0.0.1", limit=None, **extra):
    from django.conf import settings

    for _ in range(limit or settings.AXES_FAILURE_LIMIT):
        login(client, password="wrong-password-1", ip=ip, **extra)


def page_text(response):
    return response.content.decode()


# -- login ---------------------------------------------------------------------------------------


def test_it_logs_in_with_the_right_password_and_goes_to_home(client, user):
    response = login(client, captcha=False)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert AuditEvent.objects.filter(action="login", actor=user).exists()


def test_it_shows_an_error_and_records_a_failed_login_for_a_wrong_password(client, user):
    response = login(client, password="not-my-password1", captcha=False)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert "Please enter a correct username and password" in page_text(response)
    event = AuditEvent.objects.get(action="login_failed")
    assert "alice" in event.message
    assert event.ip == "10.0.0.1"


def test_it_asks_for_a_captcha_after_repeated_failures_from_one_address(client, settings, user):
    assert "captcha_1" not in page_text(client.get("/login/", REMOTE_ADDR="10.0.0.1"))
    for _ in range(settings.CAPTCHA_AFTER_FAILURES):
        login(client, password="wrong-password-1", captcha=False)
    assert 'name="captcha_1"' in page_text(client.get("/login/", REMOTE_ADDR="10.0.0.1"))
    # Another address is not bothered.
    assert "captcha_1" not in page_text(client.get("/login/", REMOTE_ADDR="10.0.0.2"))

    response = login(client, captcha=False)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session

    response = login(client, captcha=True)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_it_shows_the_captcha_with_the_error_on_the_failure_that_makes_it_necessary(client, settings, user):
    for _ in range(settings.CAPTCHA_AFTER_FAILURES - 1):
        login(client, password="wrong-password-1", captcha=False)
    response = login(client, password="wrong-password-1", captcha=False)
    text = page_text(response)
    assert response.status_code == 400
    assert 'name="captcha_1"' in text
    assert "Please enter a correct username and password" in text
    assert 'value="alice"' in text


def test_it_counts_each_wrong_password_once_toward_the_lockout(client, settings, user):
    fail_until_locked(client, limit=settings.AXES_FAILURE_LIMIT - 1)
    assert AuditEvent.objects.filter(action="login_failed").count() == settings.AXES_FAILURE_LIMIT - 1
    assert login(client).status_code == 302


def test_it_locks_the_user_out_from_that_address_after_too_many_failures(client, user):
    fail_until_locked(client, ip="10.0.0.1")
    response = login(client, ip="10.0.0.1")
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in page_text(response)
    assert "_auth_user_id" not in client.session

    # The lockout is keyed on user + address: the same user elsewhere still gets in.
    response = login(client, ip="10.0.0.2")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_it_does_not_lock_out_other_users_from_the_same_address(client, user):
    User.objects.create_user(username="bob", password=PASSWORD)
    fail_until_locked(client, ip="10.0.0.1")
    response = login(client, username="bob", ip="10.0.0.1")
    assert response.status_code == 302


# -- client IP behind proxies ------------------------------------------------------------------------


def test_it_ignores_x_forwarded_for_without_trusted_proxies(client, settings, user):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, password="wrong-password-1", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    # A forged header does not escape the lockout of the real address.
    response = login(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip", flat=True)) == {"10.0.0.1"}


def test_it_uses_the_right_most_forwarded_address_behind_one_proxy(client, settings, user):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    # The client may prepend anything; the proxy appends the address it saw.
    fail_until_locked(client, ip=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip", flat=True)) == {"203.0.113.5"}

    response = login(client, ip=proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    assert response.status_code == 429
    # Another client behind the same proxy is not locked out.
    response = login(client, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert response.status_code == 302


def test_it_falls_back_to_the_connection_address_when_x_forwarded_for_is_garbage(client, settings, user):
    settings.TRUSTED_PROXY_COUNT = 1
    login(client, password="wrong-password-1", ip="10.0.0.7", captcha=False, HTTP_X_FORWARDED_FOR="not-an-ip")
    login(client, password="wrong-password-1", ip="10.0.0.8", captcha=False, HTTP_X_FORWARDED_FOR="")
    ips = set(AuditEvent.objects.filter(action="login_failed").values_list("ip", flat=True))
    assert ips == {"10.0.0.7", "10.0.0.8"}


# -- IP allow-lists -----------------------------------------------------------------------------------


def test_it_refuses_login_from_outside_the_users_ip_allow_list(client, user):
    user.ip_allowlist = "192.168.1.0/24, 10.9.9.9"
    user.save()
    response = login(client, ip="10.0.0.1", captcha=False)
    assert response.status_code == 400
    assert IP_LOGIN_MESSAGE in page_text(response)
    assert "_auth_user_id" not in client.session

    response = login(client, ip="192.168.1.20", captcha=False)
    assert response.status_code == 302


def test_it_refuses_login_from_outside_a_roles_ip_allow_list(client, user):
    role = Role.objects.create(code="office", name="Office only", data_scope="all", ip_allowlist="172.16.0.0/16")
    user.roles.add(role)
    response = login(client, ip="10.0.0.1", captcha=False)
    assert response.status_code == 400
    assert IP_LOGIN_MESSAGE in page_text(response)

    response = login(client, ip="172.16.3.4", captcha=False)
    assert response.status_code == 302


def test_it_ignores_the_allow_list_of_a_disabled_role(client, user):
    role = Role.objects.create(code="office", name="Office only", data_scope="all", ip_allowlist="172.16.0.0/16",
                               status="disabled")
    user.roles.add(role)
    assert login(client, ip="10.0.0.1", captcha=False).status_code == 302


def test_it_logs_out_a_session_used_from_a_disallowed_address(client, user):
    user.ip_allowlist = "192.168.1.0/24"
    user.save()
    assert login(client, ip="192.168.1.20", captcha=False).status_code == 302
    assert client.get("/profile/", REMOTE_ADDR="192.168.1.20").status_code == 200

    response = client.get("/profile/", REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url, REMOTE_ADDR="10.0.0.1")
    assert IP_SESSION_MESSAGE in page_text(page)
    # The session is gone for good, also from the allowed address.
    assert client.get("/profile/", REMOTE_ADDR="192.168.1.20").status_code == 302


# -- two-factor login ------------------------------------------------------------------------------------


def _valid_codes(device):
    return {f"{totp(device.bin_key, drift=device.drift + d):06d}" for d in (-1, 0, 1)}


def _wrong_code(device):
    valid = _valid_codes(device)
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _next_code(device):
    """The code the phone shows next: valid, and not the one already used."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, drift=device.drift + 1):06d}"


def test_it_makes_users_of_a_totp_role_set_up_two_factor_login_before_anything_else(client, settings, user):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    role = Role.objects.create(code="finance", name="Finance", data_scope="all", require_totp=True)
    user.roles.add(role)
    assert login(client, captcha=False).status_code == 302

    for path in ("/", "/profile/", "/search/?q=x"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/profile/otp/setup/"), path
    # The session API is held back too.
    assert client.get("/api/v1/me/").status_code == 401

    page = client.get("/profile/otp/setup/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page_text(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = page.context["secret"]
    assert secret in page_text(page)
    assert 'name="otp_token"' in page_text(page)

    response = client.post("/profile/otp/setup/", {"otp_token": _wrong_code(device)})
    assert response.status_code == 200
    assert BAD_CODE_MESSAGE in page_text(response)
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post("/profile/otp/setup/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    assert response.url == "/profile/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/profile/").status_code == 200

    # Next time: password, then the code, then home.
    client.post("/logout/")
    response = login(client, captcha=False)
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/otp/")
    assert client.get("/profile/").url.startswith("/login/otp/")
    # A password alone cannot enrol a second device to skip the code.
    assert client.get("/profile/otp/setup/").url.startswith("/login/otp/")

    verify_url = response.url
    page = client.get(verify_url)
    assert page.status_code == 200
    assert 'name="otp_token"' in page_text(page)

    response = client.post(verify_url, {"otp_token": _wrong_code(device)})
    assert response.status_code == 200
    assert BAD_CODE_MESSAGE in page_text(response)
    assert client.get("/").status_code == 302

    response = client.post(verify_url, {"otp_token": _next_code(device)})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_it_asks_users_with_a_device_for_the_code_even_without_a_totp_role(client, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert login(client, captcha=False).status_code == 302
    assert client.get("/profile/").url.startswith("/login/otp/")
    response = client.post("/login/otp/?next=/profile/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    assert response.url == "/profile/"
    page = client.get("/profile/")
    assert page.status_code == 200
    assert page.context["has_totp"] is True


# -- password policy ----------------------------------------------------------------------------------------


def _change_password(client, new, old=PASSWORD, again=None):
    return client.post("/profile/", {"old_password": old, "new_password": new,
                                     "new_password2": new if again is None else again})


@pytest.mark.parametrize("weak", ["abcdefgh", "12345678", "abc123", "password1"])
def test_it_refuses_weak_passwords_on_the_profile_page(client, user, weak):
    assert login(client, captcha=False).status_code == 302
    response = _change_password(client, weak)
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_it_explains_that_a_password_needs_letters_and_digits(client, user):
    login(client, captcha=False)
    for weak in ("abcdefghxy", "73915846"):
        response = _change_password(client, weak)
        assert "The password must contain both letters and digits." in page_text(response)


def test_it_changes_the_password_on_the_profile_page_with_the_old_password(client, user):
    login(client, captcha=False)
    response = _change_password(client, "Kettle42harbour", old="not-the-old-one1")
    assert response.status_code == 400
    assert "The current password is not correct." in page_text(response)

    response = _change_password(client, "Kettle42harbour", again="Kettle42harbouR")
    assert response.status_code == 400
    assert "The two passwords do not match." in page_text(response)

    response = _change_password(client, "Kettle42harbour")
    assert response.status_code == 302
    assert response.url == "/profile/"
    user.refresh_from_db()
    assert user.check_password("Kettle42harbour")
    assert user.password_changed_at is not None
    # Still logged in after the change; the success message is shown.
    page = client.get("/profile/")
    assert page.status_code == 200
    assert "Your password was changed." in page_text(page)
    assert AuditEvent.objects.filter(verb="password_change", object_id=str(user.pk)).exists()


def test_it_shows_the_profile_with_roles_and_two_factor_status(client, user):
    role = Role.objects.create(code="dispatcher", name="Dispatcher", data_scope="branch", require_totp=False)
    user.roles.add(role)
    login(client, captcha=False)
    page = client.get("/profile/")
    text = page_text(page)
    assert page.status_code == 200
    assert "alice" in text and "Alice" in text
    assert "Dispatcher" in text
    assert "Own branch" in text
    assert 'href="/profile/otp/setup/"' in text
    assert page.context["has_totp"] is False and page.context["totp_required"] is False


# -- session timeouts ----------------------------------------------------------------------------------------


def _logged_in(client):
    assert login(client, captcha=False).status_code == 302
    assert client.get("/profile/").status_code == 200  # stamps xh_started / xh_last


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_it_logs_out_after_the_idle_timeout(client, settings, user):
    _logged_in(client)
    _age_session(client, xh_last=settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert "_auth_user_id" not in client.session
    assert EXPIRED_MESSAGE in page_text(client.get(response.url))


def test_it_keeps_an_active_session(client, settings, user):
    _logged_in(client)
    _age_session(client, xh_last=settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get("/profile/").status_code == 200
    assert int(time.time()) - client.session["xh_last"] < 5


def test_it_logs_out_after_the_absolute_timeout_even_when_active(client, settings, user):
    _logged_in(client)
    _age_session(client, xh_started=settings.SESSION_ABSOLUTE_TIMEOUT + 5, xh_last=0)
    response = client.get("/profile/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert EXPIRED_MESSAGE in page_text(client.get(response.url))


def test_it_answers_an_expired_api_session_with_401(client, settings, user):
    _logged_in(client)
    _age_session(client, xh_last=settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == EXPIRED_MESSAGE


# -- secure headers ---------------------------------------------------------------------------------------------


def test_it_sends_strict_security_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    script_src = directives["script-src"]
    assert "'self'" in script_src
    assert any(s.startswith("'nonce-") for s in script_src)
    assert "'unsafe-eval'" not in csp
    assert "'unsafe-inline'" not in script_src
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # The nonce in the header is the one on the page's scripts.
    nonce = next(s for s in script_src if s.startswith("'nonce-"))[7:-1]
    assert f'nonce="{nonce}"' in page_text(response)


def test_it_has_no_inline_scripts_in_the_security_pages(client, user):
    login(client, captcha=False)
    for path in ("/profile/", "/profile/otp/setup/"):
        text = page_text(client.get(path))
        for chunk in text.split("<script")[1:]:
            tag, _, rest = chunk.partition(">")
            assert "src=" in tag, path
            assert rest.startswith("</script>"), path


# -- rate limit ----------------------------------------------------------------------------------------------------


def test_it_rate_limits_login_attempts_per_address(client, settings, user):
    # "/h" rather than "/m": the same limit without a window boundary falling inside the test.
    settings.LOGIN_RATE = "3/h"
    for _ in range(3):
        assert login(client, password="wrong-password-1").status_code == 400
    response = login(client)  # even the right password
    assert response.status_code == 429
    assert RATE_MESSAGE in page_text(response)
    assert "_auth_user_id" not in client.session
    # Refused before the password is tried: no fourth failure is recorded.
    assert AuditEvent.objects.filter(action="login_failed").count() == 3
    # Other addresses are not limited.
    assert login(client, ip="10.0.0.2").status_code == 302


# -- production settings ------------------------------------------------------------------------------------------


def _run_manage(*args, **env_overrides):
    return _run_python(None, *args, **env_overrides)


def _run_python(code, *args, **env_overrides):
    """`manage.py args` (or `python -c code`) with the production settings and the given environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "CAPTCHA_TEST_MODE",
                        "DJANGO_ALLOW_ASYNC_UNSAFE")}  # the browser tests set it for Playwright
    env.update({"DJANGO_SETTINGS_MODULE": "xiuhao.config.production"})
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    for k in [k for k, v in env.items() if v == ""]:
        del env[k]
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=180)


def test_it_passes_the_django_deployment_check_in_production():
    # DEBUG=1 in the environment must not switch debug on in production.
    result = _run_manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.com",
                         DEBUG="1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


@pytest.mark.parametrize("secret_key", [None, "dev-only-insecure-key-change-me-in-production-0123456789", "short"])
def test_it_refuses_to_start_in_production_without_a_real_secret_key(secret_key):
    result = _run_manage("check", SECRET_KEY=secret_key, ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_to_start_in_production_without_allowed_hosts():
    result = _run_manage("check", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_it_switches_debug_and_captcha_test_mode_off_in_production():
    code = ("import django; django.setup(); from django.conf import settings; import captcha.conf.settings as c; "
            "print(settings.DEBUG, settings.CAPTCHA_TEST_MODE, c.CAPTCHA_TEST_MODE, settings.SESSION_COOKIE_SECURE)")
    result = _run_python(code, SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.com",
                         CAPTCHA_TEST_MODE="1", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "True"]


def test_it_sends_plain_http_to_https_in_production_but_not_the_health_probe(tmp_path):
    code = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/login/', HTTP_HOST='example.com'); print(r.status_code, r['Location']); "
        "r = c.get('/healthz', HTTP_HOST='example.com'); print(r.status_code)"
    )
    result = _run_python(code, SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.com",
                         TRUSTED_PROXY_COUNT="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                         HUEY_SQLITE=str(tmp_path / "huey.sqlite3"), REDIS_URL="")
    assert result.returncode == 0, result.stderr
    redirect, health = result.stdout.strip().splitlines()[-2:]
    assert redirect == "301 https://example.com/login/"
    assert health in ("200", "503")


def test_a_wrong_captcha_answers_the_same_whatever_the_password(client, settings, user):
    for _ in range(settings.CAPTCHA_AFTER_FAILURES):
        login(client, password="wrong-password-1", captcha=False)
    from axes.models import AccessAttempt

    before = AccessAttempt.objects.get(username="alice").failures_since_start
    data = {"captcha_0": "test", "captcha_1": "WRONG"}
    right = client.post("/login/", {"username": "alice", "password": PASSWORD, **data}, REMOTE_ADDR="10.0.0.1")
    wrong = client.post("/login/", {"username": "alice", "password": "wrong-password-1", **data}, REMOTE_ADDR="10.0.0.1")
    assert right.status_code == wrong.status_code == 400
    assert right.context["form"].errors == wrong.context["form"].errors
    assert set(right.context["form"].errors) == {"captcha"}
    # The password was not tried at all.
    assert AccessAttempt.objects.get(username="alice").failures_since_start == before
    assert "_auth_user_id" not in client.session


def test_sign_out_everywhere_from_the_profile_page(client, user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    other_device = Client()
    other_device.force_login(user)
    key = Token.objects.create(user=user).key
    client.force_login(user)
    assert 'data-testid="sign-out-everywhere"' in page_text(client.get("/profile/"))
    response = client.post("/profile/", {"action": "sign_out_everywhere"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert other_device.get("/profile/").status_code == 302
    assert client.get("/profile/").status_code == 302
    assert not Token.objects.filter(key=key).exists()


def test_an_administrator_signs_a_user_out_everywhere_from_the_user_page(client, user):
    from django.test import Client

    from xiuhao.core.registry import registry
    from xiuhao.org.models import Employee

    other_device = Client()
    other_device.force_login(user)
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    client.force_login(admin)
    User.objects.filter(pk=user.pk).update(kind="staff")
    config = registry.for_model(Employee)
    url = config.url("detail", user) + "sign-out-everywhere/"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert other_device.get("/profile/").status_code == 302
