"""Pages and API of the installed base beyond the generic CRUD: detail tabs, QR labels, the QR
short link, the S/N look-up and the customer's devices tab."""

import datetime
import re
import zlib

import pytest
from django.urls import reverse

from xiuhao.assets import labels
from xiuhao.assets.models import Device, DevicePart
from xiuhao.assets.services import device_create, device_part_replace
from xiuhao.core.models import AuditEvent
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

from .factories import ShipmentFactory, device_in


def pages_of(pdf: bytes) -> int:
    """Page objects in the PDF, those packed in compressed object streams included."""
    text = pdf
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text))


@pytest.fixture
def device(manager, model_with_bom, customer, site):
    return device_create(actor=manager, data={"serial": "SN-PAGE-1", "product_model": model_with_bom,
                                              "customer": customer, "address": site,
                                              "install_date": datetime.date(2026, 3, 31)})


def test_the_bom_tab_shows_the_tree_and_a_replacement_appears_in_the_repair_history(client, manager, device):
    client.force_login(manager)
    url = reverse("assets_device_detail", args=[device.pk])
    bom = client.get(url + "?tab=bom").content.decode()
    assert "风扇" in bom and 'data-testid="part-replace"' in bom
    line = DevicePart.objects.get(device=device, part__name="线缆")
    response = client.post(reverse("assets_device_part_replace", args=[device.pk, line.pk]),
                           {"part_serial": "CB-77", "on": "2026-10-02"})
    assert response.status_code == 302
    history = client.get(url + "?tab=repairs").content.decode()
    assert "CB-77" in history and "线缆" in history


def test_set_invalid_asks_for_a_reason_and_then_shows_the_new_status(client, manager, device):
    client.force_login(manager)
    url = reverse("assets_device_set-invalid", args=[device.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "客户报废"}).status_code == 302
    device.refresh_from_db()
    assert device.status == Device.Status.INVALID


def test_the_list_prints_qr_labels_for_the_selected_devices_as_an_a4_sheet(client, manager, customer, model_with_bom):
    devices = [device_in(customer.branch, customer=customer, product_model=model_with_bom) for _ in range(25)]
    client.force_login(manager)
    listing = client.get(reverse("assets_device_list")).content.decode()
    assert 'data-testid="print-selected"' in listing and 'name="ids"' in listing
    response = client.post(reverse("assets_device_labels"), {"scope": "selected", "ids": [d.pk for d in devices]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and pages_of(response.content) == 2  # 24 labels a page
    assert AuditEvent.objects.filter(action="export", verb="assets.device_labels", actor=manager).exists()


def test_all_filtered_rows_print_only_what_the_filter_and_the_scope_let_through(client, manager, customer,
                                                                                model_with_bom):
    for _ in range(3):
        device_in(customer.branch, customer=customer, product_model=model_with_bom, status="invalid")
    device_in(customer.branch, customer=customer, product_model=model_with_bom)
    device_in(BranchFactory(), product_model=model_with_bom, status="invalid")  # another branch
    client.force_login(manager)
    response = client.post(reverse("assets_device_labels"), {"scope": "all", "filters": "status=invalid"})
    assert response.status_code == 200 and pages_of(response.content) == 1
    assert AuditEvent.objects.get(verb="assets.device_labels").message.startswith(("Printed 3", "已打印 3"))


def test_too_many_labels_are_refused_with_a_message(client, manager, customer, model_with_bom, monkeypatch):
    monkeypatch.setattr(labels, "MAX_LABELS", 2)
    devices = [device_in(customer.branch, customer=customer, product_model=model_with_bom) for _ in range(3)]
    client.force_login(manager)
    response = client.post(reverse("assets_device_labels"), {"scope": "selected", "ids": [d.pk for d in devices]},
                           follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "3" in response.content.decode() and not AuditEvent.objects.filter(verb="assets.device_labels").exists()


def test_printing_labels_needs_its_permission(client, device):
    viewer = UserFactory(branch=device.branch)
    grant(viewer, "assets.view_device", data_scope="branch")
    client.force_login(viewer)
    assert client.post(reverse("assets_device_labels"), {"scope": "selected", "ids": [device.pk]}).status_code == 403
    assert 'data-testid="print-selected"' not in client.get(reverse("assets_device_list")).content.decode()


def test_the_qr_link_opens_the_device_for_staff_and_the_login_page_for_everybody_else(client, manager, device):
    url = reverse("device_qr", args=[device.qr_token])
    assert labels.device_url(device).endswith(url)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, "assets.view_device", data_scope="branch")
    client.force_login(stranger)
    assert client.get(url)["Location"].startswith("/login/")
    client.force_login(manager)
    assert client.get(url)["Location"] == reverse("assets_device_detail", args=[device.pk])


def test_the_lookup_finds_a_visible_device_with_its_shipments(client, manager, device):
    ShipmentFactory(serial=device.serial, device=device, branch=device.branch, order_no="SO-9")
    client.force_login(manager)
    page = client.get(reverse("assets_lookup"), {"serial": device.serial}).content.decode()
    assert 'data-testid="lookup-device"' in page and "SO-9" in page
    api = client.get("/api/v1/assets/lookup/", {"serial": device.serial}).json()
    assert api["device"]["serial"] == device.serial and api["shipments"][0]["order_no"] == "SO-9"
    assert api["device"]["in_warranty"] is True


def test_the_lookup_answers_404_for_a_device_of_another_branch(client, device):
    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, "assets.view_device", data_scope="branch")
    client.force_login(stranger)
    assert client.get("/api/v1/assets/lookup/", {"serial": device.serial}).status_code == 404
    page = client.get(reverse("assets_lookup"), {"serial": device.serial}).content.decode()
    assert 'data-testid="lookup-none"' in page and reverse("assets_device_detail", args=[device.pk]) not in page
    nobody = UserFactory(branch=device.branch)
    client.force_login(nobody)
    assert client.get("/api/v1/assets/lookup/", {"serial": device.serial}).status_code == 403


def test_the_customer_page_has_a_devices_tab_with_warranty_state(client, manager, device, django_assert_max_num_queries):
    from xiuhao.customers.tests.factories import CustomerFactory  # noqa: F401  (the customer exists already)

    grant(manager, "customers.view_customer", data_scope="branch")
    client.force_login(manager)
    url = reverse("customers_customer_detail", args=[device.customer_id]) + "?tab=devices"
    html = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content").content.decode()
    assert device.serial in html and 'data-testid="customer-devices"' in html
    for _ in range(5):
        device_in(device.branch, customer=device.customer, product_model=device.product_model)
    client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    for _ in range(10):
        device_in(device.branch, customer=device.customer, product_model=device.product_model)
    with CaptureQueriesContext(connection) as many:
        client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_replacement_through_the_service_keeps_the_bom_tab_readable(client, manager, device):
    line = DevicePart.objects.get(device=device, part__name="主板")
    device_part_replace(actor=manager, line=line)
    client.force_login(manager)
    html = client.get(reverse("assets_device_detail", args=[device.pk]) + "?tab=bom").content.decode()
    assert html.count('data-testid="part-replace"') == 3  # board (new), fan, cable; the old board is struck out
