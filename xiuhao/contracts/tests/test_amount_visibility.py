"""A contract's money (amount, deposit, monthly fee, excess price — and the instalments' and
counter charges' amounts) is for the office: outlet users and engineers see the contract and its
terms of service but not what it costs. Finance and the service manager see it."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from xiuhao.core.registry import registry
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import user_in_demo_role, user_with

from .conftest import days
from .factories import ContractFactory, PaymentPlanFactory

pytestmark = pytest.mark.django_db

CONTRACT = registry.configs["contracts.contract"]
MONEY = {"amount": "98765.43", "deposit": "2345.67", "monthly_fee": "876.54", "excess_price": "0.0777"}


@pytest.fixture
def contract(branch):
    return ContractFactory(customer=CustomerFactory(branch=branch), branch=branch, code="HT-MONEY", kind="rental",
                           start_date=days(-100), end_date=days(100), monthly_quota=1000,
                           **{k: Decimal(v) for k, v in MONEY.items()})


@pytest.fixture(params=["outlet", "engineer"])
def outsider(request):
    return user_in_demo_role(request.param)


def texts(client, contract):
    return [client.get(url).content.decode() for url in (
        CONTRACT.url("list"), CONTRACT.url("detail", contract), "/api/v1/contracts/contract/",
        f"/api/v1/contracts/contract/{contract.pk}/", f"/customers/customer/{contract.customer_id}/?tab=contracts")]


def test_outlet_users_and_engineers_see_the_contract_but_not_its_money(client, contract, outsider):
    client.force_login(outsider)
    for text in texts(client, contract):
        assert "HT-MONEY" in text
        assert not [v for v in MONEY.values() if v in text]
    assert not set(MONEY) & set(client.get(f"/api/v1/contracts/contract/{contract.pk}/").json())


def test_finance_and_the_service_manager_see_the_money(client, contract):
    for code in ("finance", "dispatcher"):
        client.force_login(user_in_demo_role(code))
        list_page, detail, api_list, api_detail, customer_tab = texts(client, contract)
        assert MONEY["amount"] in list_page and MONEY["amount"] in customer_tab and MONEY["amount"] in api_list
        assert all(v in detail and v in api_detail for v in MONEY.values())


def test_the_export_and_the_sorting_leave_the_amount_out(client, branch):
    for code, amount in (("HT-A", "1.00"), ("HT-B", "900.00")):
        ContractFactory(customer=CustomerFactory(branch=branch), branch=branch, code=code, amount=Decimal(amount))
    client.force_login(user_in_demo_role("finance"))
    by_amount = [r["code"] for r in client.get("/api/v1/contracts/contract/", {"ordering": "amount"}).json()["results"]]
    assert by_amount == ["HT-A", "HT-B"]
    client.force_login(user_with("contracts.view_contract", "contracts.export_contract", data_scope="all"))
    sheet = load_workbook(io.BytesIO(client.get(CONTRACT.url("export")).content)).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "HT-A" in text and "900" not in text
    codes = [r["code"] for r in client.get("/api/v1/contracts/contract/", {"ordering": "amount"}).json()["results"]]
    assert codes == ["HT-B", "HT-A"]  # the default order (newest first), not by amount


def test_payment_and_reading_tabs_hide_the_amounts_from_a_user_without_the_permission(client, contract):
    PaymentPlanFactory(contract=contract, amount=Decimal("4444.44"))
    client.force_login(user_with("contracts.view_contract", "contracts.view_paymentplan",
                                 "contracts.view_counterreading", data_scope="all"))
    payments = client.get(CONTRACT.url("detail", contract) + "?tab=payments").content.decode()
    assert 'data-testid="payment-plan"' in payments and "4444.44" not in payments
    assert "plan-mismatch" not in payments  # the warning would tell the contract amount
    readings = client.get(CONTRACT.url("detail", contract) + "?tab=readings").content.decode()
    assert 'data-testid="readings"' in readings and MONEY["excess_price"] not in readings


def test_an_edit_by_a_user_without_the_permission_keeps_the_money(client, contract, english):
    clerk = user_with("contracts.view_contract", "contracts.change_contract", data_scope="all")
    client.force_login(clerk)
    response = client.patch(f"/api/v1/contracts/contract/{contract.pk}/",
                            {"amount": "1.00", "deposit": "1.00", "remark": "改过"}, content_type="application/json")
    assert response.status_code == 200, response.content
    form = client.get(CONTRACT.url("edit", contract)).content.decode()
    assert 'name="remark"' in form and 'name="amount"' not in form and MONEY["amount"] not in form
    contract.refresh_from_db()
    assert contract.remark == "改过"
    assert {k: str(getattr(contract, k)) for k in MONEY} == MONEY

    CONTRACT.update(actor=user_in_demo_role("dispatcher"), obj=contract, data={"amount": Decimal("11111.11")})
    client.force_login(user_in_demo_role("outlet"))
    history = client.get(CONTRACT.url("detail", contract) + "?tab=history").content.decode()
    assert "hidden" in history and "11111.11" not in history and MONEY["amount"] not in history


def test_the_schema_says_the_money_is_present_only_with_the_permission(client):
    client.force_login(user_in_demo_role("admin"))
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    amount = schema["components"]["schemas"]["Contract"]["properties"]["amount"]
    assert "contracts.view_amount_contract" in amount["description"]


def test_a_renewal_by_a_user_without_the_permission_keeps_the_amount(client, contract):
    clerk = user_with("contracts.view_contract", "contracts.add_contract", data_scope="all")
    client.force_login(clerk)
    form = client.get(CONTRACT.url("renew", contract)).content.decode()
    assert 'name="end_date"' in form and 'name="amount"' not in form and MONEY["amount"] not in form
    response = client.post(f"/api/v1/contracts/contract/{contract.pk}/renew/", {"amount": "1.00"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert "amount" not in response.json()
    renewal = contract.__class__.objects.get(renewed_from=contract)
    assert renewal.amount == Decimal(MONEY["amount"])
