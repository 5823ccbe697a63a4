"""AppTest of the first page: it runs without exception and shows the headline indicators with their targets."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")


def test_overview_shows_three_headline_indicators(demo_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    text = " ".join(md.value for md in at.markdown)
    assert any("en ligne" in label for label in labels)  # take-up
    assert any("Délai médian" in label for label in labels)  # delay
    assert any("atisfaction" in label for label in labels)  # satisfaction
    assert "Cible" in text
    assert all(m.value not in ("", "—") for m in at.metric)


def test_overview_without_warehouse_says_what_to_do(tmp_path, monkeypatch, demo):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("barometre ingest" in w.value for w in at.warning)
