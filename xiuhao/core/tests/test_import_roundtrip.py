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
from huey.contrib.djhuey import HUEY
from openpyxl import load_workbook

from xiuhao.core.imports.pipeline import pipeline_for
from xiuhao.core.models import ImportJob
from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases, model_permissions
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


@pytest.mark.parametrize("config", IMPORTABLE, ids=[c.key for c in IMPORTABLE])
def test_an_exported_sheet_edited_in_excel_imports_back(client, config):
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

    response = client.get(config.url("export"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                  else response.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
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
