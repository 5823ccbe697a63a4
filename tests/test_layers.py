"""The layers read top-down, no import goes back up:

``schemas/`` → ``pipelines/{plan, warehouse}`` → ``pipelines/{ingest, indicators}`` →
``pipelines/present/`` → ``dashboard/`` (Streamlit only), ``pipelines/report/``, the CLI.

Every ``.py`` file under ``pipelines/``, ``schemas/`` and ``dashboard/`` is parsed with ``ast``;
imports are read at any depth (inside functions too, where the lazy ones hide), relative imports
resolved against the importing module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("pipelines", "schemas", "dashboard")
# (importer prefix, forbidden imported prefixes, why)
RULES = (
    ("pipelines", ("dashboard",), "pipelines/ ne dépend pas de l'application"),
    ("schemas", ("dashboard", "pipelines"), "schemas/ est la couche la plus basse"),
    (
        "pipelines.indicators",
        ("pipelines.present", "pipelines.report"),
        "les indicateurs sont sous la présentation",
    ),
    (
        "pipelines.present",
        ("dashboard", "pipelines.report", "streamlit"),
        "la présentation est partagée, sans Streamlit",
    ),
)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every module named by an import statement, at any depth, relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def violations(root: Path) -> list[str]:
    out = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            imports = imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
            for importer, forbidden, why in RULES:
                if module != importer and not module.startswith(importer + "."):
                    continue
                for name in sorted(imports):
                    if any(name == f or name.startswith(f + ".") for f in forbidden):
                        out.append(f"{module} importe {name} ({why})")
    return out


def test_no_import_goes_back_up():
    assert violations(ROOT) == []


def test_every_package_is_seen():
    modules = {module_name(p, ROOT) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert {
        "pipelines.present.charts",
        "pipelines.indicators.evaluate",
        "schemas.registry",
        "dashboard.app",
    } <= modules


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "pipelines/report/x.py",
            "def f():\n    from dashboard import charts\n",
            "pipelines.report.x importe dashboard",
        ),
        (
            "pipelines/indicators/x.py",
            "from ..present import charts\n",
            "pipelines.indicators.x importe pipelines.present",
        ),
        ("pipelines/indicators/x.py", "import pipelines.report.pack\n", "importe pipelines.report.pack"),
        (
            "schemas/x.py",
            "if True:\n    from pipelines.plan import Plan\n",
            "schemas.x importe pipelines.plan",
        ),
        ("pipelines/present/x.py", "import streamlit as st\n", "pipelines.present.x importe streamlit"),
    ],
)
def test_an_import_going_back_up_is_caught(tmp_path, path, source, expected):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    file = tmp_path / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(source, encoding="utf-8")
    found = violations(tmp_path)
    assert any(expected in v for v in found), found


def test_imports_allowed_downwards_are_not_flagged(tmp_path):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "pipelines" / "report").mkdir()
    (tmp_path / "pipelines" / "report" / "x.py").write_text(
        "from pipelines.present import charts\nfrom pipelines.indicators import evaluate\nimport pipelines.french\n",
        encoding="utf-8",
    )
    (tmp_path / "dashboard" / "y.py").write_text("from pipelines.present import tables\n", encoding="utf-8")
    assert violations(tmp_path) == []
