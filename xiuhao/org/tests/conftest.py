import pytest


@pytest.fixture
def english(settings):
    """Messages in English, so that tests can compare them with the msgids (the root conftest
    already makes the captcha answerable and clears the cache)."""
    settings.LANGUAGE_CODE = "en"
