"""Excel templates with Chinese headers and imports of contracts, covered devices (contract no. +
serial) and payment plans (contract no. + due date), by file and through the JSON bulk API."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from xiuhao.assets.models import Device
from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts.models import Contract, ContractDevice, PaymentPlan
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import OutletFactory, grant

from .factories import ContractFactory, PaymentPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(client, clerk):
    grant(clerk, "contracts.import_contract", "contracts.import_contractdevice", "contracts.import_paymentplan",
          "contracts.export_contract", "customers.view_customer", "org.view_outlet")
    client.force_login(clerk)
    return client


def workbook(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    data.name = "import.xlsx"
    return data


def headers(client, model):
    response = client.get(f"/contracts/{model}/import/template/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [c.value for c in sheet[1]]


def test_the_templates_have_chinese_headers(importer):
    assert headers(importer, "contract")[:4] == ["合同编号", "名称", "类型", "客户"]
    assert headers(importer, "contractdevice")[:2] == ["合同", "设备"]
    assert headers(importer, "paymentplan")[:3] == ["合同", "应收日期", "金额"]


def test_contracts_import_by_customer_code_and_provider_outlet_code(importer, clerk):
    customer = CustomerFactory(branch=clerk.branch, code="C-IMP-1")
    outlet = OutletFactory(branch=clerk.branch, code="fs-imp")
    rows = [["合同编号", "名称", "类型", "客户", "服务商", "开始日期", "结束日期", "合同金额"],
            ["HT-IMP-1", "外包合同", "外包合同", "C-IMP-1", "fs-imp", "2026-01-01", "2026-12-31", 12000],
            ["HT-IMP-2", "维保合同", "维保合同", "C-IMP-1", None, "2026-01-01", "2025-12-31", 5000]]
    response = importer.post("/api/v1/contracts/contract/import/", {"file": workbook(rows)})
    job = response.json()
    assert job["status"] == "invalid"
    assert [e["row"] for e in job["errors"]] == [3], job["errors"]
    rows[2][6] = "2026-12-31"
    job = importer.post("/api/v1/contracts/contract/import/?confirm=1", {"file": workbook(rows)}).json()
    assert job["status"] == "done", job
    first = Contract.objects.get(code="HT-IMP-1")
    assert (first.customer, first.provider, first.kind, first.status) == (customer, outlet, "outsourcing", "draft")


def test_covered_devices_import_by_contract_code_and_serial(importer, clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch, code="HT-CD-1")
    good = DeviceFactory(customer=contract.customer, serial="SN-GOOD")
    DeviceFactory(customer=contract.customer, serial="SN-BAD", status=Device.Status.INVALID)
    rows = [["合同", "设备", "说明"], ["HT-CD-1", "SN-GOOD", "一楼"], ["HT-CD-1", "SN-BAD", ""],
            ["HT-CD-1", "SN-NONE", ""]]
    job = importer.post("/api/v1/contracts/contractdevice/import/", {"file": workbook(rows)}).json()
    assert job["status"] == "invalid"
    assert sorted(e["row"] for e in job["errors"]) == [3, 4], job["errors"]
    job = importer.post("/api/v1/contracts/contractdevice/import/?confirm=1",
                        {"file": workbook(rows[:2])}).json()
    assert job["status"] == "done", job
    assert ContractDevice.objects.get(contract=contract).device == good
    again = importer.post("/api/v1/contracts/contractdevice/import/?confirm=1",
                          {"file": workbook([rows[0], ["HT-CD-1", "SN-GOOD", "二楼"]])}).json()
    assert again["updated_count"] == 1
    assert ContractDevice.objects.get(contract=contract).note == "二楼"


def test_payment_plans_upsert_by_contract_and_due_date_through_the_bulk_api(importer, clerk):
    contract = ContractFactory(customer=CustomerFactory(branch=clerk.branch), branch=clerk.branch, code="HT-PP-1")
    PaymentPlanFactory(contract=contract, due_date="2026-03-31", amount=Decimal("6000.00"))
    body = {"rows": [{"contract": "HT-PP-1", "due_date": "2026-03-31", "amount": "5000.00"},
                     {"contract": "HT-PP-1", "due_date": "2026-09-30", "amount": "7000.00"}]}
    response = importer.post("/api/v1/contracts/paymentplan/bulk/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["created_count"], response.json()["updated_count"]) == (1, 1)
    assert sorted(PaymentPlan.objects.filter(contract=contract).values_list("amount", flat=True)) == [
        Decimal("5000.00"), Decimal("7000.00")]
    bad = importer.post("/api/v1/contracts/paymentplan/bulk/",
                        {"rows": [{"contract": "HT-PP-1", "due_date": "someday", "amount": "1"}]},
                        content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["rows"][0]["row"] == 1
