import time
import pytest


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def test_smoke(page, live_server, login):
    t=time.monotonic()
    login(page, live_server, "admin")
    print("login", time.monotonic()-t, page.url)
    print(page.locator(".xh-menu").inner_html()[:3000])
    print(page.locator("header").inner_text())
    page.goto(live_server.url + "/org/employee/")
    print(page.locator("#main").inner_text()[:2000])
    page.goto(live_server.url + "/org/department/add/")
    print(page.locator("#main").inner_html()[:5000])
