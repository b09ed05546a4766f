"""Fill the Simplified Chinese catalog without running makemessages on it.

    .venv/bin/python scripts/i18n.py missing [--under xiuhao/customers] > /tmp/todo.json
    # translate: fill each "msgstr" in the JSON (keep %(name)s placeholders)
    .venv/bin/python scripts/i18n.py add /tmp/todo.json

`add` merges under a file lock and compiles django.mo, so several people can add at once."""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiuhao.config.settings")

from xiuhao.core import i18n_catalog  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("missing", help="print untranslated source msgids as JSON")
    listing.add_argument("--under", default="", help="only msgids used in files under this path")
    adding = commands.add_parser("add", help="merge translated rows from a JSON file")
    adding.add_argument("file")
    args = parser.parse_args()
    if args.command == "missing":
        json.dump(i18n_catalog.missing(args.under), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        rows = json.loads(Path(args.file).read_text(encoding="utf-8"))
        print(f"{i18n_catalog.add(rows)} translations merged into {i18n_catalog.CATALOG}")


if __name__ == "__main__":
    main()
