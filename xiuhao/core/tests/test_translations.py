"""The Simplified Chinese catalog is complete: every entry translated (none fuzzy, placeholders
kept), and every msgid the source marks for translation is in the catalog.

The second check runs `manage.py makemessages` (GNU gettext's xgettext) on a copy of the source
in a temporary directory and compares its msgids with xiuhao/locale/zh_Hans/LC_MESSAGES/django.po.
When it fails, list what is missing with `.venv/bin/python scripts/i18n.py missing > todo.json`,
fill in the msgstr values and merge them with `.venv/bin/python scripts/i18n.py add todo.json`.
No database is needed."""

import re
import shutil

import polib
import pytest

from xiuhao.core.i18n_catalog import BASE_DIR, CATALOG, describe, extract, key

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|%%")


def load_catalog():
    assert CATALOG.exists(), f"{CATALOG.relative_to(BASE_DIR)} is missing; run makemessages -l zh_Hans"
    return polib.pofile(str(CATALOG))


def test_catalog_header_is_simplified_chinese():
    po = load_catalog()
    assert po.metadata.get("Language") == "zh_Hans"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = load_catalog()
    untranslated = [describe(e) for e in po.untranslated_entries()]
    fuzzy = [describe(e) for e in po.fuzzy_entries()]
    # polib counts a plural entry as translated if any form is; zh has exactly one form, msgstr[0].
    empty_plural = [
        describe(e) for e in po if e.msgid_plural and not e.obsolete and not e.msgstr_plural.get(0)
    ]
    assert not untranslated, f"{len(untranslated)} untranslated entries:\n" + "\n".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries:\n" + "\n".join(fuzzy)
    assert not empty_plural, "plural entries without msgstr[0]:\n" + "\n".join(empty_plural)


def test_translations_keep_the_placeholders():
    po = load_catalog()
    wrong = []
    for entry in po:
        if entry.obsolete:
            continue
        # With plural=0 every number uses msgstr[0]; it must carry the plural msgid's placeholders.
        source = entry.msgid_plural or entry.msgid
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(f"{describe(entry)!r} → {text!r}")
    assert not wrong, "translations with different placeholders:\n" + "\n".join(wrong)


def test_every_source_msgid_is_in_the_catalog(tmp_path):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail(
            "GNU gettext is not installed (xgettext/msgmerge not found), so the source strings cannot be "
            "extracted. Install it: apt-get install gettext"
        )
    try:
        extracted = extract(tmp_path)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    assert len(extracted) > 100, f"only {len(extracted)} msgids extracted; is the source copy complete?"

    committed = {key(e): e for e in load_catalog() if not e.obsolete}
    missing = [describe(e) for e in extracted if key(e) not in committed]
    assert not missing, (
        f"{len(missing)} msgids in the source are not in {CATALOG.relative_to(BASE_DIR)} "
        "(run makemessages, translate, compile):\n" + "\n".join(missing)
    )
    plural_changed = [
        describe(e) for e in extracted if e.msgid_plural and committed[key(e)].msgid_plural != e.msgid_plural
    ]
    assert not plural_changed, "plural msgids changed in the source:\n" + "\n".join(plural_changed)
