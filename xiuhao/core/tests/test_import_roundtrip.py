"""Export → edit in Excel → import back, for every model that has both (driven by the registry:
a new importable model is covered once it has its CrudCase).

The records come from each model's CrudCase; the sheet from the real export page; one text cell
is changed with openpyxl; the file goes through the real import pages (upload → preview →
confirm). The import must accept the export's every column, preview no errors, create nothing,
and change exactly that cell's value — nothing else."""

import datetime
import decimal
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import translation
from huey.contrib.djhuey import HUEY
from openpyxl import Workbook, load_workbook

from xiuhao.core import excel
from xiuhao.core.imports.pipeline import import_field_names, pipeline_for
from xiuhao.core.models import ImportJob
from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases, model_permissions
from xiuhao.customers.models import Customer
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.models import Outlet, Region
from xiuhao.org.models import Status as OrgStatus
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

CASES = load_cases()
IMPORTABLE = [c for c in registry if c.importable and c.pages]
EDIT = "已在Excel中修改"
# Text columns worth editing, most telling first; any other plain text column will do.
PREFERRED = ("remark", "note", "description", "name", "display_name", "title", "position", "lot", "warehouse",
             "customer_name", "contact_name", "manufacturer", "spec", "industry")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def manager(config, branch):
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(config.model))
    user.roles.add(role)
    return user


def snapshot(config, user):
    """{pk: {field: value}} of every record: the values of the columns the import reads (what
    the services derive from them on save, a site's region from its address, may follow)."""
    out = {}
    model = config.model
    names = [model._meta.get_field(n) for n in pipeline_for(config, user).names]
    plain = [f for f in names if not f.many_to_many]
    m2m = [f for f in names if f.many_to_many]
    for obj in model._default_manager.all():
        row = {f.attname: getattr(obj, f.attname) for f in plain}
        for f in m2m:
            row[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
        out[obj.pk] = row
    return out


def editable_column(config, user, headers):
    """(column index, field name) of a plain text column the import reads and may change."""
    pipeline = pipeline_for(config, user)
    keys = {config.natural_key, *getattr(pipeline, "key_fields", ()), *getattr(pipeline, "required_columns", ())}
    candidates = {}
    for index, header in enumerate(headers):
        name = pipeline.resolve(header)
        if name is None or name in keys:
            continue
        f = config.model._meta.get_field(name)
        if (isinstance(f, models.CharField | models.TextField) and not f.choices and not f.unique
                and not (getattr(f, "max_length", None) or 99) < len(EDIT)
                and type(f) in (models.CharField, models.TextField)):
            candidates[name] = index
    assert candidates, f"{config.key}: the export has no plain text column the import reads"
    name = next((n for n in PREFERRED if n in candidates), next(iter(candidates)))
    return candidates[name], name


def comparable(value):
    if isinstance(value, decimal.Decimal):
        return value.normalize()
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0)
    return value


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("config", IMPORTABLE, ids=[c.key for c in IMPORTABLE])
def test_an_exported_sheet_edited_in_excel_imports_back(client, settings, config, language):
    """Exported in `language`, imported back by a user of the default language (Chinese)."""
    assert config.key in CASES, f"declare a CrudCase for {config.key} (it makes the records exported here)"
    branch = BranchFactory()
    outlet = OutletFactory(branch=branch)
    case = CASES[config.key]
    for _ in range(2):
        case.make(branch, outlet)
    user = manager(config, branch)
    client.force_login(user)
    before = snapshot(config, user)
    assert before

    default_language = settings.LANGUAGE_CODE
    settings.LANGUAGE_CODE = language
    response = client.get(config.url("export"))
    settings.LANGUAGE_CODE = default_language
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                  else response.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    with translation.override(language):
        assert excel.header_for(config.model, config.natural_key) in headers
    assert ws.max_row == len(before) + 1
    index, name = editable_column(config, user, headers)
    ws.cell(row=2, column=index + 1).value = EDIT
    buffer = io.BytesIO()
    wb.save(buffer)

    upload = SimpleUploadedFile("edited.xlsx", buffer.getvalue())
    response = client.post(config.url("import"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    assert job.errors == [] and job.status == ImportJob.Status.PREVIEW, (headers, job.errors, job.message)
    assert (job.created_count, job.updated_count) == (0, len(before))

    assert client.post(f"/imports/{job.pk}/confirm/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message

    after = snapshot(config, user)
    assert after.keys() == before.keys()
    changed = {pk: {k: (comparable(v), comparable(after[pk][k])) for k, v in row.items()
                    if comparable(v) != comparable(after[pk][k])}
               for pk, row in before.items()}
    changed = {pk: diff for pk, diff in changed.items() if diff}
    edited_attname = config.model._meta.get_field(name).attname
    assert len(changed) == 1, changed
    (diff,) = changed.values()
    assert diff.pop(edited_attname)[1] == EDIT
    assert not diff


# -- what the export writes ------------------------------------------------------------------------


def export_sheet(client, config):
    response = client.get(config.url("export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [list(r) for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]


def zh(model, name):
    with translation.override("zh-hans"):
        return excel.header_for(model, name)


def test_the_customer_export_writes_codes_beside_names_and_every_import_column(client):
    config = registry.configs["customers.customer"]
    branch = BranchFactory(code="SZ", name="深圳分公司")
    outlet = OutletFactory(branch=branch, code="O-NS", name="南山网点")
    owner = UserFactory(username="wangli", display_name="王丽", branch=branch)
    CustomerFactory(code="C0001", name="深圳医院", branch=branch, outlet=outlet, owner=owner,
                    kind=Customer.Kind.COMPANY)
    client.force_login(manager(config, branch))
    header, row = export_sheet(client, config)
    cells = dict(zip(header, row, strict=True))
    assert cells[zh(Customer, "branch")] == "SZ"
    assert cells[zh(Customer, "outlet")] == "O-NS"
    assert cells[zh(Customer, "owner")] == "wangli"
    assert "深圳分公司" in row and "南山网点" in row and "王丽" in row  # the names beside the codes
    for name in import_field_names(config):
        assert zh(Customer, name) in header


def test_many_to_many_columns_are_exported_as_codes(client):
    config = registry.configs["org.outlet"]
    branch = BranchFactory(code="SZ")
    outlet = OutletFactory(branch=branch, code="O1")
    outlet.regions.set(Region.objects.filter(code__in=["440305", "440304"]))
    client.force_login(manager(config, branch))
    header, *rows = export_sheet(client, config)
    row = next(r for r in rows if r[header.index(zh(Outlet, "code"))] == "O1")
    assert set(row[header.index(zh(Outlet, "regions"))].split("、")) == {"440305", "440304"}


def test_a_bom_line_exports_its_parent_as_the_parent_part_code(client):
    from xiuhao.catalog.models import BomLine
    from xiuhao.catalog.tests.factories import BomLineFactory, PartFactory

    config = registry.configs["catalog.bomline"]
    top = BomLineFactory(part=PartFactory(code="P-FRAME"))
    BomLineFactory(product_model=top.product_model, parent=top, part=PartFactory(code="P-TUBE"))
    client.force_login(manager(config, BranchFactory()))
    header, *rows = export_sheet(client, config)
    parents = {r[header.index(zh(BomLine, "part"))]: r[header.index(zh(BomLine, "parent"))] for r in rows}
    assert parents == {"P-FRAME": None, "P-TUBE": "P-FRAME"}


# -- codes in any case, every error of a row, labels in the preview ---------------------------------


def xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("rows.xlsx", buffer.getvalue())


def import_rows(client, config, rows):
    assert client.post(config.url("import"), {"file": xlsx(rows)}).status_code == 302
    return ImportJob.objects.latest("pk")


def test_related_codes_and_choice_codes_are_matched_whatever_their_case(client):
    config = registry.configs["org.outlet"]
    branch = BranchFactory(code="SZ-01")
    client.force_login(manager(config, branch))
    job = import_rows(client, config, [
        [zh(Outlet, "code"), zh(Outlet, "name"), zh(Outlet, "branch"), zh(Outlet, "status"), zh(Outlet, "regions")],
        ["o1", "南山网点", "sz-01", "ACTIVE", "440305"],
    ])
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert job.preview[0]["values"]["branch"] == str(branch)


def test_contacts_devices_bom_lines_and_shipments_find_codes_whatever_their_case(client):
    from xiuhao.assets.models import Device, Shipment
    from xiuhao.catalog.models import BomLine
    from xiuhao.catalog.tests.factories import PartFactory, ProductModelFactory
    from xiuhao.customers.models import Contact

    branch = BranchFactory()
    customer = CustomerFactory(code="C-AB", branch=branch)
    product = ProductModelFactory(code="PM-XY", name="监护仪 X")
    PartFactory(code="P-Q1")
    cases = [
        ("customers.contact", [[zh(Contact, "customer"), zh(Contact, "name")], ["c-ab", "李雷"]]),
        ("assets.device", [[zh(Device, "serial"), zh(Device, "product_model"), zh(Device, "customer")],
                           ["SN-1", "pm-xy", "c-ab"]]),
        ("catalog.bomline", [[zh(BomLine, "product_model"), zh(BomLine, "part")], ["pm-xy", "p-q1"]]),
        ("assets.shipment", [[zh(Shipment, "serial"), zh(Shipment, "order_no"), zh(Shipment, "shipped_on"),
                              zh(Shipment, "product_code")], ["SN-2", "SO-1", "2026-01-05", "pm-xy"]]),
    ]
    for key, rows in cases:
        config = registry.configs[key]
        client.force_login(manager(config, branch))
        job = import_rows(client, config, rows)
        assert job.status == ImportJob.Status.PREVIEW, (key, job.errors)
        assert client.post(f"/imports/{job.pk}/confirm/").status_code == 302
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE, (key, job.message)
    assert Contact.objects.get(name="李雷").customer == customer
    assert Device.objects.get(serial="SN-1").product_model == product
    assert Device.objects.get(serial="SN-1").customer == customer
    assert BomLine.objects.get(product_model=product).part.code == "P-Q1"
    assert Device.objects.get(serial="SN-2").product_model == product


def fields_in_error(job, row=2):
    return sorted(e["field"] for e in job.errors if e["row"] == row)


def test_a_row_without_its_key_still_reports_its_other_errors(client):
    config = registry.configs["org.outlet"]
    branch = BranchFactory(code="SZ")
    client.force_login(manager(config, branch))
    job = import_rows(client, config, [
        [zh(Outlet, "code"), zh(Outlet, "name"), zh(Outlet, "branch"), zh(Outlet, "status")],
        ["", "南山网点", "nope", "closedforever"],
    ])
    assert job.status == ImportJob.Status.INVALID
    assert fields_in_error(job) == sorted([zh(Outlet, "code"), zh(Outlet, "branch"), zh(Outlet, "status")])


def test_a_composite_key_row_reports_its_key_and_its_other_errors_together(client):
    from xiuhao.customers.models import Contact

    config = registry.configs["customers.contact"]
    client.force_login(manager(config, BranchFactory()))
    job = import_rows(client, config, [
        [zh(Contact, "customer"), zh(Contact, "name"), zh(Contact, "email")],
        ["NO-SUCH", "李雷", "not-an-email"],
    ])
    assert job.status == ImportJob.Status.INVALID
    assert fields_in_error(job) == sorted([zh(Contact, "customer"), zh(Contact, "email")])


def test_a_device_row_reports_every_error_at_once(client):
    from xiuhao.assets.models import Device

    config = registry.configs["assets.device"]
    client.force_login(manager(config, BranchFactory()))
    job = import_rows(client, config, [
        [zh(Device, "serial"), zh(Device, "product_model"), zh(Device, "install_date"), zh(Device, "warranty_start"),
         zh(Device, "warranty_end")],
        ["", "NO-SUCH", "someday", "2026-05-01", "2026-01-01"],
    ])
    assert job.status == ImportJob.Status.INVALID
    assert fields_in_error(job) == sorted([zh(Device, "serial"), zh(Device, "product_model"),
                                           zh(Device, "install_date"), zh(Device, "warranty_end")])


def test_the_device_preview_shows_names_and_labels_not_codes(client, english):
    from xiuhao.assets.models import Device
    from xiuhao.catalog.tests.factories import ProductModelFactory

    config = registry.configs["assets.device"]
    branch = BranchFactory()
    ProductModelFactory(code="PM-XY", name="Monitor X")
    CustomerFactory(code="C-AB", name="Shenzhen Hospital", branch=branch)
    client.force_login(manager(config, branch))
    job = import_rows(client, config, [
        [zh(Device, "serial"), zh(Device, "product_model"), zh(Device, "customer"), zh(Device, "status")],
        ["SN-1", "PM-XY", "C-AB", Device.Status.REGISTERED.value],
    ])
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    values = job.preview[0]["values"]
    assert "Monitor X" in values["product_model"] and "Shenzhen Hospital" in values["customer"]
    assert values["status"] == str(Device.Status.REGISTERED.label)


def test_the_preview_of_a_row_with_errors_shows_choice_labels(client, english):
    config = registry.configs["org.outlet"]
    client.force_login(manager(config, BranchFactory()))
    job = import_rows(client, config, [
        [zh(Outlet, "code"), zh(Outlet, "name"), zh(Outlet, "branch"), zh(Outlet, "status")],
        ["o1", "南山网点", "nope", OrgStatus.ACTIVE.value],
    ])
    assert job.status == ImportJob.Status.INVALID
    assert job.preview[0]["values"]["status"] == str(OrgStatus.ACTIVE.label)


def test_a_bom_row_without_its_product_still_reports_its_other_errors(client):
    from xiuhao.catalog.models import BomLine

    config = registry.configs["catalog.bomline"]
    client.force_login(manager(config, BranchFactory()))
    job = import_rows(client, config, [
        [zh(BomLine, "product_model"), zh(BomLine, "part"), zh(BomLine, "quantity")],
        ["", "NO-SUCH", "-1"],
    ])
    assert job.status == ImportJob.Status.INVALID
    assert fields_in_error(job) == sorted([zh(BomLine, "product_model"), zh(BomLine, "part"), zh(BomLine, "quantity")])
