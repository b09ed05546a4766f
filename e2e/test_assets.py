"""Browser tests of the installed base: Excel import with a bad row, QR labels, S/N look-up."""

import datetime

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from xiuhao.assets.models import Device
from xiuhao.catalog.models import ProductModel
from xiuhao.customers.models import Address

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADERS = ["序列号", "批号", "产品型号", "客户", "安装地点", "安装日期"]


def sheet(path, rows):
    wb = Workbook()
    wb.active.append(HEADERS)
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def huanan_site():
    """A site of a customer of the dispatcher's branch (华南) and an active product model."""
    site = Address.objects.select_related("customer").filter(customer__branch__code="huanan").order_by("id").first()
    return site, ProductModel.objects.filter(status="active").order_by("code").first()


def test_an_excel_import_with_a_bad_row_reports_it_and_imports_nothing_until_fixed(page, live_server, login,
                                                                                   tmp_path):
    site, model = huanan_site()
    rows = [[f"E2E-{n}", "L1", model.code, site.customer.code, site.label, datetime.date(2026, 5, 1)]
            for n in range(3)]
    rows[1][2] = "NO-SUCH-MODEL"
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/assets/device/import/")
    page.set_input_files("#import-file", str(sheet(tmp_path / "bad.xlsx", rows)))
    page.click("[data-testid=import-upload]")

    errors = page.locator("[data-testid=import-errors]")
    expect(errors).to_contain_text("NO-SUCH-MODEL")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("3")
    expect(page.locator("[data-testid=import-confirm]")).to_have_count(0)
    assert not Device.objects.filter(serial__startswith="E2E-").exists()

    rows[1][2] = model.code
    page.goto(f"{live_server.url}/assets/device/import/")
    page.set_input_files("#import-file", str(sheet(tmp_path / "fixed.xlsx", rows)))
    page.click("[data-testid=import-upload]")
    expect(page.locator("[data-testid=import-preview]")).to_contain_text("E2E-1")
    page.once("dialog", lambda dialog: dialog.accept())  # "Create 3 and update 0 records?"
    page.click("[data-testid=import-confirm]")
    expect(page.locator("[data-testid=import-confirm]")).to_have_count(0)  # done: no confirmation any more
    expect(page.locator("[data-testid=import-created]")).to_have_text("3")
    assert Device.objects.filter(serial__startswith="E2E-", customer=site.customer, address=site).count() == 3


def test_qr_labels_of_the_selected_devices_download_as_a_pdf(page, live_server, login, tmp_path):
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/assets/device/")
    boxes = page.locator("[data-testid=select-device]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    with page.expect_download() as download_info:
        page.click("[data-testid=print-selected]")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_the_sn_lookup_shows_the_device_and_its_shipments(page, live_server, login):
    device = (Device.objects.filter(branch__code="huanan", shipments__isnull=False).order_by("id").first())
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/assets/lookup/")
    page.fill("[data-testid=lookup-serial]", device.serial)
    page.click("[data-testid=lookup-submit]")
    expect(page.locator("[data-testid=lookup-device]")).to_contain_text(device.serial)
    expect(page.locator("[data-testid=shipments]")).to_contain_text(device.shipments.first().order_no)
