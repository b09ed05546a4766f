"""Headings read as headings in both languages: list titles, menu entries and breadcrumbs start
with a capital in English, and the add/edit page titles are whole phrases of the language."""

import pytest

from xiuhao.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_english_headings_menu_and_breadcrumbs_start_with_a_capital(admin):
    admin.cookies["xiuhao_language"] = "en"
    html = admin.get("/core/numberformat/").content.decode()
    assert ">Document numbering<" in html.replace("\n", "").replace("  ", "")
    assert "Add document numbering" in admin.get("/core/numberformat/add/").content.decode()
    assert "Adddocument" not in admin.get("/core/numberformat/add/").content.decode()


def test_chinese_add_and_edit_titles(admin):
    admin.cookies["xiuhao_language"] = "zh-hans"
    assert "新增单据编号规则" in admin.get("/core/numberformat/add/").content.decode()
