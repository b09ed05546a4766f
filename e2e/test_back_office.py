"""The back office as a user sees it in a browser: login, menu, lists with htmx filters, export,
language switch, data scope, forms and history. Data: the demo company (e2e/conftest.py)."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from xiuhao.core.models import AuditEvent
from xiuhao.org.models import Employee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# From xiuhao/org/demo.py
ADMIN_NAME = "赵志强"
DISPATCHER_BRANCH = "华南分公司"
EMPLOYEE_COUNT = 25  # staff in demo.EMPLOYEES (outlet users are not employees)
HUANAN_COUNT = 8
SEARCHED_NAME = "梁俊杰"  # the only employee whose name contains "俊杰"


def zh(text):
    """What the Chinese interface shows for an English msgid (the msgid itself while the
    catalog does not translate it)."""
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def column_texts(page, name):
    """Texts of one column of the list table; the column is found by its sort link (?sort=<name>)."""
    return page.locator("#list-table table").evaluate(
        """(table, name) => {
            const heads = [...table.tHead.rows[0].cells];
            const index = heads.findIndex(th => th.querySelector(`a[href*="sort=${name}"]`));
            if (index < 0) throw new Error(`no column ${name}`);
            return [...table.tBodies[0].rows].map(tr => tr.cells[index].innerText.trim());
        }""",
        name,
    )


def total(page):
    return page.locator("#list-table [data-total]")


def test_a_demo_user_logs_in_and_sees_the_chinese_back_office(page, live_server):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "demo12345")
    page.click("form:has(input[name=username]) button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    org_section = page.locator(".xh-menu > li.nav-item").filter(has=page.locator("a[href='/org/employee/']"))
    expect(org_section).to_have_count(1)
    expect(org_section.locator(".nav-link-title")).to_have_text(zh("Organisation"))
    expect(org_section.locator("a[href='/org/branch/']")).to_have_count(1)
    expect(page.locator("header.xh-topbar")).to_contain_text(ADMIN_NAME)


def test_a_wrong_password_shows_an_error_and_after_failures_a_captcha(page, live_server, settings, monkeypatch):
    import captcha.conf.settings as captcha_settings

    settings.CAPTCHA_AFTER_FAILURES = 2
    # django-simple-captcha copies CAPTCHA_TEST_MODE at import time: the settings fixture alone
    # does not make "PASSED" an answer.
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("input[name=captcha_1]")).to_have_count(0)
    submit = page.locator("form:has(input[name=username]) button[type=submit]")

    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong-password-1")
    submit.click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator("input[name=captcha_1]")).to_have_count(0)

    page.fill("input[name=password]", "wrong-password-2")
    submit.click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator("input[name=captcha_1]")).to_be_visible()
    expect(page.locator("img.captcha")).to_be_visible()

    # With the captcha answered (test mode: "PASSED") the right password gets in.
    page.fill("input[name=password]", "demo12345")
    page.fill("input[name=captcha_1]", "PASSED")
    submit.click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("header.xh-topbar")).to_contain_text(ADMIN_NAME)


def search_employees(page, live_server, fragment):
    """From home, open the employee list through the menu and search it (htmx, no page load)."""
    page.goto(f"{live_server.url}/")
    link = page.locator(".xh-menu a[href='/org/employee/']")
    section = page.locator(".xh-menu > li.nav-item").filter(has=page.locator("a[href='/org/employee/']"))
    section.locator("a.xh-menu-toggle").click()
    link.click()
    expect(page).to_have_url(f"{live_server.url}/org/employee/")
    expect(page.locator("#list-table table")).to_be_visible()
    expect(total(page)).to_have_attribute("data-total", str(EMPLOYEE_COUNT))

    page.evaluate("window.__sameDocument = true")
    page.fill("#filter-form input[name=q]", fragment)
    page.click("[data-testid=search]")
    expect(total(page)).to_have_attribute("data-total", "1")
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the page instead of using htmx"


def test_the_menu_opens_the_employee_list_and_the_filter_narrows_it(page, live_server, login):
    login(page, live_server, "admin")
    search_employees(page, live_server, "俊杰")

    expect(page.locator("#list-table tbody tr")).to_have_count(1)
    expect(page.locator("#list-table tbody")).to_contain_text(SEARCHED_NAME)
    expect(page).to_have_url(re.compile(r"[?&]q="))
    assert parse_qs(urlparse(page.url).query)["q"] == ["俊杰"]


def test_export_downloads_the_filtered_rows_as_excel(page, live_server, login, tmp_path):
    login(page, live_server, "admin")
    search_employees(page, live_server, "俊杰")

    with page.expect_download() as download_info:
        page.click("[data-testid=export]")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    with translation.override("zh-hans"):
        name_header = str(Employee._meta.get_field("display_name").verbose_name)
    assert name_header in header, f"the first row should be the header: {header}"
    names = [row[header.index(name_header)] for row in data]
    assert names == [SEARCHED_NAME], f"expected only the filtered employee, got {len(data)} rows: {names}"


def test_the_language_switch_turns_the_ui_into_english_and_back(page, live_server, login):
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/org/employee/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    search_button = page.locator("[data-testid=search]")
    expect(search_button).to_have_text(zh("Search"))

    switch = page.locator("header.xh-topbar .nav-item.dropdown:has(button[name=language])")
    switch.locator("[data-bs-toggle=dropdown]").click()
    switch.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/org/employee/")
    expect(search_button).to_have_text("Search")
    expect(switch.locator("button[name=language][value=en]")).to_have_attribute("aria-current", "true")

    switch.locator("[data-bs-toggle=dropdown]").click()
    chinese = switch.locator("button[name=language][value=zh-hans]")
    expect(chinese).to_have_text("简体中文")
    chinese.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(search_button).to_have_text(zh("Search"))


def test_a_branch_dispatcher_does_not_see_other_branches_employees(page, live_server, login):
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/org/employee/?per_page=100")

    expect(total(page)).to_have_attribute("data-total", str(HUANAN_COUNT))
    expect(page.locator("#list-table tbody tr")).to_have_count(HUANAN_COUNT)
    branches = column_texts(page, "branch")
    assert branches == [DISPATCHER_BRANCH] * HUANAN_COUNT
    # The branch filter offers no other branch either.
    options = page.locator("#filter-form select[name=branch] option").all_inner_texts()
    assert [o for o in options if not o.startswith("-")] == [DISPATCHER_BRANCH]


def test_creating_a_department_with_missing_fields_shows_messages_and_saving_works(page, live_server, login):
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/org/department/add/")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=form-errors]")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/org/department/add/")
    expect(page.locator("#id_code.is-invalid")).to_have_count(1)
    expect(page.locator("#id_name.is-invalid")).to_have_count(1)

    page.select_option("#id_branch", label=DISPATCHER_BRANCH)
    page.fill("#id_code", "huanan-qa")
    page.fill("#id_name", "质量保障组")
    page.click("[data-testid=save]")

    expect(page).to_have_url(re.compile(r"/org/department/\d+/$"))
    expect(page.locator("h2.page-title")).to_contain_text("质量保障组")
    expect(page.locator(".alert-success")).to_contain_text("质量保障组")
    expect(page.locator("#tab-content")).to_contain_text("huanan-qa")

    page.click("[data-tab=history]")
    history = page.locator("#tab-content [data-testid=history]")
    expect(history).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?tab=history$"))
    with translation.override("zh-hans"):
        create = str(AuditEvent.Action.CREATE.label)
    actions = history.locator(":scope > tbody > tr > td:nth-child(4)").all_inner_texts()
    operators = history.locator(":scope > tbody > tr > td:nth-child(2)").all_inner_texts()
    assert [a.strip() for a in actions] == [create], actions
    assert [o.strip() for o in operators] == [ADMIN_NAME]
    expect(history).to_contain_text("质量保障组")
