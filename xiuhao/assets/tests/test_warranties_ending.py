"""保修到期: the list of devices whose warranty ends soon (customer, model, end date, the contract
covering each or a button to offer one), within the user's scope; the alert job folds many
devices of one recipient into one digest notice."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from xiuhao.assets import jobs
from xiuhao.contracts.models import Contract
from xiuhao.contracts.tests.factories import ContractDeviceFactory, ContractFactory
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import BranchFactory, UserFactory, user_with
from xiuhao.tasks.models import Message

from .factories import device_in

pytestmark = pytest.mark.django_db


def ending(branch, days, **kwargs):
    return device_in(branch, warranty_end=timezone.localdate() + datetime.timedelta(days=days), **kwargs)


def page(user, days=""):
    c = Client()
    c.force_login(user)
    return c.get("/assets/warranties-ending/" + (f"?days={days}" if days else ""))


def test_devices_ending_soon_are_listed_soonest_first_within_the_scope():
    branch, other = BranchFactory(), BranchFactory()
    later, sooner = ending(branch, 20), ending(branch, 3)
    ending(branch, 100)
    ending(other, 5)
    user = user_with("assets.view_device", branch=branch)
    response = page(user)
    assert [line["device"] for line in response.context["lines"]] == [sooner, later]
    assert [line["days_left"] for line in response.context["lines"]] == [3, 20]
    assert [line["device"] for line in page(user, 180).context["lines"]][-1].warranty_end > later.warranty_end


def test_each_device_shows_its_contract_or_an_offer():
    branch = BranchFactory()
    covered, bare = ending(branch, 10), ending(branch, 12)
    today = timezone.localdate()
    contract = ContractFactory(customer=covered.customer, branch=branch, status=Contract.Status.ACTIVE,
                               start_date=today - datetime.timedelta(days=30),
                               end_date=today + datetime.timedelta(days=300))
    ContractDeviceFactory(contract=contract, device=covered)
    seller = user_with("assets.view_device", "contracts.view_contract", "contracts.add_contract", branch=branch)
    lines = {line["device"]: line for line in page(seller).context["lines"]}
    assert lines[covered]["contract"][0] == contract.code
    assert lines[bare]["contract"] is None
    assert lines[bare]["offer_url"] == f"/contracts/contract/add/?customer={bare.customer_id}"
    viewer = user_with("assets.view_device", branch=branch)
    lines = {line["device"]: line for line in page(viewer).context["lines"]}
    assert lines[covered]["contract"] is None and lines[bare]["offer_url"] == ""


def test_the_list_needs_the_device_permission():
    assert page(UserFactory()).status_code == 403


def test_many_devices_of_one_recipient_make_one_digest_notice(settings, django_capture_on_commit_callbacks):
    settings.WARRANTY_ALERT_DAYS = [30, 7]
    branch = BranchFactory()
    owner, other = UserFactory(), UserFactory()
    customer = CustomerFactory(branch=branch, owner=owner)
    devices = [ending(branch, d, customer=customer) for d in (3, 12, 25)]
    ending(branch, 9, customer=CustomerFactory(branch=branch, owner=other))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_warranty_alerts() == 4
    digest = Message.objects.get(recipient=owner)
    assert "3" in digest.subject and all(d.serial in digest.body for d in devices)
    assert digest.url == "/assets/warranties-ending/?days=30"
    assert Message.objects.filter(recipient=other).count() == 1
