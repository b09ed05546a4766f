"""Probing by side channel: whatever a user may not see answers like a missing record — a claim
of a task never offered to him, the contracts behind a device's coverage, the autocomplete of a
model he may not view."""

import datetime
import json

import pytest
from django.test import Client

from xiuhao.assets.tests.factories import device_in
from xiuhao.contracts.tests.factories import ContractDeviceFactory, ContractFactory
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import BranchFactory, UserFactory, user_with
from xiuhao.tasks import services
from xiuhao.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
MISSING = 987654321


def client_for(user):
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def body(response):
    """Status and body, without what differs between any two answers (the CSRF token, the CSP
    nonce, the request reference, the address the language switch returns to) and the id asked for."""
    import re

    text = response.content.decode().replace("987654321", "ID")
    for pattern in (r'name="csrf-token" content="[^"]*"', r'nonce="[^"]*"', r"<code>[^<]*</code>",
                    r'name="csrfmiddlewaretoken" value="[^"]*"', r'name="next" value="[^"]*"'):
        text = re.sub(pattern, "", text)
    return response.status_code, text


def test_claiming_a_task_never_offered_answers_like_a_missing_one():
    branch = BranchFactory()
    boss = UserFactory(branch=branch, is_superuser=True)
    holder = UserFactory(branch=branch, display_name="张伟")
    task = services.task_create(actor=boss, kind="task.generic", title="直接派给张伟", assignee=holder,
                                branch=branch)
    bystander = client_for(UserFactory(branch=branch))
    for url in ("/tasks/work/{}/claim/", "/api/v1/tasks/task/{}/claim/"):
        seen = bystander.post(url.format(task.pk))
        missing = bystander.post(url.format(MISSING))
        assert seen.status_code == 404 and "张伟".encode() not in seen.content
        if url.startswith("/api/"):
            assert body(seen) == body(missing)


def test_coverage_lists_only_contracts_the_user_may_open_and_names_no_other():
    mine, theirs = BranchFactory(), BranchFactory()
    device = device_in(mine)
    year = datetime.date.today().year
    secret = ContractFactory(code="HT-SECRET-1", customer=CustomerFactory(branch=theirs), branch=theirs,
                             start_date=datetime.date(year - 1, 1, 1), end_date=datetime.date(year + 1, 12, 31))
    ContractDeviceFactory(contract=secret, device=device)
    user = user_with("assets.view_device", "contracts.view_contract", branch=mine)
    c = client_for(user)
    api = c.get(f"/api/v1/contracts/coverage/?device={device.pk}")
    assert api.status_code == 200
    data = json.loads(api.content)
    assert data["contracts"] == [] and "HT-SECRET-1" not in api.content.decode()
    assert data["in_warranty"]  # the outcome still holds: the device is covered
    tab = c.get(f"/assets/device/{device.pk}/?tab=coverage", HTTP_HX_REQUEST="true")
    assert tab.status_code == 200
    html = tab.content.decode()
    assert "HT-SECRET-1" not in html and 'data-testid="hidden-contracts"' in html
    boss = client_for(UserFactory(is_superuser=True))
    assert "HT-SECRET-1" in boss.get(f"/api/v1/contracts/coverage/?device={device.pk}").content.decode()


def test_the_autocomplete_needs_the_view_permission_of_its_model():
    branch = BranchFactory()
    CustomerFactory(branch=branch, name="深圳医院")
    TaskFactory(branch=branch, title="机密任务")
    nobody = client_for(UserFactory(branch=branch))
    unknown = nobody.get("/core/choices/no.such/?q=x")
    for label in ("customers.customer", "tasks.task", "contracts.contract", "assets.device"):
        response = nobody.get(f"/core/choices/{label}/?q=深")
        assert body(response) == body(unknown), label
    viewer = client_for(user_with("customers.view_customer", data_scope="all", branch=branch))
    assert json.loads(viewer.get("/core/choices/customers.customer/?q=深").content)["results"][0]["text"] == "深圳医院"
    # people and regions are picked on every user's forms (a colleague to transfer a task to)
    assert nobody.get("/core/choices/org.region/?q=广东").status_code == 200
    assert nobody.get("/core/choices/org.user/?q=a").status_code == 200
