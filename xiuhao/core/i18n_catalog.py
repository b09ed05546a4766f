"""The Simplified Chinese message catalog: extract the source's msgids (GNU gettext via
`makemessages`, on a copy of the source so the committed catalog is untouched), list what is
missing, and merge translations in under a file lock (several people may add at once).

Used by the translation test and by `scripts/i18n.py`."""

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parents[2]
SOURCE_DIR = BASE_DIR / "xiuhao"
CATALOG = SOURCE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES_IGNORES = [".venv/*", "node_modules/*", "var/*", "e2e/*", "bench/*"]


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def describe(entry):
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _copy_ignore(directory, names):
    ignored = {n for n in names if n in ("__pycache__", "node_modules") or n.endswith((".pyc", ".mo", ".po"))}
    if Path(directory).name == "static":
        ignored |= {n for n in names if n == "vendor"}  # third-party assets; not in the django domain
    return ignored


def extract(workdir: Path, *, locations=False) -> list:
    """Run makemessages on a copy of the source in `workdir`; return the extracted entries."""
    shutil.copytree(SOURCE_DIR, workdir / "xiuhao", ignore=_copy_ignore)
    shutil.copy2(BASE_DIR / "manage.py", workdir / "manage.py")
    (workdir / "xiuhao" / "locale").mkdir(exist_ok=True)  # the copy starts without a catalog
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["DJANGO_SETTINGS_MODULE"] = "xiuhao.config.settings"
    command = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"]
    if not locations:
        command.append("--no-location")
    for pattern in MAKEMESSAGES_IGNORES:
        command += ["--ignore", pattern]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"makemessages failed:\n{result.stdout}\n{result.stderr}")
    path = workdir / "xiuhao" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if not path.exists():
        raise RuntimeError(f"makemessages wrote no catalog:\n{result.stdout}\n{result.stderr}")
    return [e for e in polib.pofile(str(path)) if not e.obsolete]


def missing(under: str = "") -> list[dict]:
    """Source msgids not translated in the catalog, optionally only those used under a path."""
    committed = {key(e): e for e in polib.pofile(str(CATALOG)) if not e.obsolete and e.translated()}
    with tempfile.TemporaryDirectory() as tmp:
        entries = extract(Path(tmp), locations=True)
    rows = []
    for entry in entries:
        if key(entry) in committed:
            continue
        files = sorted({path for path, _line in entry.occurrences})
        if under and not any(f.startswith(under.removeprefix("./")) for f in files):
            continue
        row = {"msgid": entry.msgid, "msgstr": "", "files": files}
        if entry.msgctxt:
            row["msgctxt"] = entry.msgctxt
        if entry.msgid_plural:
            row["msgid_plural"] = entry.msgid_plural
        rows.append(row)
    return rows


@contextmanager
def locked_catalog():
    """The catalog, loaded under an exclusive lock and saved (and compiled) on exit."""
    with open(CATALOG.with_name(".django.po.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        po = polib.pofile(str(CATALOG), wrapwidth=0)
        yield po
        po.save(str(CATALOG))
        po.save_as_mofile(str(CATALOG.with_suffix(".mo")))


def add(rows: list[dict]) -> int:
    """Merge {msgid, msgstr[, msgctxt, msgid_plural]} rows with a non-empty msgstr; returns how many."""
    count = 0
    with locked_catalog() as po:
        existing = {key(e): e for e in po}
        for row in rows:
            if not row.get("msgstr"):
                continue
            entry = existing.get((row.get("msgctxt") or "", row["msgid"]))
            if entry is None:
                entry = polib.POEntry(msgid=row["msgid"], msgctxt=row.get("msgctxt") or None)
                if row.get("msgid_plural"):
                    entry.msgid_plural = row["msgid_plural"]
                po.append(entry)
            if entry.msgid_plural:
                entry.msgstr_plural = {0: row["msgstr"]}
            else:
                entry.msgstr = row["msgstr"]
            entry.obsolete = False
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            count += 1
    return count
