"""BOMs of several products from one Excel sheet, and fault codes by their composite key —
through the platform's import (preview, per-row errors, all or nothing) and the API."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from openpyxl import Workbook

from xiuhao.catalog import selectors
from xiuhao.catalog.models import BomLine, FaultCode
from xiuhao.core import excel
from xiuhao.core.models import AuditEvent, ImportJob
from xiuhao.core.registry import registry
from xiuhao.org.tests.factories import UserFactory, grant

from .factories import (
    BomLineFactory,
    FaultCodeFactory,
    PartFactory,
    ProductCategoryFactory,
    ProductModelFactory,
)

pytestmark = pytest.mark.django_db

BOM = registry.configs["catalog.bomline"]
FAULTS = registry.configs["catalog.faultcode"]
BOM_HEADER = ["产品型号编码", "上级备件编码", "备件编码", "单位用量", "位置"]


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    before, HUEY.immediate = HUEY.immediate, True
    yield
    HUEY.immediate = before


@pytest.fixture
def importer(client):
    user = UserFactory()
    grant(user, *[f"catalog.{a}_bomline" for a in ("view", "add", "change", "import")],
          *[f"catalog.{a}_faultcode" for a in ("view", "add", "change", "import")], data_scope="all")
    client.force_login(user)
    return user


@pytest.fixture
def catalogue():
    for code in ("DR1", "DR2"):
        ProductModelFactory(code=code)
    for code in ("FRAME", "TUBE", "ANODE", "CABLE"):
        PartFactory(code=code, cost=Decimal("10.00"))


def xlsx(rows, name="boms.xlsx"):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=excel.XLSX)


def last_job():
    return ImportJob.objects.order_by("-pk").first()


def tree(code):
    from xiuhao.catalog.models import ProductModel

    return [(line.depth, line.part.code, line.extended_quantity)
            for line in selectors.bom_lines(ProductModel.objects.get(code=code))]


def test_boms_of_several_products_are_imported_from_one_sheet_with_parents_from_earlier_rows(client, importer,
                                                                                            catalogue):
    file = xlsx([BOM_HEADER,
                 ["DR1", None, "FRAME", 1, "A1"],
                 ["DR1", "FRAME", "TUBE", 2, "A1-1"],
                 ["DR1", "TUBE", "ANODE", 3, ""],
                 ["DR2", None, "TUBE", 1, "B"],
                 ["DR2", "TUBE", "ANODE", 0.5, ""],
                 ["DR2", None, "CABLE", 4, ""]])
    client.post(BOM.url("import"), {"file": file})
    job = last_job()
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert BomLine.objects.count() == 0  # nothing before the confirmation
    client.post(reverse("core_importjob_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert tree("DR1") == [(0, "FRAME", 1), (1, "TUBE", 2), (2, "ANODE", 6)]
    assert tree("DR2") == [(0, "TUBE", 1), (1, "ANODE", Decimal("0.5")), (0, "CABLE", 4)]
    assert AuditEvent.objects.filter(action="create", content_type__model="bomline").count() == 6

    # Importing again upserts by (product, parent part, part): quantities change, nothing is duplicated.
    client.post(BOM.url("import"), {"file": xlsx([BOM_HEADER, ["DR1", "TUBE", "ANODE", 5, "X"]])})
    job = last_job()
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.PREVIEW, 0, 1)
    client.post(reverse("core_importjob_confirm", args=[job.pk]))
    assert tree("DR1")[2] == (2, "ANODE", 10)
    assert BomLine.objects.count() == 6


def test_bad_bom_rows_are_reported_per_row_and_nothing_is_written(client, importer, catalogue):
    BomLineFactory(product_model=ProductModelFactory(code="OTHER"), part=PartFactory(code="ONLY-OTHER"))
    file = xlsx([BOM_HEADER,
                 ["DR1", None, "FRAME", 1, ""],  # fine
                 ["NOPE", None, "FRAME", 1, ""],  # unknown product
                 ["DR1", "FRAME", "NO-PART", 1, ""],  # unknown part
                 ["DR1", "ONLY-OTHER", "TUBE", 1, ""],  # parent not in DR1's BOM
                 ["DR1", "FRAME", "FRAME", 1, ""],  # a part under itself
                 ["DR1", "FRAME", "TUBE", 0, ""],  # quantity must be > 0
                 ["DR1", "FRAME", "CABLE", 1, ""],  # fine
                 ["DR1", "CABLE", "FRAME", 1, ""],  # cycle: FRAME above CABLE above FRAME
                 ["DR1", None, "FRAME", 2, ""]])  # the same line twice in the file
    client.post(BOM.url("import"), {"file": file})
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    assert sorted({e["row"] for e in job.errors}) == [3, 4, 5, 6, 7, 9, 10]
    by_row = {e["row"]: e["field"] for e in job.errors}
    assert by_row[3] == "产品型号编码" and by_row[4] == "备件编码" and by_row[5] == "上级备件编码"
    assert by_row[7] == "单位用量"
    assert BomLine.objects.filter(product_model__code="DR1").count() == 0


def test_a_missing_product_column_is_reported_on_row_one(client, importer, catalogue):
    client.post(BOM.url("import"), {"file": xlsx([["备件编码", "单位用量"], ["FRAME", 1]])})
    job = last_job()
    assert job.status == ImportJob.Status.INVALID and job.errors[0]["row"] == 1


def test_the_bom_bulk_api_is_all_or_nothing(client, importer, catalogue):
    rows = [{"product_model": "DR1", "part": "FRAME", "quantity": 1},
            {"product_model": "DR1", "parent": "FRAME", "part": "TUBE", "quantity": "2"},
            {"product_model": "DR1", "parent": "TUBE", "part": "FRAME", "quantity": 1}]
    response = client.post("/api/v1/catalog/bomline/bulk/", {"rows": rows}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and [r["row"] for r in error["rows"]] == [3]
    assert not BomLine.objects.exists()
    response = client.post("/api/v1/catalog/bomline/bulk/", {"rows": rows[:2]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["created_count"] == 2
    assert tree("DR1") == [(0, "FRAME", 1), (1, "TUBE", 2)]


def test_the_bom_file_upload_api_applies_with_confirm(client, importer, catalogue):
    file = xlsx([BOM_HEADER, ["DR2", None, "CABLE", 3, "C"]])
    response = client.post("/api/v1/catalog/bomline/import/?confirm=1", {"file": file})
    assert response.status_code == 201
    assert response.json()["status"] == "done"
    assert tree("DR2") == [(0, "CABLE", 3)]


def test_fault_codes_are_upserted_by_category_type_and_code(client, importer):
    xray = ProductCategoryFactory(code="xray")
    ProductCategoryFactory(code="lab")
    FaultCodeFactory(category=xray, kind="symptom", code="S01", name="旧名称")
    rows = [{"category": "xray", "kind": "故障现象", "code": "S01", "name": "无法曝光"},
            {"category": "lab", "kind": "symptom", "code": "S01", "name": "加样不准"},
            {"category": "xray", "kind": "Cause", "code": "S01", "name": "球管老化"}]
    # The type by its Chinese label, its value or its English label.
    response = client.post("/api/v1/catalog/faultcode/bulk/", {"rows": rows}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["created_count"], response.json()["updated_count"]) == (2, 1)
    assert FaultCode.objects.get(category=xray, kind="symptom", code="S01").name == "无法曝光"
    assert FaultCode.objects.filter(code="S01").count() == 3
    duplicate = client.post("/api/v1/catalog/faultcode/bulk/", {"rows": [rows[1], rows[1]]},
                            content_type="application/json")
    assert duplicate.status_code == 400 and duplicate.json()["error"]["rows"][0]["row"] == 2
    unknown = client.post("/api/v1/catalog/faultcode/bulk/",
                          {"rows": [{"category": "nope", "kind": "cause", "code": "X", "name": "x"}]},
                          content_type="application/json")
    assert unknown.status_code == 400 and not FaultCode.objects.filter(code="X").exists()


def test_importing_needs_the_import_permission(client, catalogue):
    viewer = UserFactory()
    grant(viewer, "catalog.view_bomline", "catalog.add_bomline", data_scope="all")
    client.force_login(viewer)
    assert client.get(BOM.url("import")).status_code == 403
    response = client.post("/api/v1/catalog/bomline/bulk/", {"rows": [{"product_model": "DR1", "part": "FRAME"}]},
                           content_type="application/json")
    assert response.status_code == 403
    assert not BomLine.objects.exists()


def test_mileage_bands_are_upserted_by_fee_standard_and_start_and_overlaps_are_row_errors(client):
    from xiuhao.catalog.models import MileageBand

    from .factories import FeeStandardFactory, MileageBandFactory

    user = UserFactory()
    grant(user, *[f"catalog.{a}_mileageband" for a in ("view", "add", "change", "import")], data_scope="all")
    client.force_login(user)
    standard = FeeStandardFactory(code="FS-1")
    MileageBandFactory(fee_standard=standard, from_km=Decimal("0"), to_km=Decimal("30"), per_km=Decimal("0"))
    url = "/api/v1/catalog/mileageband/bulk/"
    overlap = {"fee_standard": "FS-1", "from_km": "20", "to_km": "50", "per_km": "2"}
    response = client.post(url, {"rows": [overlap]}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["rows"][0]["row"] == 1
    rows = [{"fee_standard": "FS-1", "from_km": "0.0", "to_km": "30", "per_km": "0.5"},
            {"fee_standard": "FS-1", "from_km": "30", "to_km": "", "fixed_fee": "10", "per_km": "2"}]
    response = client.post(url, {"rows": rows}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["created_count"], response.json()["updated_count"]) == (1, 1)
    assert list(MileageBand.objects.filter(fee_standard=standard).values_list("from_km", "per_km")) == [
        (Decimal("0.0"), Decimal("0.50")), (Decimal("30.0"), Decimal("2.00"))]
    garbage = client.post(url, {"rows": [{"fee_standard": "FS-1", "from_km": "abc"}]}, content_type="application/json")
    assert garbage.status_code == 400
