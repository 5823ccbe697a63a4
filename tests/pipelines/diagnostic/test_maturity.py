"""Maturity answers through the one ingest path, and the scores of ``kpi_maturity`` against values
computed by hand.

Fixture ``maturite_vague_2026-01.csv`` (wave 2026-01-15), the levels given (NSP = « ne sait pas »):

    respondent  group  GOV-1 GOV-2 GOV-3  INC-1
    e1          elu      3     4    NSP     2
    e2          elu      5     5     –     NSP
    a1          agent    1     2     0      4
    a2          agent    2    (empty)      3
    a3          agent   NSP   NSP    –      1

and four bad lines: GOV-9 (not in the referential), level 7, level « 2,5 », group « maire ».
"""

from __future__ import annotations

import math

import duckdb
import polars as pl
import pytest

from tests.pipelines.ingest.conftest import DropZone

T975 = {1: 12.706204736174707, 2: 4.302652729749464, 3: 3.182446305284263}  # Student t(0.975, df)


@pytest.fixture
def loaded(tmp_path):
    zone = DropZone(tmp_path)
    zone.add("maturite_vague_2026-01.csv")
    (report,) = zone.ingest()
    return zone, report


def _scores(zone) -> dict:
    rows = zone.rows(
        'select theme, "group", score, ci_low, ci_high, n, below_min from kpi_maturity_scores '
        "where wave = date '2026-01-15'"
    )
    return {(t, g): r for t, g, *r in rows}


def test_every_line_loaded_or_rejected_in_french(loaded):
    zone, report = loaded
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (21, 17, 4)
    rejected = zone.rows('select line, "column", value, message from rejected_rows order by line')
    assert [(line, c, v) for line, c, v, _ in rejected] == [
        (19, "item", "GOV-9"),
        (20, "level", "7"),
        (21, "level", "2,5"),
        (22, "respondent_group", "maire"),
    ]
    messages = [m for *_, m in rejected]
    assert "« GOV-9 » n'existe pas dans le référentiel de maturité" in messages[0]
    assert messages[1] == "« 7 » est hors des bornes admises pour niveau (level) (au plus 5)."
    assert "un nombre entier de 0 à 5 est attendu, ou « ne sait pas »" in messages[2]
    assert "« maire » n'est pas une valeur admise pour groupe de répondants" in messages[3]


def test_respondents_hashed_dont_know_kept(loaded):
    zone, _ = loaded
    keys = {k for (k,) in zone.rows("select distinct respondent_key from maturity_answers")}
    assert len(keys) == 5 and not keys & {"e1", "e2", "a1", "a2", "a3"}
    assert zone.one("select count(*) from maturity_answers where level is null") == 5
    assert zone.one("select count(*) from maturity_answers where respondent_group = 'elu'") == 7
    assert zone.one("select count(*) from maturity_items") == 38


def test_idempotent_and_a_later_file_updates(loaded):
    zone, _ = loaded
    before = zone.rows("select * exclude (file_id) from maturity_answers order by all")
    zone.add("maturite_vague_2026-01.csv", sub="copie")
    assert all(r.status == "skipped" for r in zone.ingest())
    # the same answer corrected in a later file: updated, never counted twice
    zone.write(
        "correction.csv", "wave,respondent_group,respondent_key,item,level\n2026-01-15,agent,a2,GOV-2,4\n"
    )
    zone.ingest()
    after = zone.rows("select * exclude (file_id) from maturity_answers order by all")
    assert len(after) == len(before)
    assert (
        zone.one(
            "select count(*) from maturity_answers where item = 'GOV-2' and respondent_group = 'agent' and level = 4"
        )
        == 1
    )


def test_a_wave_written_the_french_way_is_the_same_wave(loaded):
    zone, _ = loaded
    n = zone.one("select count(*) from maturity_answers")
    path = zone.write(
        "correction-fr.csv",
        "wave,respondent_group,respondent_key,item,level\n15/01/2026,agent,a2,GOV-2,3\n"
        "2026-01-15 00:00:00,agent,a2,GOV-1,3\n",
    )
    (report,) = zone.ingest(path)
    assert (report.rows_loaded, report.rows_new) == (2, 0), report.message  # both known answers, updated
    assert zone.one("select count(*) from maturity_answers") == n


def test_wave_key_spellings():
    from pipelines.ingest.adapters.maturity import _wave_key

    got = pl.DataFrame(
        {"w": ["15/01/2026", "5/1/2026", "2026-01-15", " 2026-01-15T10:00:00 ", "2026-1-5"]}
    ).select(_wave_key(pl.col("w")))["w"]
    assert got.to_list() == ["2026-01-15", "2026-01-05", "2026-01-15", "2026-01-15", "2026-01-05"]


def test_scores_equal_hand_computation(loaded):
    zone, _ = loaded
    s = _scores(zone)
    # GOV, respondents' scores: e1 (3 + 4) / 2 = 3.5; e2 (5 + 5) / 2 = 5; a1 (1 + 2 + 0) / 3 = 1;
    # a2 2 / 1 = 2; a3 answered « ne sait pas » only: no score, not counted.
    # all: n = 4, mean = (3.5 + 5 + 1 + 2) / 4 = 2.875; squared deviations 0.625² + 2.125² + 1.875²
    # + 0.875² = 9.1875, sd = √(9.1875 / 3) = 1.75; half-width t(0.975, 3) · 1.75 / √4
    score, lo, hi, n, _ = s[("GOV", "all")]
    half = T975[3] * 1.75 / 2
    assert (n, score) == (4, pytest.approx(2.875))
    assert lo == pytest.approx(2.875 - half)  # 0.0904
    assert hi == 5.0  # 2.875 + 2.785 = 5.66, cut to the top of the scale
    # elu: 3.5 and 5, mean 4.25, sd = √((0.75² + 0.75²) / 1) = √1.125; interval cut to 0–5
    score, lo, hi, n, _ = s[("GOV", "elu")]
    assert (n, score, lo, hi) == (2, pytest.approx(4.25), 0.0, 5.0)
    assert 4.25 - T975[1] * math.sqrt(1.125) / math.sqrt(2) < 0  # why the cut
    # agent: 1 and 2, mean 1.5
    assert s[("GOV", "agent")][0] == pytest.approx(1.5) and s[("GOV", "agent")][3] == 2
    # INC: e1 2, a1 4, a2 3, a3 1 (e2 « ne sait pas »). all: mean 10 / 4 = 2.5; squared deviations
    # 0.25 + 2.25 + 0.25 + 2.25 = 5, sd = √(5 / 3); half-width t(0.975, 3) · sd / 2 = 2.0543
    score, lo, hi, n, _ = s[("INC", "all")]
    half = T975[3] * math.sqrt(5 / 3) / 2
    assert (n, score) == (4, pytest.approx(2.5))
    assert (lo, hi) == (pytest.approx(2.5 - half), pytest.approx(2.5 + half))  # 0.4457, 4.5543
    # agent: 4, 3, 1 → mean 8 / 3; one elu only (e1 = 2): no interval
    assert s[("INC", "agent")][0] == pytest.approx(8 / 3) and s[("INC", "agent")][3] == 3
    assert list(s[("INC", "elu")][:4]) == [2.0, None, None, 1]
    # themes nobody scored do not appear
    assert {t for t, _ in s} == {"GOV", "INC"}


def test_wave_below_minimum_is_flagged_not_hidden(loaded):
    zone, _ = loaded
    # the shipped referential asks for 5 respondents: every row here is flagged, and still shown
    assert all(row[-1] for row in _scores(zone).values())
    con = duckdb.connect(str(zone.warehouse))
    try:
        con.execute("update maturity_themes set min_respondents = 4").fetchall()
        flags = {
            (t, g): b
            for t, g, b in con.execute('select theme, "group", below_min from kpi_maturity()').fetchall()
        }
    finally:
        con.close()
    assert flags[("INC", "all")] is False  # n = 4, minimum 4
    assert flags[("INC", "agent")] is True  # n = 3 < 4
