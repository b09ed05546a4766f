"""Rendered pages speak one language: filter labels, field labels, dates and the words a page
shows come from the catalog in the user's language, whatever another request rendered before.

The catalog tests (test_translations.py) check msgids in code; these check what a page shows."""

import re
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import formats, translation

from xiuhao.core.registry import registry
from xiuhao.core.testing import model_permissions
from xiuhao.org.tests.factories import RoleFactory, UserFactory

LIST_PAGES = [c for c in registry if c.pages and c.filter_fields]
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff1f\u3000-\u303f]")
ENGLISH_WORD = re.compile(r"\b[A-Z][a-z]{2,}\b")
LABEL = re.compile(r"<label[^>]*>(.*?)</label>", re.S)
TAG = re.compile(r"<[^>]+>")


def labels(html):
    return [TAG.sub("", m).strip() for m in LABEL.findall(html) if TAG.sub("", m).strip()]


def manager_for(config):
    user = UserFactory()
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(config.model))
    user.roles.add(role)
    return user


def get_in(client, language, url, **params):
    client.cookies["xiuhao_language"] = language
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("config", LIST_PAGES, ids=[c.key for c in LIST_PAGES])
def test_filter_labels_follow_the_language_even_after_the_schema_was_rendered_in_english(client, db, config):
    from xiuhao.core.filtersets import build_filterset  # noqa: F401  (the API and pages share the class)

    client.force_login(manager_for(config))
    client.cookies["xiuhao_language"] = "en"
    assert client.get(reverse("api-schema"), HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    chinese = labels(get_in(client, "zh-hans", config.url("list")))
    english_words = [label for label in chinese if ENGLISH_WORD.search(label)]
    assert not english_words, f"{config.key}: English filter labels on a Chinese page: {english_words}"
    english = labels(get_in(client, "en", config.url("list")))
    chinese_words = [label for label in english if CJK.search(label)]
    assert not chinese_words, f"{config.key}: Chinese labels on an English page: {chinese_words}"
    lower = [label for label in english if label[:1].islower()]
    assert not lower, f"{config.key}: labels not capitalised in English: {lower}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_in_lists_are_iso_like_on_one_line(language):
    with translation.override(language):
        assert formats.date_format(date(2026, 12, 4), "SHORT_DATE_FORMAT") == "2026-12-04"
        assert formats.date_format(date(2026, 12, 4)) == "2026-12-04"
        assert formats.date_format(datetime(2026, 12, 4, 14, 30), "DATETIME_FORMAT") == "2026-12-04 14:30"
        assert formats.localize(date(2026, 12, 4), use_l10n=True) == "2026-12-04"


def test_a_running_process_is_not_a_running_clock():
    from xiuhao.sla.models import SlaClock
    from xiuhao.workflow.models import ProcessInstance

    with translation.override("zh-hans"):
        assert str(SlaClock.Status.RUNNING.label) == "计时中"
        assert str(ProcessInstance.Status.RUNNING.label) == "运行中"


def test_every_message_kind_sent_by_the_code_has_a_label_in_both_languages():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sent = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "notify" not in text and "Notice" not in text and "Message" not in text:
            continue
        sent |= set(re.findall(r'\bkind="([a-z]+_[a-z_]+|announcement|system)"', text))
    sent -= {"task"}
    from xiuhao.messages.inbox import kind_label

    for language in ("zh-hans", "en"):
        with translation.override(language):
            raw = sorted(k for k in sent if str(kind_label(k)) == k)
    assert not raw, f"message kinds shown as codes: {raw}"


def test_a_shipped_process_definition_shows_its_name_in_the_users_language(client, db):
    from xiuhao.workflow.models import ProcessDefinition

    definition = ProcessDefinition.objects.filter(name="Announcement approval").first()
    if definition is None:
        pytest.skip("the shipped announcement process is not loaded in this database")
    config = registry.get("workflow.processdefinition") if hasattr(registry, "get") else None
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    html = get_in(client, "zh-hans", config.url("detail", definition.pk) if config else "/", tab="details")
    assert "Announcement approval" not in html
