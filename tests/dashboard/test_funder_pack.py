"""The Financeurs page builds the pack on a click, shows progress, previews it and offers the ZIP."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")


def test_funders_page_builds_and_offers_the_pack(demo_env):
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/funders.py").run()
    assert not at.exception
    at.button(key="pack-build").click().run()
    assert not at.exception
    assert not at.error
    assert len(at.get("download_button")) == 2  # the ZIP and the PDF alone
    frames = [df.value for df in at.dataframe]
    summary = next(
        df for df in frames if list(df.columns[:3]) == ["Indicateur", "Valeur", "Intervalle à 95 %"]
    )
    assert len(summary) >= 1
    files = next(df for df in frames if list(df.columns) == ["Fichier", "Taille"])
    assert "manifest.json" in files["Fichier"].tolist() and any(
        f.endswith(".pdf") for f in files["Fichier"].tolist()
    )
    at.run()  # a rerun keeps the pack built for this funder and snapshot
    assert len(at.get("download_button")) == 2


def test_review_page_builds_and_offers_the_handover_pack(demo_env):
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    at.button(key="handover-build").click().run()
    assert not at.exception and not at.error
    keys = [b.key for b in at.get("download_button")]
    assert {"handover-zip", "handover-pdf"} <= set(keys)
    files = next(df.value for df in at.dataframe if list(df.value.columns) == ["Fichier", "Taille"])
    names = files["Fichier"].tolist()
    assert any(n.startswith("bilan-continuite-") and n.endswith(".pdf") for n in names)
    assert "donnees/decisions.csv" in names and "manifest.json" in names
