"""Error pages: 400, 403, the refused form (CSRF), 404, 429 and 500 come in the app's layout and the
user's language with a way back, tell nothing of what went wrong inside, and 500 renders even when
the database and the context processors fail. DEBUG is off, as in production."""

import pytest
from django.test import Client

from xiuhao.org.tests.factories import UserFactory, user_with

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xiuhao.core.tests.error_urls")]

TITLES = {
    "en": {400: "Bad request", 403: "Access denied", 404: "Page not found", 429: "Too many requests",
           500: "Server error", "csrf": "The form has expired", "home": "Home page", "back": "Back"},
    "zh-hans": {400: "请求有误", 403: "没有权限", 404: "页面不存在", 429: "请求过于频繁",
                500: "服务器出错了", "csrf": "表单已失效", "home": "首页", "back": "返回"},
}
LANGUAGES = pytest.mark.parametrize("language", ["en", "zh-hans"])


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def browser(language, user=None, **kwargs):
    client = Client(raise_request_exception=False, **kwargs)
    client.cookies["xiuhao_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def page(response):
    return response.content.decode()


def assert_in_layout(html, language, status, title):
    assert 'data-testid="error-page"' in html and f'data-status="{status}"' in html
    assert title in html
    assert 'data-testid="error-home"' in html and TITLES[language]["home"] in html
    assert "xh-sidebar" in html  # the back office's menu and top bar, not a bare page
    assert "Traceback" not in html


@LANGUAGES
def test_a_missing_page_is_a_404_in_the_layout_with_the_menu(language):
    user = user_with("customers.view_customer")
    response = browser(language, user).get("/no-such-page/", HTTP_REFERER="http://testserver/customers/customer/")
    assert response.status_code == 404
    html = page(response)
    assert_in_layout(html, language, 404, TITLES[language][404])
    assert 'href="http://testserver/customers/customer/"' in html and TITLES[language]["back"] in html
    assert "/customers/customer/" in html  # the menu entry the user may open


@LANGUAGES
def test_a_page_without_the_permission_is_a_403_in_the_layout(language):
    response = browser(language, UserFactory()).get("/customers/customer/")
    assert response.status_code == 403
    assert_in_layout(page(response), language, 403, TITLES[language][403])


@LANGUAGES
def test_a_bad_request_is_a_400_page(language):
    response = browser(language, UserFactory()).get("/", HTTP_HOST="evil.example")  # not an allowed host
    assert response.status_code == 400
    html = page(response)
    assert TITLES[language][400] in html and 'data-testid="error-home"' in html
    assert "evil.example" not in html


@LANGUAGES
def test_a_refused_form_says_it_expired_and_offers_a_way_back(language):
    client = browser(language, user_with("org.view_branch", "org.add_branch"), enforce_csrf_checks=True)
    response = client.post("/org/branch/add/", {"code": "x", "name": "x"},
                           HTTP_REFERER="http://testserver/org/branch/add/")
    assert response.status_code == 403
    html = page(response)
    assert_in_layout(html, language, 403, TITLES[language]["csrf"])
    assert "CSRF" not in html and "Referer" not in html  # the reason is logged, not shown
    assert 'href="http://testserver/org/branch/add/"' in html


@LANGUAGES
def test_a_rate_limit_answers_429_in_the_layout(language):
    response = browser(language, UserFactory()).get("/throttled/")
    assert response.status_code == 429
    assert_in_layout(page(response), language, 429, TITLES[language][429])


def test_an_error_on_a_phone_page_uses_the_phone_layout():
    response = browser("zh-hans", UserFactory()).get("/m/boom-throttled/")
    assert response.status_code == 429
    html = page(response)
    assert "weui" in html and "xh-sidebar" not in html and 'href="/m/"' in html


@LANGUAGES
def test_a_server_error_shows_a_bare_page_without_details(language):
    response = browser(language, UserFactory()).get("/boom/", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500
    html = page(response)
    assert TITLES[language][500] in html and 'data-testid="error-home"' in html
    assert "req-500" in html  # a reference to quote to support
    assert "hunter2" not in html and "RuntimeError" not in html and "/srv/" not in html


def test_a_server_error_renders_when_the_database_and_the_context_processors_fail(settings):
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"],
        "context_processors": [*processors, "xiuhao.core.tests.test_error_pages.database_down"]}}]
    response = browser("en").get("/database-down/")
    assert response.status_code == 500
    html = page(response)
    assert "Server error" in html and "5432" not in html and "db.internal" not in html


def test_a_404_whose_layout_fails_falls_back_to_the_bare_page(settings):
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"],
        "context_processors": [*processors, "xiuhao.core.tests.test_error_pages.database_down"]}}]
    response = browser("en").get("/no-such-page/")
    assert response.status_code == 404
    html = page(response)
    assert "Page not found" in html and "db.internal" not in html


def database_down(request):
    from django.db import OperationalError

    raise OperationalError("could not connect to server (db.internal:5432)")


def test_the_api_keeps_its_error_body():
    client = browser("en", UserFactory())
    missing = client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    failed = client.get("/api/v1/boom/")
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "server_error"
    assert "hunter2" not in failed.content.decode()


def test_an_htmx_request_gets_a_message_for_its_target_not_a_second_layout():
    response = browser("en", UserFactory()).get("/no-such-page/", HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    html = page(response)
    assert "Page not found" in html and "<html" not in html and "xh-sidebar" not in html
