"""Typing French values: dates day first, offsets, numbers, booleans, missing markers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.ingest.coerce import clean_text, coerce, parse_bool, parse_number
from pipelines.ingest.read import LINE_COL, read_file
from tests.pipelines.ingest.conftest import FORMATS


def _typed(values: list[str | None], dtype: pl.DataType) -> tuple[list, pl.DataFrame]:
    frame = pl.DataFrame(
        {"v": values, LINE_COL: list(range(2, 2 + len(values)))}, schema={"v": pl.String, LINE_COL: pl.Int64}
    )
    typed, rej = coerce(frame, {"v": dtype})
    return typed["v"].to_list(), rej


def test_dates_are_read_day_first_and_offsets_become_paris_time():
    values, rej = _typed(
        [
            "06/01/2025",
            "06/01/2025 09:05",
            "6/1/2025 9:05:30",
            "2025-01-06",
            "2025-03-10 22:18:19 +0100",
            "2025-04-02 10:00:28 +0200",
            "2025-03-03 07:41:12 +0000",
            "2025-03-03T07:41:12Z",
        ],
        pl.Datetime("us"),
    )
    assert rej.height == 0
    assert values == [
        dt.datetime(2025, 1, 6),
        dt.datetime(2025, 1, 6, 9, 5),
        dt.datetime(2025, 1, 6, 9, 5, 30),
        dt.datetime(2025, 1, 6),
        dt.datetime(2025, 3, 10, 22, 18, 19),
        dt.datetime(2025, 4, 2, 10, 0, 28),
        dt.datetime(2025, 3, 3, 8, 41, 12),
        dt.datetime(2025, 3, 3, 8, 41, 12),
    ]


def test_impossible_dates_are_rejected_with_the_original_text():
    values, rej = _typed(["31/02/2025", "2025-13-01", "hier", None, ""], pl.Datetime("us"))
    assert values == [None, None]  # the rejected rows leave the typed frame; empty cells are just missing
    assert rej[LINE_COL].to_list() == [2, 3, 4]
    assert rej["value"].to_list() == ["31/02/2025", "2025-13-01", "hier"]
    assert (
        rej["message"][0]
        == "Valeur illisible pour v : « 31/02/2025 » n'est pas une date lisible (jj/mm/aaaa ou aaaa-mm-jj)."
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 250,50 €", 1250.5),
        ("1\u00a0250,50\u00a0€", 1250.5),
        ("1\u202f250,50 €", 1250.5),
        ("1?250,50\u00a0€", 1250.5),
        ("85,5%", 85.5),
        ("0,00 €", 0.0),
        ("15.0", 15.0),
        ("7.5", 7.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("-3", -3.0),
    ],
)
def test_numbers(text, number):
    assert pl.select(parse_number(pl.lit(text))).item() == number


def test_amount_of_the_cp1252_excel_log():
    raw = read_file(FORMATS / "suivi_demandes_etat-civil_2025_excel-fr_point-virgule_cp1252.csv")[0]
    amounts = raw.frame.select(parse_number(pl.col("Montant perçu"))).to_series().to_list()
    assert amounts[3] == 1250.5  # written « 1?250,50 € » after the ANSI save lost U+202F
    assert amounts[8] == 180.0
    assert raw.frame["Montant perçu"][3] == "1?250,50\u00a0€"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Oui", True),
        ("non", False),
        ("VRAI", True),
        ("FAUX", False),
        ("true", True),
        ("false", False),
        ("on", True),
        ("off", False),
        ("Y", True),
        ("N", False),
        ("1", True),
        ("0", False),
        ("peut-être", None),
    ],
)
def test_booleans(text, value):
    assert pl.select(parse_bool(pl.lit(text))).item() is value


def test_missing_markers_are_null_and_ids_stay_text():
    cleaned = (
        pl.select(clean_text(pl.Series(["N/A", "", "Sans réponse", " 01053 ", "2A004"])))
        .to_series()
        .to_list()
    )
    assert cleaned == [None, None, None, "01053", "2A004"]
    values, rej = _typed(["1", "N/A", "Sans réponse", " 2 "], pl.Float64)
    assert values == [1.0, None, None, 2.0]
    assert rej.height == 0
