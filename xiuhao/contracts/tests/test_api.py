"""The contracts' own API: status moves, recording a payment and the coverage engine — scoped
like every other endpoint."""

import datetime
from decimal import Decimal

import pytest

from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts.models import Contract
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, UserFactory, grant

from .conftest import days
from .factories import ContractDeviceFactory, ContractFactory, PaymentPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, clerk):
    client.force_login(clerk)
    return client


def contract_of(branch, **kwargs):
    kwargs.setdefault("start_date", days(-100))
    kwargs.setdefault("end_date", days(100))
    return ContractFactory(customer=CustomerFactory(branch=branch), branch=branch, **kwargs)


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_extend_through_the_api(api, clerk):
    contract = contract_of(clerk.branch)
    response = post(api, f"/api/v1/contracts/contract/{contract.pk}/extend/",
                    {"new_end": days(300).isoformat(), "reason": "客户申请"})
    assert response.status_code == 200, response.content
    assert response.json()["end_date"] == days(300).isoformat()
    assert contract.changes.get().reason == "客户申请"


def test_a_refused_move_answers_409_with_the_error_body(api, clerk):
    contract = contract_of(clerk.branch, status=Contract.Status.TERMINATED)
    response = post(api, f"/api/v1/contracts/contract/{contract.pk}/activate/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wrong_status"


def test_bad_input_is_refused_and_changes_nothing(api, clerk):
    contract = contract_of(clerk.branch)
    response = post(api, f"/api/v1/contracts/contract/{contract.pk}/extend/", {"new_end": "soon"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"new_end", "reason"}
    assert not contract.changes.exists()


def test_renew_and_terminate_through_the_api(api, clerk):
    contract = contract_of(clerk.branch)
    response = post(api, f"/api/v1/contracts/contract/{contract.pk}/renew/", {"code": "HT-NEXT"})
    assert response.status_code == 201 and response.json()["code"] == "HT-NEXT"
    response = post(api, f"/api/v1/contracts/contract/{contract.pk}/terminate/", {"reason": "合并"})
    assert response.status_code == 200 and response.json()["status"] == "terminated"


def test_moves_of_another_branchs_contract_are_not_found(api):
    contract = contract_of(BranchFactory())
    assert post(api, f"/api/v1/contracts/contract/{contract.pk}/terminate/", {"reason": "x"}).status_code == 404
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.ACTIVE


def test_record_payment_through_the_api(api, clerk):
    plan = PaymentPlanFactory(contract=contract_of(clerk.branch), amount=Decimal("100.00"))
    url = f"/api/v1/contracts/paymentplan/{plan.pk}/record-payment/"
    response = post(api, url, {"amount": "60.00", "paid_on": "2026-04-01", "expected_paid": "0.00"})
    assert response.status_code == 200 and response.json()["status"] == "partly_paid"
    again = post(api, url, {"amount": "60.00", "paid_on": "2026-04-01", "expected_paid": "0.00"})
    assert again.status_code == 409


# -- coverage ------------------------------------------------------------------------------------------------
def covered_device(branch, **terms):
    contract = contract_of(branch, response_hours=4, **terms)
    return ContractDeviceFactory(contract=contract, device=DeviceFactory(
        customer=contract.customer, warranty_end=days(-10), warranty_start=days(-400))).device, contract


def test_coverage_by_device_id_or_serial(api, clerk):
    device, contract = covered_device(clerk.branch)
    by_id = api.get("/api/v1/contracts/coverage/", {"device": device.pk}).json()
    assert by_id["warranty_kind"] == "contract" and by_id["in_warranty"] is True
    assert [c["code"] for c in by_id["contracts"]] == [contract.code]
    assert by_id["response_hours"] == 4 and by_id["reasons"]
    assert (by_id["parts_pct"], by_id["labour_pct"]) == ("100.00", "100.00")
    by_serial = api.get("/api/v1/contracts/coverage/", {"serial": device.serial}).json()
    assert by_serial["contracts"] == by_id["contracts"]
    from xiuhao.contracts.api import CoverageSerializer

    assert set(by_id) == set(CoverageSerializer().fields)


def test_coverage_at_a_moment_after_the_contract_is_out_of_warranty(api, clerk):
    device, _contract = covered_device(clerk.branch)
    at = datetime.datetime.combine(days(150), datetime.time(9)).isoformat() + "+08:00"
    body = api.get("/api/v1/contracts/coverage/", {"device": device.pk, "at": at}).json()
    assert body["warranty_kind"] == "out" and body["contracts"] == []


def test_coverage_of_a_device_the_user_may_not_see_is_not_found(api):
    device, _contract = covered_device(BranchFactory())
    assert api.get("/api/v1/contracts/coverage/", {"device": device.pk}).status_code == 404
    assert api.get("/api/v1/contracts/coverage/", {"serial": device.serial}).status_code == 404


def test_an_outlet_user_sees_coverage_of_their_outlets_devices_only(client):
    outlet = OutletFactory()
    user = UserFactory(kind="outlet", outlet=outlet)
    grant(user, "contracts.view_contract", "assets.view_device", data_scope="all")
    client.force_login(user)
    mine = DeviceFactory(outlet=outlet)
    theirs = DeviceFactory(outlet=OutletFactory())
    assert client.get("/api/v1/contracts/coverage/", {"device": mine.pk}).status_code == 200
    assert client.get("/api/v1/contracts/coverage/", {"device": theirs.pk}).status_code == 404


def test_coverage_needs_the_contract_view_permission_and_valid_input(client, api, clerk):
    device, _contract = covered_device(clerk.branch)
    assert api.get("/api/v1/contracts/coverage/").status_code == 400
    assert api.get("/api/v1/contracts/coverage/", {"device": device.pk, "at": "yesterday"}).status_code == 400
    stranger = UserFactory(branch=clerk.branch)
    grant(stranger, "assets.view_device")
    client.force_login(stranger)
    assert client.get("/api/v1/contracts/coverage/", {"device": device.pk}).status_code == 403


def test_the_schema_documents_the_coverage_endpoint_and_the_moves(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/contracts/coverage/" in schema
    assert "/api/v1/contracts/contract/{id}/extend/" in schema
