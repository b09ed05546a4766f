"""The operation log and the history tabs read as people speak: every audit verb written anywhere
in the code has a label in both languages."""

import ast
import datetime
import importlib
import io
import re
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from openpyxl import load_workbook

import xiuhao
from xiuhao.core import audit
from xiuhao.core.models import AuditEvent
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant, user_with

ROOT = Path(xiuhao.__file__).parent


def _module_name(path):
    return ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)


def written_verbs():
    """(where, verb or regex) of every `verb=` keyword in the code: string literals, f-strings (as a
    pattern) and expressions that evaluate in their module (`ContractChange.Kind.ACTIVATE`)."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # the module's own helpers taking a `verb` parameter, and its position: `_record(actor, clock, "x", …)`
        positions = {f.name: [a.arg for a in f.args.args].index("verb") for f in ast.walk(tree)
                     if isinstance(f, ast.FunctionDef) and "verb" in [a.arg for a in f.args.args]}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            values = [k.value for k in node.keywords if k.arg == "verb"]
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name in positions and len(node.args) > positions[name]:
                values.append(node.args[positions[name]])
            for value in values:
                where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    if value.value:
                        found.append((where, value.value))
                elif isinstance(value, ast.JoinedStr):
                    pattern = "".join(re.escape(part.value) if isinstance(part, ast.Constant) else ".+"
                                      for part in value.values)
                    found.append((where, re.compile(f"^{pattern}$")))
                elif isinstance(value, ast.Attribute):
                    module = importlib.import_module(_module_name(path))
                    try:
                        verb = eval(ast.unparse(value), vars(module))  # noqa: S307 (our own source)
                    except (NameError, AttributeError):
                        continue  # a local value (a parameter): its literal is found where it is passed
                    found.append((where, str(verb)))
    return found


def test_the_scan_finds_the_verbs_of_services_moves_and_demo_data():
    verbs = {v for _where, v in written_verbs() if isinstance(v, str)}
    assert {"bulk_load", "process_start", "part_add", "activate", "demo", "sla_clock_start",
            "sla_clock_reassign"} <= verbs


def test_every_written_verb_has_a_label():
    unlabelled = []
    for where, verb in written_verbs():
        if isinstance(verb, re.Pattern):
            if not any(verb.match(known) for known in audit._VERBS):
                unlabelled.append((where, verb.pattern))
        elif not audit.has_label(verb):
            unlabelled.append((where, verb))
    assert not unlabelled, f"audit verbs without a label (register them with audit.verb_labels): {unlabelled}"


def test_every_declared_move_verb_has_a_label():
    from django.apps import apps

    from xiuhao.core.moves import machine_of

    missing = [(model._meta.label, move.verb) for model in apps.get_models() if machine_of(model)
               for move in machine_of(model) if not audit.has_label(move.verb, model)]
    assert not missing


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_verbs_read_in_the_language_of_the_user(language):
    from xiuhao.customers.models import Customer
    from xiuhao.tasks.models import Task
    from xiuhao.workflow.models import ProcessInstance

    with translation.override(language):
        labels = [audit.verb_label("bulk_load", Customer), audit.verb_label("process_start", ProcessInstance),
                  audit.verb_label("claim", Task), audit.verb_label("customers.customer")]
    cjk = [bool(re.search(r"[\u4e00-\u9fff]", label)) for label in labels]
    assert cjk == [language == "zh-hans"] * len(labels), labels
    assert "bulk_load" not in labels and "process_start" not in labels


# -- the operation log and the history tabs as pages -------------------------------------------------

AT = datetime.datetime(2026, 12, 4, 2, 15, 33, 123456, tzinfo=datetime.UTC)  # 10:15:33 in Beijing
LOG = "/core/auditevent/"


@pytest.fixture
def reader(db):
    return user_with("core.view_auditevent", "core.export_auditevent", data_scope="all")


@pytest.fixture
def started(db):
    from xiuhao.workflow.models import ProcessInstance

    event = audit.record(actor=UserFactory(display_name="李娜"), action="create", verb="process_start",
                         obj=BranchFactory(name="华南分公司"))
    event.content_type = ContentType.objects.get_for_model(ProcessInstance)
    event.at = AT
    event.save()
    return event


def cookie(client, language):
    client.cookies["xiuhao_language"] = language


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_log_lists_local_time_to_the_minute_and_verbs_by_their_labels(client, reader, started, language):
    client.force_login(reader)
    cookie(client, language)
    html = client.get(LOG).content.decode()
    assert "2026-12-04 10:15<" in html
    assert "02:15" not in html and "123456" not in html and "+00:00" not in html
    assert ("Process started" if language == "en" else "流程已启动") in html
    assert "process_start" not in html


@pytest.mark.django_db
def test_the_log_detail_title_and_export_show_local_time_and_the_api_keeps_iso_with_offset(client, reader, started):
    client.force_login(reader)
    cookie(client, "zh-hans")
    html = client.get(f"{LOG}{started.pk}/").content.decode()
    assert "2026-12-04 10:15:33" in html and "2026-12-04 10:15 " in html  # the detail and the title
    assert "流程已启动" in html and "流程实例" in html and "workflow | " not in html
    sheet = load_workbook(io.BytesIO(client.get(f"{LOG}export/").content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("操作内容")] == "流程已启动")
    assert row[header.index("时间")] == datetime.datetime(2026, 12, 4, 10, 15, 33)
    assert row[header.index("记录类型")] == "流程实例"
    api = client.get(f"/api/v1/core/auditevent/{started.pk}/").json()
    assert api["at"] == "2026-12-04T10:15:33.123456+08:00" and api["verb"] == "process_start"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_record_type_filter_offers_the_models_people_know_by_their_names(client, reader, language):
    client.force_login(reader)
    cookie(client, language)
    html = client.get(LOG).content.decode()
    select = re.search(r'<select name="content_type".*?</select>', html, re.S).group(0)
    for internal in ("idempotency", "job run", "number counter", "Idempotency", " | "):
        assert internal not in select
    assert ("Customer" if language == "en" else "客户") in select
    assert ("Contract" if language == "en" else "合同") in select


@pytest.mark.django_db
def test_the_record_type_filter_finds_the_events_of_that_type(client, reader, started):
    from xiuhao.workflow.models import ProcessInstance

    other = audit.record(actor=None, action="create", obj=BranchFactory(name="西北分公司"))
    client.force_login(reader)
    ct = ContentType.objects.get_for_model(ProcessInstance)
    html = client.get(LOG, {"content_type": ct.pk}).content.decode()
    assert f'href="{LOG}{started.pk}/"' in html and f'href="{LOG}{other.pk}/"' not in html


@pytest.mark.django_db
def test_a_history_tab_hides_the_search_columns_and_names_what_it_shows(client, english):
    from xiuhao.customers.services import customer_create

    actor = UserFactory()
    grant(actor, "customers.view_customer", "customers.add_customer", data_scope="all")
    customer = customer_create(actor=actor, data={"name": "深圳市南山区人民医院", "kind": "company", "tier": "gold",
                                                  "status": "active", "phone": "0755-26553111",
                                                  "branch": BranchFactory(name="华南分公司")})
    event = AuditEvent.objects.get(object_id=str(customer.pk), action="create",
                                   content_type__model="customer")
    assert {"name_pinyin", "phone_digits", "name_normalized"} <= set(event.changes)
    client.force_login(actor)
    html = client.get(f"/customers/customer/{customer.pk}/?tab=history").content.decode()
    table = re.search(r'data-testid="history".*?</table>\s*</div>', html, re.S).group(0)
    for internal in ("name_pinyin", "name pinyin", "phone_digits", "phone digits", "name_normalized",
                     "name initials", "shenzhen"):
        assert internal not in table
    assert ">Name<" in table and "深圳市南山区人民医院" in table and "华南分公司" in table and ">Gold<" in table


@pytest.mark.django_db
def test_a_move_that_stored_ids_and_times_shows_names_and_local_times(client, english):
    manager = UserFactory(display_name="王芳")
    branch = BranchFactory(name="华东分公司")
    audit.record(actor=None, action="update", obj=branch, verb="demo",
                 changes={"manager": [None, manager.pk], "created_at": [None, AT.isoformat()]})
    viewer = UserFactory()
    grant(viewer, "org.view_branch", data_scope="all")
    client.force_login(viewer)
    html = client.get(f"/org/branch/{branch.pk}/?tab=history").content.decode()
    assert "王芳" in html and f">{manager.pk}<" not in html
    assert "(Demo data)" in html
    assert "2026-12-04T02:15" not in html  # created_at: not a field people edit or see on the branch
