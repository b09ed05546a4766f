"""Excel templates and imports of customers (key: code), contacts (customer code + name) and
addresses (customer code + site name), also through the JSON bulk API."""

import io

import pytest
from openpyxl import load_workbook

from xiuhao.customers.models import Address, Contact, Customer

from .factories import CustomerFactory

pytestmark = pytest.mark.django_db


def headers(client, model):
    response = client.get(f"/customers/{model}/import/template/")
    assert response.status_code == 200
    return [c for c in next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)) if c]


def bulk(client, model, rows, dry_run=False):
    return client.post(f"/api/v1/customers/{model}/bulk/", {"rows": rows, "dry_run": dry_run},
                       content_type="application/json")


def test_the_templates_have_chinese_headers(client, manager):
    client.force_login(manager)
    assert headers(client, "customer")[:2] == ["客户编码", "名称"]
    assert {"客户", "名称", "手机号码"} <= set(headers(client, "contact"))
    assert {"客户", "地点名称", "地址"} <= set(headers(client, "address"))


def test_customers_are_upserted_by_code_and_get_their_search_columns(client, manager):
    CustomerFactory(code="ERP-1", name="旧名称")
    client.force_login(manager)
    response = bulk(client, "customer", [{"客户编码": "ERP-1", "名称": "深圳人民医院"},
                                          {"客户编码": "ERP-2", "名称": "广州中山医院", "服务等级": "金牌",
                                           "地址": "广州市越秀区中山二路58号"}])
    assert response.status_code == 200, response.content
    assert (response.json()["created_count"], response.json()["updated_count"]) == (1, 1)
    updated = Customer.objects.get(code="ERP-1")
    assert updated.name == "深圳人民医院" and "szrmyy" in updated.name_initials
    created = Customer.objects.get(code="ERP-2")
    assert created.tier == "gold" and created.region.code == "440104"  # from the address text


def test_contacts_are_upserted_by_customer_code_and_name(client, manager):
    a, b = CustomerFactory(code="K1", branch=manager.branch), CustomerFactory(code="K2", branch=manager.branch)
    client.force_login(manager)
    rows = [{"客户": "K1", "名称": "张三", "手机号码": "13800000001"},
            {"客户": "K2", "名称": "张三", "手机号码": "13800000002"}]  # same name, another customer: fine
    assert bulk(client, "contact", rows).status_code == 200
    assert bulk(client, "contact", [{"客户": "K1", "名称": "张三", "职位": "科长"}]).json()["updated_count"] == 1
    assert Contact.objects.get(customer=a, name="张三").title == "科长"
    assert Contact.objects.get(customer=b).mobile == "13800000002"
    assert "13800000001" in Customer.objects.get(pk=a.pk).phone_digits


def test_bad_contact_rows_are_reported_per_row_and_change_nothing(client, manager):
    CustomerFactory(code="K1")
    client.force_login(manager)
    response = bulk(client, "contact", [{"客户": "K1", "名称": "甲"}, {"客户": "NOPE", "名称": "乙"},
                                         {"客户": "K1", "名称": "甲"}])
    assert response.status_code == 400
    rows = {e["row"] for e in response.json()["error"]["rows"]}
    assert rows == {2, 3}
    assert not Contact.objects.exists()


def test_addresses_are_upserted_by_customer_code_and_site_name(client, manager):
    customer = CustomerFactory(code="K1")
    client.force_login(manager)
    rows = [{"客户": "K1", "地点名称": "门诊楼", "地址": "深圳市南山区桃园路89号"}]
    assert bulk(client, "address", rows).json()["created_count"] == 1
    rows[0]["地址"] = "深圳市南山区桃园路90号"
    assert bulk(client, "address", rows).json()["updated_count"] == 1
    address = Address.objects.get(customer=customer)
    assert address.address.endswith("90号") and address.is_default and address.region.code == "440305"
