"""The one place outside HTTP calls are made from: an httpx client whose transport can be swapped.

`INTEGRATIONS_HTTP_TRANSPORT` names (dotted path) or is a callable returning an
`httpx.BaseTransport`; tests put a replay of recorded answers there (`httpx.MockTransport`), so
nothing reaches the internet. Empty: httpx's own network transport."""

import httpx
from django.conf import settings
from django.utils.module_loading import import_string


def transport():
    factory = getattr(settings, "INTEGRATIONS_HTTP_TRANSPORT", None)
    if not factory:
        return None
    if isinstance(factory, str):
        factory = import_string(factory)
    return factory()


def client() -> httpx.Client:
    return httpx.Client(
        transport=transport(),
        timeout=getattr(settings, "INTEGRATIONS_HTTP_TIMEOUT", 10),
        headers={"User-Agent": "xiuhao-notify/1"},
    )
