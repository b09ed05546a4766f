"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Every test gets the demo company (`load_demo`) on top of the regions of the data migration, and a
fresh browser context (zh-CN, downloads accepted).
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


_snapshot = {}


def _load_regions():
    """The regions of the data migration, after a flush of a transactional test removed them."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("xiuhao.org.migrations.0002_load_regions")
    migration.load_regions(apps, SimpleNamespace(connection=connection))


@pytest.fixture
def demo(live_server, transactional_db):
    """The demo company: accounts admin, dispatcher, outlet (password demo12345) and their colleagues,
    on top of the migrations' regions.

    Building it costs a few seconds (regions, then `load_demo` through the services); on SQLite the
    result is copied aside once and copied back for the next tests (the flush at the end of each
    transactional test empties every table)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    if sqlite and "db" in _snapshot:
        connection.ensure_connection()
        _snapshot["db"].backup(connection.connection)
        ContentType.objects.clear_cache()
        return
    from xiuhao.org.models import Region

    # A flush (end of a transactional test) re-creates content types and permissions with new
    # ids; the in-process cache would still hand out the old ones.
    ContentType.objects.clear_cache()
    if not Region.objects.exists():
        _load_regions()
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if sqlite:
        import sqlite3

        _snapshot["db"] = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(_snapshot["db"])


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
