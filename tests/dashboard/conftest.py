"""Fixtures of the app tests: the app under AppTest, a private copy of the demo, the CLI's numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")
PAGES = {  # page file (relative to app.py) → title
    "overview": "Vue d'ensemble",
    "diagnostic": "Diagnostic",
    "indicator": "Indicateur",
    "review": "Revue",
    "gains": "Gains",
    "roadmap": "Feuille de route",
    "funders": "Financeurs",
    "data": "Données",
    "accessibility": "Déclaration d'accessibilité",
}


def open_app(page: str = "overview") -> AppTest:
    """The app, run once, then switched to ``page`` (a file of ``app_pages/``) and run."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def unescape(markdown: str) -> str:
    """What a reader sees of escaped Markdown (``d\\'urbanisme`` → ``d'urbanisme``)."""
    return re.sub(r"\\([^\w\s])", r"\1", markdown)


def texts(at: AppTest) -> str:
    """Every piece of text an AppTest run shows (Markdown, captions, alerts, metrics), unescaped."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader]
    return unescape("\n".join(str(p) for p in parts))


def assert_clean(at: AppTest) -> None:
    """No exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def demo_copy(demo, tmp_path, monkeypatch):
    """A private copy of the demo warehouse and plan (for tests that ingest or lock it)."""
    data = tmp_path / "donnees"
    data.mkdir()
    shutil.copyfile(demo.warehouse, data / "warehouse.duckdb")
    shutil.copyfile(demo.plan, data / "plan.toml")
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("BAROMETRE_PLAN", str(data / "plan.toml"))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    return data


@pytest.fixture(scope="session")
def kpi_json(demo) -> dict:
    """What ``barometre kpi --json`` prints for the demo (the reference the cards must match)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "kpi",
            "--json",
            "--warehouse",
            str(demo.warehouse),
            "--plan",
            str(demo.plan),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(autouse=True)
def analyst_mode(monkeypatch):
    """Page tests exercise the upload widget: run them in analyst mode (viewer is the default,
    tested in test_access.py, which overrides this)."""
    monkeypatch.setenv("BAROMETRE_MODE", "analyst")
