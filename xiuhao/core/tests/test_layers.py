"""Arrows point one way: every import between Xiuhao's packages goes down the layers of
xiuhao/config/layers.py (core imports no domain app; no two apps import each other)."""

import ast
from pathlib import Path

from xiuhao.config.layers import LAYERS, layer_of

ROOT = Path(__file__).resolve().parents[2]  # the xiuhao package
NOT_PACKAGES = {"config", "locale", "static", "templates"}


def packages():
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_PACKAGES)


def imported_packages(source):
    """(line, package) of every `xiuhao.<package>` the module imports, at any level."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "xiuhao" and len(parts) > 1:
                yield node.lineno, parts[1]


def imports_between_packages():
    """(importer, imported, "file:line") of the non-test, non-migration code."""
    for package in packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            for line, target in imported_packages(path.read_text(encoding="utf-8")):
                if target != package and target not in NOT_PACKAGES:
                    yield package, target, f"xiuhao/{'/'.join(parts)}:{line}"


def upward_imports(edges):
    return sorted(f"{where}: {src} imports {dst}" for src, dst, where in edges
                  if not layer_of(dst) < layer_of(src))


def cycles(edges):
    pairs = {(src, dst) for src, dst, _ in edges}
    return sorted({tuple(sorted(p)) for p in pairs if (p[1], p[0]) in pairs})


def test_every_package_has_its_layer_once():
    named = [p for layer in LAYERS for p in layer]
    assert len(named) == len(set(named))
    assert sorted(named) == packages()


def test_core_imports_no_domain_app():
    core = [f"{where}: {dst}" for src, dst, where in imports_between_packages() if src == "core" and dst != "dispatch"]
    assert core == []


def test_imports_go_down_the_layers():
    assert upward_imports(list(imports_between_packages())) == []


def test_no_two_apps_import_each_other():
    assert cycles(list(imports_between_packages())) == []


def test_the_check_sees_function_level_imports_and_cycles():
    source = "def f():\n    from xiuhao.org.models import Department\n\nimport xiuhao.tasks.services\n"
    assert set(imported_packages(source)) == {(2, "org"), (4, "tasks")}
    edges = [("core", "org", "a.py:2"), ("org", "core", "b.py:1"), ("assets", "catalog", "c.py:1")]
    assert upward_imports(edges) == ["a.py:2: core imports org"]
    assert cycles(edges) == [("core", "org")]
