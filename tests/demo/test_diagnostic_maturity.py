"""The demo's maturity waves: written (spreadsheet + LimeSurvey export and its mapping), taken in by
the one ingest, and telling the plan's story (weak start on online services, inclusion and data;
better at mid-term where actions were; élus more optimistic than agents on internal tools)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.demo import diagnostic_maturity as demo
from pipelines.demo.diagnostic import PARTS
from pipelines.diagnostic.maturity import compare_waves, group_gaps
from pipelines.ingest.run import ingest


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-maturity")
    folder = root / "exports" / "diagnostic"
    folder.mkdir(parents=True)
    written = demo.write(folder)
    assert [p.name for p in written] == [
        "maturite-2024-02-15.xlsx",
        "results-survey482913.csv",
        "demo-maturite-limesurvey.toml",
    ]
    assert (root / "mappings" / "demo-maturite-limesurvey.toml").exists()
    reports = ingest([root / "exports"], root / "wh.duckdb", data_dir=root, plan_path=None)
    by = {r.path.rsplit("/", 1)[-1]: r for r in reports}
    sheet, survey = by["maturite-2024-02-15.xlsx"], by["results-survey482913.csv"]
    assert (sheet.status, sheet.rows_read, sheet.rows_rejected) == ("loaded", 45, 0), sheet.message
    assert (survey.status, survey.rows_read, survey.rows_rejected) == ("loaded", 42, 0), survey.message
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    yield con
    con.close()


def test_registered():
    assert "maturity" in PARTS


def test_every_statement_answered_by_each_wave(warehouse):
    rows = warehouse.execute(
        "select wave, respondent_group, count(distinct respondent_key), count(distinct item) "
        "from maturity_answers group by all order by all"
    ).fetchall()
    assert rows == [
        (dt.date(2024, 2, 15), "agent", 35, 38),
        (dt.date(2024, 2, 15), "elu", 10, 38),
        (dt.date(2026, 6, 15), "agent", 33, 38),
        (dt.date(2026, 6, 15), "elu", 9, 38),
    ]
    assert warehouse.execute("select count(*) from maturity_answers where level is null").fetchone()[0] > 0


def test_the_story(warehouse):
    scores = dict(
        warehouse.execute(
            "select theme, score from kpi_maturity_scores where wave = date '2024-02-15' and \"group\" = 'all'"
        ).fetchall()
    )
    weakest = sorted(scores, key=scores.get)[:4]
    assert {"SEL", "INC", "DON"} <= set(weakest)
    waves = compare_waves(warehouse)
    pooled = {r["theme"]: r for r in waves.filter(waves["group"] == "all").iter_rows(named=True)}
    for theme in ("SEL", "INC", "OUT"):
        assert pooled[theme]["difference"] > 0.7 and pooled[theme]["significant"], pooled[theme]["sentence"]
    assert abs(pooled["RES"]["difference"]) < 0.5
    gaps = group_gaps(warehouse, dt.date(2024, 2, 15))
    out = gaps.filter(gaps["theme"] == "OUT").row(0, named=True)
    assert out["gap"] > 0.5 and out["ci_low"] > 0, out["sentence"]
