"""The contract pages a clerk uses: the move actions, the covered-devices picker, the payment
plan, and the tabs contributed to the device and customer pages."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiuhao.assets.models import Device
from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts import services
from xiuhao.contracts.models import Contract, ContractDevice
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import BranchFactory

from .conftest import days
from .crud_cases import TERMS
from .factories import ContractDeviceFactory, ContractFactory, PaymentPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def contract(clerk):
    return ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch,
                           start_date=days(-100), end_date=days(100), response_hours=4)


@pytest.mark.parametrize(("status", "offered"), [
    ("active", {"extend", "renew", "terminate"}),
    ("draft", {"activate", "terminate"}),
    ("expired", {"extend", "renew"}),
    ("terminated", set()),
])
def test_the_detail_page_offers_the_moves_its_status_allows(page, contract, status, offered):
    Contract.objects.filter(pk=contract.pk).update(status=status)
    html = page.get(f"/contracts/contract/{contract.pk}/").content.decode()
    for key in ("activate", "extend", "renew", "terminate"):
        assert (f"/contracts/contract/{contract.pk}/{key}/" in html) == (key in offered), key


def test_opening_a_move_the_status_no_longer_allows_says_why(page, contract):
    response = page.get(f"/contracts/contract/{contract.pk}/activate/", follow=True)
    assert "不能" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == "active"


def test_extending_on_the_page_shows_the_new_end_and_the_history(page, contract):
    url = f"/contracts/contract/{contract.pk}/extend/"
    assert page.get(url).status_code == 200
    response = page.post(url, {"new_end": days(300).isoformat(), "reason": "客户追加"})
    assert response.status_code == 302
    html = page.get(f"/contracts/contract/{contract.pk}/?tab=changes").content.decode()
    assert days(300).isoformat() in html and "客户追加" in html


def test_a_refused_extension_shows_the_reason_on_the_form(page, contract, english):
    response = page.post(f"/contracts/contract/{contract.pk}/extend/", {"new_end": days(10).isoformat(),
                                                                        "reason": "x"})
    assert response.status_code == 400
    assert "must be after the present end date" in response.content.decode()


def test_renewing_on_the_page_opens_the_new_contract(page, contract):
    response = page.post(f"/contracts/contract/{contract.pk}/renew/", {
        "code": "HT-RENEW", "start_date": days(101).isoformat(), "end_date": days(465).isoformat(),
        "amount": "12000.00"})
    new = Contract.objects.get(code="HT-RENEW")
    assert response["Location"] == f"/contracts/contract/{new.pk}/"


def test_a_contract_added_without_a_number_is_numbered_and_its_renewal_is_code_r2(page, clerk):
    form = {"name": "维保合同", "kind": "maintenance", "customer": CustomerFactory(branch=clerk.branch).pk,
            "start_date": days(-10).isoformat(), "end_date": days(300).isoformat(), "amount": "1000.00",
            "response_hours": 4, "onsite_hours": 24, "repair_hours": 72, "visits_included": 0, **TERMS}
    assert "留空则自动编号" in page.get("/contracts/contract/add/").content.decode()
    assert page.post("/contracts/contract/add/", {**form, "code": ""}).status_code == 302
    assert page.post("/contracts/contract/add/", {**form, "code": ""}).status_code == 302
    assert page.post("/contracts/contract/add/", {**form, "code": "HT-TYPED"}).status_code == 302
    month = f"HT{timezone.localdate():%Y%m}"
    numbered = list(Contract.objects.filter(code__startswith=month).order_by("code").values_list("code", flat=True))
    assert len(numbered) == 2 and int(numbered[1][-5:]) == int(numbered[0][-5:]) + 1
    assert all(len(code) == len(month) + 5 for code in numbered)
    typed = Contract.objects.get(code="HT-TYPED")
    assert services.renewal_code(typed) == "HT-TYPED-R2"


def test_the_device_picker_offers_only_registered_devices_of_the_customer(page, contract):
    mine = DeviceFactory(customer=contract.customer)
    invalid = DeviceFactory(customer=contract.customer, status=Device.Status.INVALID)
    foreign = DeviceFactory(customer=CustomerFactory(branch=contract.branch))
    html = page.get(f"/contracts/contract/{contract.pk}/?tab=devices").content.decode()
    assert mine.serial in html and invalid.serial not in html and foreign.serial not in html
    page.post(f"/contracts/contract/{contract.pk}/devices/add/", {"device": mine.pk})
    assert ContractDevice.objects.filter(contract=contract, device=mine).exists()
    page.post(f"/contracts/contract/{contract.pk}/devices/add/", {"device": invalid.pk})
    assert not ContractDevice.objects.filter(device=invalid).exists()


def test_removing_a_covered_device(page, contract):
    link = ContractDeviceFactory(contract=contract)
    page.post(f"/contracts/contract/{contract.pk}/devices/{link.pk}/remove/")
    assert not ContractDevice.objects.filter(pk=link.pk).exists()


def test_the_payment_tab_warns_when_the_instalments_do_not_add_up(page, contract):
    contract.amount = Decimal("12000.00")
    contract.save()
    PaymentPlanFactory(contract=contract, amount=Decimal("6000.00"))
    html = page.get(f"/contracts/contract/{contract.pk}/?tab=payments").content.decode()
    assert 'data-testid="plan-mismatch"' in html
    PaymentPlanFactory(contract=contract, amount=Decimal("6000.00"))
    html = page.get(f"/contracts/contract/{contract.pk}/?tab=payments").content.decode()
    assert 'data-testid="plan-mismatch"' not in html


def test_recording_a_payment_on_the_page(page, contract):
    plan = PaymentPlanFactory(contract=contract, amount=Decimal("6000.00"))
    url = f"/contracts/paymentplan/{plan.pk}/record-payment/"
    assert page.get(url).status_code == 200
    response = page.post(url, {"amount": "6000.00", "paid_on": "2026-04-01", "expected_paid": "0.00"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "paid"
    stale = page.post(url, {"amount": "1.00", "paid_on": "2026-04-01", "expected_paid": "0.00"})
    assert stale.status_code == 400


def test_the_device_page_shows_its_coverage_as_of_a_chosen_day(page, contract, english):
    device = ContractDeviceFactory(contract=contract, device=DeviceFactory(
        customer=contract.customer, warranty_start=days(-500), warranty_end=days(-200))).device
    html = page.get(f"/assets/device/{device.pk}/?tab=coverage").content.decode()
    assert contract.code in html and 'data-kind="contract"' in html and "response 4 h" in html
    later = page.get(f"/assets/device/{device.pk}/", {"tab": "coverage", "at": days(200).isoformat()},
                     HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content").content.decode()
    assert "<html" not in later and 'data-kind="out"' in later


def test_the_customer_page_lists_its_contracts_within_the_data_scope(page, contract, clerk):
    other_branch = ContractFactory(customer=contract.customer, branch=BranchFactory(), code="HT-FOREIGN")
    html = page.get(f"/customers/customer/{contract.customer.pk}/?tab=contracts").content.decode()
    assert contract.code in html and other_branch.code not in html


def test_the_customer_tab_is_n_plus_1_free(page, contract):
    url = f"/customers/customer/{contract.customer.pk}/?tab=contracts"

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert page.get(url).status_code == 200
        return len(ctx.captured_queries)

    page.get(url)
    few = queries()
    for _ in range(5):
        ContractFactory(customer=contract.customer, branch=contract.branch)
    assert queries() == few


def test_the_payment_tab_is_only_for_those_who_may_see_payments(client, contract):
    from xiuhao.org.tests.factories import UserFactory, grant

    engineer = UserFactory(branch=contract.branch)
    grant(engineer, "contracts.view_contract", "contracts.view_contractdevice")
    client.force_login(engineer)
    html = client.get(f"/contracts/contract/{contract.pk}/").content.decode()
    assert 'data-tab="devices"' in html and 'data-tab="payments"' not in html
    assert client.get(f"/contracts/contract/{contract.pk}/?tab=payments").status_code == 404
