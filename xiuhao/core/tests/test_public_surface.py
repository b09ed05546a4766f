"""Other apps use core's public names only: no `from xiuhao.core… import _private`, and from the
import package only what its __all__ offers."""

import ast
from pathlib import Path

from xiuhao.core import imports

ROOT = Path(__file__).resolve().parents[3]


def imported_names():
    for path in [*ROOT.glob("xiuhao/*/**/*.py"), *ROOT.glob("bench/*.py")]:
        if path.is_relative_to(ROOT / "xiuhao" / "core"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xiuhao.core"):
                for alias in node.names:
                    yield path.relative_to(ROOT), node.module, alias.name


def test_no_app_imports_a_private_name_of_core():
    assert [hit for hit in imported_names() if hit[2].startswith("_")] == []


def test_apps_take_from_the_import_package_only_its_public_surface():
    outside = [hit for hit in imported_names() if hit[1] == "xiuhao.core.imports" and hit[2] not in imports.__all__]
    assert outside == []
    assert not [hit for hit in imported_names() if hit[1].startswith("xiuhao.core.imports.")]
