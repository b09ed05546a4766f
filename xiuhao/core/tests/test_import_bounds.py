"""A tiny hostile workbook must be refused before the reader builds its grid (calamine holds a
sheet as a dense grid from A1 to its farthest cell): by the web upload and by the job worker."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from xiuhao.core import excel
from xiuhao.core.imports import reading, services
from xiuhao.core.imports.errors import InvalidFile
from xiuhao.core.models import ImportJob
from xiuhao.core.registry import registry

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
      '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
      'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
      'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
      'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" '
      'sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
           '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
           '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
           'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           '</Relationships>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(sheet_data, dimension=None, strings=("代码", "名称")):
    """A hand-made .xlsx of a few hundred bytes: `sheet_data` is the inside of <sheetData>."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{sheet_data}</sheetData></worksheet>'
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CT)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WB)
        zf.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        zf.writestr("xl/sharedStrings.xml", sst)
    return buffer.getvalue()


HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'

HOSTILE = {
    "huge dimension": lambda: workbook(HEADER, dimension="A1:XFD1048576"),
    "wide dimension": lambda: workbook(HEADER, dimension="A1:AZ1048576"),
    "one cell at the far corner": lambda: workbook(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    "a cell far down without a dimension": lambda: workbook(HEADER + '<row r="1048576"><c r="AZ1048576"><v>1</v></c></row>'),
    "rows without references": lambda: workbook(HEADER + "<row><c><v>1</v></c>" + "<c/>" * 60 + "</row>"
                                                + "<row><c><v>1</v></c></row>" * 60_000),
    "many empty rows": lambda: workbook(HEADER + "".join(f'<row r="{i}"><c r="AZ{i}"/></row>' for i in range(2, 70_000))),
    "huge shared strings table": lambda: workbook(HEADER, strings=[str(i) for i in range(40_000)]),
    "zip bomb": lambda: workbook(HEADER + '<row r="2"><c r="A2" t="inlineStr"><is><t>' + "x" * 20_000_000
                                 + "</t></is></c></row>"),
}


@pytest.fixture
def small_bounds(settings):
    settings.IMPORT_MAX_CELLS = 50_000
    settings.IMPORT_MAX_STRINGS = 20_000


@pytest.mark.usefixtures("small_bounds")
@pytest.mark.parametrize("variant", list(HOSTILE))
def test_a_hostile_workbook_is_refused_before_it_is_read(variant, english, monkeypatch):
    data = HOSTILE[variant]()
    assert len(data) < 400_000  # the attack is a small file
    built = []
    monkeypatch.setattr(reading.CalamineWorkbook, "from_filelike", lambda f: built.append(f))
    with pytest.raises(InvalidFile) as info, reading.open_sheet(io.BytesIO(data)):
        pass
    assert not built  # calamine never saw it
    message = str(info.value.message)
    assert "too large" in message or "unpacked" in message


def test_the_refusal_is_in_chinese_by_default(small_bounds):
    with translation.override("zh-hans"), pytest.raises(InvalidFile) as info, \
            reading.open_sheet(io.BytesIO(HOSTILE["huge dimension"]())):
        pass
    assert "过大" in str(info.value.message)


def test_a_sheet_with_a_dtd_is_unreadable():
    data = workbook(HEADER)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace("<worksheet", '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet', 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, sheet if info.filename.endswith("sheet1.xml") else src.read(info))
    with pytest.raises(InvalidFile), reading.open_sheet(buffer):
        pass


def test_an_ordinary_hand_made_workbook_is_still_read(small_bounds):
    data = workbook(HEADER + '<row r="2"><c r="A2"><v>7</v></c></row>', dimension="A1:B2")
    with reading.open_sheet(io.BytesIO(data)) as sheet:
        assert list(sheet.rows()) == [("代码", "名称"), (7, None)]


@pytest.mark.django_db
def test_the_web_upload_refuses_it_with_a_clear_message_and_stores_nothing(client, english, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    admin = get_user_model().objects.create_superuser(username="admin", password="pass12345", email="a@x.cn")
    client.force_login(admin, backend="xiuhao.org.auth.RoleBackend")
    config = registry.configs["org.skill"]
    file = SimpleUploadedFile("s.xlsx", HOSTILE["huge dimension"](), content_type=excel.XLSX)
    response = client.post(config.url("import"), {"file": file})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_the_job_worker_refuses_a_stored_hostile_file(settings, tmp_path):
    """A file stored before the bound existed (or with a larger bound at upload) fails its job."""
    settings.MEDIA_ROOT = str(tmp_path)
    admin = get_user_model().objects.create_superuser(username="admin", password="pass12345", email="a@x.cn")
    job = ImportJob(model_label="org.skill", original_name="s.xlsx", created_by=admin, total_rows=1)
    job.file.save("s.xlsx", ContentFile(HOSTILE["one cell at the far corner"]()), save=False)
    job.save()
    services.import_validate(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.message
