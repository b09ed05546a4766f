"""Test settings shared by the whole suite: jobs run inline, captcha answers "PASSED",
a private cache per test; and the fixtures every app's tests use (`english`, `branch`).

An app's own fixtures live in its tests/conftest.py and its factories in tests/factories.py;
a user holding some permissions is `xiuhao.org.tests.factories.user_with(*perms, ...)`."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, monkeypatch):
    from huey.contrib.djhuey import HUEY  # built at import: switch the live instance to inline jobs

    monkeypatch.setattr(HUEY, "immediate", True)
    settings.CAPTCHA_TEST_MODE = True
    import captcha.conf.settings as captcha_settings  # reads the setting once, at import

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(settings.VAR_DIR / "test-media")
    settings.MAP_TILE_URL = ""  # maps show markers on a plain background: no tile server in tests
    (settings.VAR_DIR / "staticfiles").mkdir(exist_ok=True)  # whitenoise warns when STATIC_ROOT is missing
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(settings):
    """Messages in English, so that tests can compare them with the msgids."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def branch(db):
    """A branch (分公司) to anchor a test's records and users in."""
    from xiuhao.org.tests.factories import BranchFactory

    return BranchFactory()


@pytest.fixture(autouse=True)
def _regions_present(request):
    """A transactional test ends with a flush that empties every table, the regions of the data
    migration too; a later test on the same worker gets them back before it starts."""
    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None and not names & {"db", "transactional_db"}:
        yield
        return
    for name in ("transactional_db", "db"):
        if name in names:
            request.getfixturevalue(name)
            break
    from xiuhao.org.models import Region

    if not Region.objects.exists():
        load_regions()
    yield


def load_regions():
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("xiuhao.org.migrations.0002_load_regions")
    migration.load_regions(apps, SimpleNamespace(connection=connection))
