"""The maturity entry form (analyst mode): filled and submitted under AppTest, the canonical CSV
written under the data folder, the same ingest run, the answers in the warehouse; the section on
the Données page in analyst mode only."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.maturity_form import entry_csv, respondent_id
from tests.dashboard.conftest import open_app
from tests.pipelines.diagnostic.test_waves import REFERENTIAL


def _script():
    import os
    from pathlib import Path

    from dashboard.maturity_form import render

    render(
        data_dir=Path(os.environ["BAROMETRE_DATA_DIR"]),
        warehouse=Path(os.environ["BAROMETRE_WAREHOUSE"]),
        plan_path=Path(os.environ["BAROMETRE_PLAN"]),
    )


@pytest.fixture
def folder(tmp_path, monkeypatch):
    data = tmp_path / "donnees"
    data.mkdir()
    (data / "referentiel-maison.toml").write_text(REFERENTIAL, encoding="utf-8")
    (data / "plan.toml").write_text(
        '[diagnostic]\nreferential = "referentiel-maison.toml"\n', encoding="utf-8"
    )
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("BAROMETRE_PLAN", str(data / "plan.toml"))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    return data


def test_entry_csv_has_no_name():
    text = entry_csv(dt.date(2026, 6, 15), "elu", 3, {"AAA-1": 4, "AAA-2": None})
    assert text.splitlines() == [
        "source,wave,respondent_group,respondent_key,item,level",
        "saisie-atelier,2026-06-15,elu,atelier-elu-3,AAA-1,4",
        "saisie-atelier,2026-06-15,elu,atelier-elu-3,AAA-2,ne sait pas",
    ]
    assert respondent_id("agent", 12) == "atelier-agent-12"


def test_fill_submit_and_rows_in_the_warehouse(folder):
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception
    radios = {r.key: r for r in at.radio}
    assert sorted(radios) == [f"mf_{t}-{k}" for t in ("AAA", "BBB") for k in (1, 2, 3)]
    assert "Référentiel d'essai" in " ".join(c.value for c in at.caption)
    assert "jamais par son nom" in " ".join(c.value for c in at.caption)
    assert "Rien." in radios["mf_AAA-1"].help  # the level descriptors as help
    at.date_input(key="mf_wave").set_value(dt.date(2026, 6, 15))
    at.selectbox(key="mf_group").set_value("elu")
    at.number_input(key="mf_number").set_value(3)
    for key, level in {"mf_AAA-1": 4, "mf_AAA-2": 2, "mf_BBB-1": 5}.items():
        at.radio(key=key).set_value(level)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and "saisies/maturite-2026-06-15-1.csv" in at.success[0].value
    shown = at.dataframe[-1].value
    assert list(shown["Score du répondant (sur 5)"]) == ["3,0", "5,0"]  # (4 + 2) / 2; 5
    assert list(shown["Affirmations notées"]) == ["2 sur 3", "1 sur 3"]
    written = folder / "saisies" / "maturite-2026-06-15-1.csv"
    assert written.exists()
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select wave, respondent_group, item, level from maturity_answers order by item"
        ).fetchall()
        keys = con.execute("select distinct respondent_key from maturity_answers").fetchall()
        score = con.execute(
            "select score, n from kpi_maturity_scores where theme = 'AAA' and \"group\" = 'elu'"
        ).fetchone()
    finally:
        con.close()
    assert [(r[2], r[3]) for r in rows] == [
        ("AAA-1", 4),
        ("AAA-2", 2),
        ("AAA-3", None),
        ("BBB-1", 5),
        ("BBB-2", None),
        ("BBB-3", None),
    ]
    assert {(r[0], r[1]) for r in rows} == {(dt.date(2026, 6, 15), "elu")}
    assert len(keys) == 1 and keys[0][0] != "atelier-elu-3"  # hashed
    assert score == (pytest.approx(3.0), 1)  # (4 + 2) / 2, « ne sait pas » not counted
    # the same respondent entered again corrects, never counts twice
    at.radio(key="mf_AAA-2").set_value(4)
    at.button[0].click().run()
    assert (folder / "saisies" / "maturite-2026-06-15-2.csv").exists()
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*), sum(level) from maturity_answers").fetchone() == (6, 13)
    finally:
        con.close()


def test_nothing_entered_nothing_saved(folder):
    at = AppTest.from_function(_script, default_timeout=60).run()
    at.button[0].click().run()
    assert at.warning and "Aucun niveau saisi" in at.warning[0].value
    assert not (folder / "saisies").exists()


def test_section_on_the_data_page_in_analyst_mode_only(folder, monkeypatch):
    at = open_app("data")
    assert not at.exception, [e.value for e in at.exception]
    assert "Saisir une autoévaluation de maturité" in [s.value for s in at.subheader]
    monkeypatch.delenv("BAROMETRE_MODE", raising=False)
    at = open_app("data")
    assert "Saisir une autoévaluation de maturité" not in [s.value for s in at.subheader]
