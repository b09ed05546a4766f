"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Every test gets the demo company (`load_demo`) on a database that still holds the regions of the
data migration (serialized rollback), and a fresh browser context (zh-CN, downloads accepted).
Screenshots are taken only when a test fails, under e2e/artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEMO_PASSWORD = "demo12345"
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install chromium`.", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"],
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def demo(live_server):
    """The demo company: accounts admin, dispatcher, outlet (password demo12345) and their colleagues."""
    from django.core.management import call_command

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def page(request, browser, live_server, demo):
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_failed", False):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::")[-1])
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a broken page must not hide the test's own failure
            pass
    context.close()


def _login(page, live_server, username, password=DEMO_PASSWORD):
    """Log in through the login page and wait until the back office is shown."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


@pytest.fixture
def login():
    """The helper `login(page, live_server, username, password="demo12345")` (a fixture, as e2e/ is
    no package and its conftest cannot be imported by name)."""
    return _login
