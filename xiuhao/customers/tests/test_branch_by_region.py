"""Ownership by region: a new customer belongs to the branch that serves its region (branches
declare their service regions; the most specific declaration wins) unless the user chose
another within their scope; its devices and contracts follow it. Through the form, the API and
the import."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from xiuhao.assets import services as asset_services
from xiuhao.catalog.tests.factories import ProductModelFactory
from xiuhao.contracts import services as contract_services
from xiuhao.contracts.models import Contract
from xiuhao.customers.models import Customer
from xiuhao.org.models import Region
from xiuhao.org.regions import branch_serving
from xiuhao.org.tests.factories import BranchFactory, user_with

from .conftest import ALL, customer_manager

pytestmark = pytest.mark.django_db

API = "/api/v1/customers/customer/"
NANSHAN = "广东省深圳市南山区科技南路 18 号"


def region(code):
    return Region.objects.get(code=code)


@pytest.fixture
def branches(db):
    hq = BranchFactory(code="hq", name="北京总部", is_headquarters=True)
    huanan = BranchFactory(code="huanan", name="华南分公司")
    huanan.regions.set([region("440000"), region("450000"), region("460000")])
    hq.regions.set([region("110000")])
    return hq, huanan


@pytest.fixture
def head_office(branches):
    return customer_manager(branch=branches[0], scope="all")


@pytest.fixture
def south_dispatcher(branches):
    return customer_manager(branch=branches[1], scope="branch")


def test_the_most_specific_service_region_wins(branches):
    hq, huanan = branches
    shenzhen = BranchFactory(code="sz", name="深圳办事处")
    shenzhen.regions.set([region("440300")])
    assert branch_serving(region("440305")) == shenzhen  # 南山 lies in 深圳
    assert branch_serving(region("440104")) == huanan  # 广州越秀: the province's branch
    assert branch_serving(region("110108")) == hq
    assert branch_serving(region("510104")) is None  # nobody serves 成都
    assert branch_serving(None) is None


def test_a_customer_created_by_head_office_on_the_form_lands_in_the_branch_serving_its_region(
        client, head_office, south_dispatcher, branches):
    client.force_login(head_office)
    response = client.post("/customers/customer/add/", {
        "name": "深圳南山康宁医院", "kind": "company", "tier": "standard", "status": "active", "address": NANSHAN})
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(name="深圳南山康宁医院")
    assert customer.branch == branches[1] and customer.region.code == "440305"
    client.force_login(south_dispatcher)
    assert client.get(f"/customers/customer/{customer.pk}/").status_code == 200  # the 华南 dispatcher sees it


def test_the_form_explains_the_default_and_a_chosen_branch_is_kept(client, head_office, branches):
    client.force_login(head_office)
    response = client.post("/customers/customer/add/", {
        "name": "深圳某诊所", "kind": "company", "tier": "standard", "status": "active", "address": NANSHAN,
        "branch": branches[0].pk})
    assert response.status_code == 302
    assert Customer.objects.get(name="深圳某诊所").branch == branches[0]  # chosen otherwise


def test_the_api_defaults_the_branch_from_the_region_and_keeps_a_chosen_one(client, head_office, branches):
    hq, huanan = branches
    client.force_login(head_office)
    response = client.post(API, {"name": "南宁某医院", "address": "广西南宁市青秀区民族大道 1 号"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["branch"] == huanan.pk
    response = client.post(API, {"name": "海口某医院", "region": region("460100").pk, "branch": hq.pk},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["branch"] == hq.pk
    response = client.post(API, {"name": "成都某医院", "address": "四川省成都市武侯区人民南路"},
                           content_type="application/json")
    assert response.json()["branch"] == hq.pk  # no branch serves 四川: the creator's


def test_a_branch_outside_the_users_scope_is_not_imposed(client, branches):
    north_clerk = customer_manager(branch=branches[0], scope="branch")
    client.force_login(north_clerk)
    response = client.post(API, {"name": "深圳某公司", "address": NANSHAN}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["branch"] == branches[0].pk  # 华南 would hide it from its creator


def test_the_import_defaults_the_branch_from_the_address(client, head_office, branches):
    wb = Workbook()
    wb.active.append(["客户编码", "名称", "地址"])
    wb.active.append(["ERP-SZ", "深圳湾体检中心", NANSHAN])
    wb.active.append(["ERP-BJ", "北京某医院", "北京市海淀区中关村大街 1 号"])
    buffer = io.BytesIO()
    wb.save(buffer)
    client.force_login(head_office)
    file = SimpleUploadedFile("customers.xlsx", buffer.getvalue())
    response = client.post(f"{API}import/?confirm=1", {"file": file})
    assert response.status_code == 201 and response.json()["status"] == "done", response.content
    assert Customer.objects.get(code="ERP-SZ").branch == branches[1]
    assert Customer.objects.get(code="ERP-BJ").branch == branches[0]


def test_devices_and_contracts_of_the_customer_belong_to_its_branch(client, head_office, south_dispatcher,
                                                                    branches):
    client.force_login(head_office)
    customer_id = client.post(API, {"name": "深圳南山某医院", "address": NANSHAN},
                              content_type="application/json").json()["id"]
    customer = Customer.objects.get(pk=customer_id)
    actor = user_with(*ALL, "assets.add_device", "assets.view_device", "contracts.add_contract",
                      "contracts.view_contract", data_scope="all", branch=branches[0])
    device = asset_services.device_create(actor=actor, data={
        "serial": "SZ-0001", "product_model": ProductModelFactory(), "customer": customer,
        "install_date": datetime.date(2026, 1, 10)})
    contract = contract_services.contract_create(actor=actor, data={
        "code": "HT-SZ-1", "name": "保修合同", "kind": Contract.Kind.MAINTENANCE, "customer": customer,
        "start_date": datetime.date(2026, 1, 1), "end_date": datetime.date(2026, 12, 31)})
    assert device.branch == branches[1] and contract.branch == branches[1]
    dispatcher = user_with("assets.view_device", "contracts.view_contract", data_scope="branch", branch=branches[1])
    from xiuhao.assets.models import Device

    assert Device.objects.visible_to(dispatcher).filter(pk=device.pk).exists()
    assert Contract.objects.visible_to(dispatcher).filter(pk=contract.pk).exists()


def test_branches_declare_their_service_regions_on_their_form(client, branches):
    admin = user_with("org.view_branch", "org.change_branch", data_scope="all", branch=branches[0])
    client.force_login(admin)
    form = client.get(f"/org/branch/{branches[1].pk}/edit/")
    assert form.status_code == 200 and 'name="regions"' in form.content.decode()
