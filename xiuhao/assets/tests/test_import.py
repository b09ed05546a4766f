"""The device import's fast path: same pipeline behaviour (preview, per-row errors, nothing
written when a row is bad, upsert by serial) with set-wise checks and bulk writes."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from huey.contrib.djhuey import HUEY
from openpyxl import Workbook

from xiuhao.assets import importing
from xiuhao.assets.models import Device, DevicePart, Shipment
from xiuhao.core import imports
from xiuhao.core.models import AuditEvent, ImportJob
from xiuhao.core.registry import registry
from xiuhao.customers.tests.factories import AddressFactory, CustomerFactory
from xiuhao.org.tests.factories import BranchFactory

from .factories import device_in

DEVICES = registry.configs["assets.device"]
SHIPMENTS = registry.configs["assets.shipment"]
HEADERS = ["序列号", "批号", "产品型号", "客户", "安装地点", "安装日期", "保修类型", "状态"]


@pytest.fixture(autouse=True)
def _private_media_and_inline_jobs(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def workbook(headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("devices.xlsx", buffer.getvalue())


@pytest.fixture
def world(manager, model_with_bom, customer, site):
    return {"model": model_with_bom.code, "customer": customer.code, "site": site.label}


def rows_for(world, *serials, model=None):
    return [[s, "L1", model or world["model"], world["customer"], world["site"], datetime.date(2026, 3, 31), "", "注册"]
            for s in serials]


def upload(user, config, file, confirm=False):
    with translation.override("zh-hans"):
        return imports.import_upload(actor=user, config=config, file=file, confirm=confirm)


def test_a_bad_row_is_reported_with_its_row_and_column_and_nothing_is_imported(manager, world):
    rows = rows_for(world, "SN-A", "SN-B", "SN-C")
    rows[1][2] = "NO-SUCH-MODEL"
    job = upload(manager, DEVICES, workbook(HEADERS, rows))
    assert job.status == ImportJob.Status.INVALID
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "产品型号")]
    assert "NO-SUCH-MODEL" in job.errors[0]["message"]
    assert not Device.objects.exists() and not AuditEvent.objects.filter(content_type__model="device").exists()


def test_a_valid_file_is_previewed_then_imported_with_boms_defaults_and_an_audit_event_naming_the_serials(manager, world):
    job = upload(manager, DEVICES, workbook(HEADERS, rows_for(world, "SN-A", "SN-B")))
    assert job.status == ImportJob.Status.PREVIEW and job.created_count == 2
    assert [r["values"]["serial"] for r in job.preview] == ["SN-A", "SN-B"]
    assert not Device.objects.exists()
    job = imports.import_confirm(actor=manager, job=job)
    assert job.status == ImportJob.Status.DONE, job.message
    device = Device.objects.get(serial="SN-A")
    assert device.source == Device.Source.IMPORT and device.address.label == world["site"]
    assert (device.warranty_start, device.warranty_end) == (datetime.date(2026, 3, 31), datetime.date(2028, 3, 30))
    assert device.lat is not None and device.branch_id == manager.branch_id and device.created_by == manager
    assert DevicePart.objects.filter(device=device).count() == 3
    assert DevicePart.objects.get(device=device, part__name="风扇").parent.part.name == "主板"
    event = AuditEvent.objects.get(content_type__model="device", action="create", verb="import")
    assert event.changes == {"serials": ["SN-A", "SN-B"]} and "SN-A、SN-B" in event.message
    assert AuditEvent.objects.filter(action="import", verb="assets.device").exists()


def test_the_validated_cells_are_kept_for_the_confirmation_and_removed_afterwards(manager, world):
    job = upload(manager, DEVICES, workbook(HEADERS, rows_for(world, "SN-A")))
    kept = f"{job.file.name}.rows.json"
    assert job.file.storage.exists(kept)
    imports.import_confirm(actor=manager, job=job)
    assert not job.file.storage.exists(kept)


def test_the_confirmation_checks_the_database_again(manager, world, model_with_bom, customer):
    job = upload(manager, DEVICES, workbook(HEADERS, rows_for(world, "SN-A")))
    device_in(BranchFactory(), serial="SN-A", product_model=model_with_bom)  # registered meanwhile elsewhere
    job = imports.import_confirm(actor=manager, job=job)
    assert job.status == ImportJob.Status.FAILED and "2" in job.message
    assert Device.objects.filter(serial="SN-A").count() == 1


def test_devices_written_in_blocks_each_get_their_own_bom(manager, world, model_with_bom, customer, monkeypatch):
    """The writer sends new devices in blocks (on PostgreSQL while the next block is checked):
    every device, whichever block it fell in, gets the whole BOM with its sub-part under its
    own parent line; a model without a BOM gets none."""
    from xiuhao.catalog.tests.factories import ProductModelFactory

    monkeypatch.setattr(importing, "BLOCK", 2)
    plain = ProductModelFactory()
    rows = rows_for(world, "SN-1", "SN-2", "SN-3") + rows_for(world, "SN-4", model=plain.code) + rows_for(world, "SN-5")
    job = upload(manager, DEVICES, workbook(HEADERS, rows), confirm=True)
    assert job.status == ImportJob.Status.DONE, job.message
    for serial in ("SN-1", "SN-2", "SN-3", "SN-5"):
        lines = {line.part.name: line for line in DevicePart.objects.filter(device__serial=serial).select_related(
            "part", "parent")}
        assert sorted(lines) == ["主板", "线缆", "风扇"], serial
        assert lines["风扇"].parent == lines["主板"] and lines["风扇"].quantity == 2
    assert not DevicePart.objects.filter(device__serial="SN-4").exists()


def test_a_row_refused_after_earlier_blocks_were_written_rolls_everything_back(manager, world, model_with_bom,
                                                                              monkeypatch):
    monkeypatch.setattr(importing, "BLOCK", 2)
    job = upload(manager, DEVICES, workbook(HEADERS, rows_for(world, "SN-1", "SN-2", "SN-3", "SN-4", "SN-5")))
    assert job.status == ImportJob.Status.PREVIEW
    device_in(BranchFactory(), serial="SN-5", product_model=model_with_bom)  # registered meanwhile elsewhere
    job = imports.import_confirm(actor=manager, job=job)
    assert job.status == ImportJob.Status.FAILED and "6" in job.message  # Excel row 6: SN-5
    assert list(Device.objects.values_list("serial", flat=True)) == ["SN-5"]
    assert not DevicePart.objects.exists()


def test_an_existing_serial_is_updated_and_the_change_audited(manager, world, model_with_bom, customer):
    device = device_in(customer.branch, customer=customer, serial="SN-A", product_model=model_with_bom, lot="OLD")
    rows = rows_for(world, "SN-A")
    job = upload(manager, DEVICES, workbook(HEADERS, rows), confirm=True)
    assert job.status == ImportJob.Status.DONE and job.updated_count == 1
    device.refresh_from_db()
    assert device.lot == "L1"
    event = AuditEvent.objects.get(content_type__model="device", action="update", verb="import")
    assert event.changes["SN-A"]["lot"] == ["OLD", "L1"]


@pytest.mark.parametrize("change, field, words", [
    (lambda r: r.__setitem__(0, "SN-A"), "序列号", "第 2 行"),
    (lambda r: r.__setitem__(4, "不存在的地点"), "安装地点", "不存在的地点"),
    (lambda r: r.__setitem__(5, "2026-13-45"), "安装日期", "有效"),
    (lambda r: r.__setitem__(6, "终身保修"), "保修类型", "终身保修"),
    (lambda r: r.__setitem__(3, "C-NOBODY"), "客户", "C-NOBODY"),
])
def test_each_bad_cell_gets_its_message(manager, world, change, field, words):
    rows = rows_for(world, "SN-A", "SN-B")
    change(rows[1])
    job = upload(manager, DEVICES, workbook(HEADERS, rows))
    assert job.status == ImportJob.Status.INVALID
    assert any(e["row"] == 3 and e["field"] == field and words in e["message"] for e in job.errors), job.errors


def test_a_device_of_another_branch_cannot_be_changed_by_import(manager, world, model_with_bom):
    device_in(BranchFactory(), serial="SN-A", product_model=model_with_bom, lot="THEIRS")
    job = upload(manager, DEVICES, workbook(HEADERS, rows_for(world, "SN-A")))
    assert job.status == ImportJob.Status.INVALID and job.errors[0]["field"] == "序列号"
    assert Device.objects.get(serial="SN-A").lot == "THEIRS"


def test_a_customer_outside_the_data_scope_is_unknown_to_the_import(manager, world):
    foreign = CustomerFactory(branch=BranchFactory())
    AddressFactory(customer=foreign, label=world["site"])
    rows = rows_for(world, "SN-A")
    rows[0][3] = foreign.code
    job = upload(manager, DEVICES, workbook(HEADERS, rows))
    assert job.status == ImportJob.Status.INVALID
    assert {e["field"] for e in job.errors} >= {"客户"}


def test_the_json_bulk_api_uses_the_same_checks(client, manager, world):
    client.force_login(manager)
    url = "/api/v1/assets/device/bulk/"
    row = {"serial": "SN-API", "product_model": world["model"], "customer": world["customer"],
           "address": world["site"], "install_date": "2026-03-31"}
    bad = client.post(url, {"rows": [row, {**row, "serial": "SN-API2", "product_model": "NOPE"}]},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["rows"][0]["row"] == 2
    assert not Device.objects.exists()
    dry = client.post(url, {"rows": [row], "dry_run": True}, content_type="application/json")
    assert dry.status_code == 200 and dry.json()["created_count"] == 1 and not Device.objects.exists()
    done = client.post(url, {"rows": [row]}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert Device.objects.get(serial="SN-API").warranty_end == datetime.date(2028, 3, 30)


# -- shipments -----------------------------------------------------------------------------------------------
SHIP_HEADERS = ["序列号", "型号编码", "客户编码", "客户名称", "销售订单号", "出库日期", "仓库"]


def test_a_shipment_import_registers_unknown_serials_and_links_known_ones(manager, model_with_bom, customer):
    known = device_in(customer.branch, customer=customer, serial="SN-KNOWN", product_model=model_with_bom)
    file = workbook(SHIP_HEADERS, [
        ["SN-NEW", model_with_bom.code, customer.code, customer.name, "SO-1", datetime.date(2026, 2, 1), "深圳仓"],
        ["SN-KNOWN", model_with_bom.code, customer.code, customer.name, "SO-1", datetime.date(2026, 2, 1), "深圳仓"],
    ])
    job = upload(manager, SHIPMENTS, file, confirm=True)
    assert job.status == ImportJob.Status.DONE, (job.errors, job.message)
    new = Device.objects.get(serial="SN-NEW")
    assert (new.source, new.customer, new.order_no, new.shipped_on) == (
        Device.Source.SHIPMENT, customer, "SO-1", datetime.date(2026, 2, 1))
    assert new.warranty_start == datetime.date(2026, 2, 1) and new.parts.count() == 3
    assert Shipment.objects.get(serial="SN-KNOWN").device == known
    known.refresh_from_db()
    assert known.order_no == "SO-1"


def test_shipments_are_upserted_by_serial_and_order_number(manager, model_with_bom, customer):
    first = [["SN-1", model_with_bom.code, customer.code, "", "SO-1", datetime.date(2026, 2, 1), "A"]]
    upload(manager, SHIPMENTS, workbook(SHIP_HEADERS, first), confirm=True)
    again = [["SN-1", model_with_bom.code, customer.code, "", "SO-1", datetime.date(2026, 2, 1), "B"],
             ["SN-1", model_with_bom.code, customer.code, "", "SO-2", datetime.date(2026, 6, 1), "B"]]
    job = upload(manager, SHIPMENTS, workbook(SHIP_HEADERS, again), confirm=True)
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 1, 1)
    assert list(Shipment.objects.order_by("order_no").values_list("order_no", "warehouse")) == [
        ("SO-1", "B"), ("SO-2", "B")]
    assert Device.objects.get(serial="SN-1").shipped_on == datetime.date(2026, 6, 1)  # the latest shipment


def test_a_new_serial_with_an_unknown_model_is_refused(manager, customer):
    rows = [["SN-X", "NO-MODEL", customer.code, "", "SO-1", datetime.date(2026, 2, 1), ""]]
    job = upload(manager, SHIPMENTS, workbook(SHIP_HEADERS, rows))
    assert job.status == ImportJob.Status.INVALID and job.errors[0]["field"] == "型号编码"
    assert not Shipment.objects.exists() and not Device.objects.exists()


def test_a_shipment_sheet_needs_the_order_number_column(manager, model_with_bom, customer):
    rows = [["SN-X", model_with_bom.code, customer.code, "", datetime.date(2026, 2, 1), ""]]
    headers = [h for h in SHIP_HEADERS if h != "销售订单号"]
    job = upload(manager, SHIPMENTS, workbook(headers, rows))
    assert job.status == ImportJob.Status.INVALID and job.errors[0]["field"] == "销售订单号"


def test_the_shipment_import_reports_repeated_serial_and_order_pairs(manager, model_with_bom, customer):
    row = ["SN-X", model_with_bom.code, customer.code, "", "SO-1", datetime.date(2026, 2, 1), ""]
    job = upload(manager, SHIPMENTS, workbook(SHIP_HEADERS, [row, list(row)]))
    assert job.status == ImportJob.Status.INVALID and job.errors[0]["row"] == 3
