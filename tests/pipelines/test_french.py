"""French numbers, dates and units: the display form (tables, charts) and the sentence form (the
sentences of ``barometre kpi``, the PDF's values), one implementation."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.french import (
    as_date,
    fmt_date,
    fmt_datetime,
    fmt_delta,
    fmt_eur,
    fmt_int,
    fmt_interval,
    fmt_month,
    fmt_number,
    fmt_p,
    fmt_p_value,
    fmt_pct,
    fmt_value,
)


def test_numbers_dates_and_units_in_french():
    assert fmt_number(1234.5) == "1\u202f234,5"
    assert fmt_number(-3.25, 2) == "−3,25"
    assert fmt_pct(0.452) == "45,2\u00a0%"
    assert fmt_int(41276) == "41\u202f276"
    assert fmt_eur(250000) == "250\u202f000\u00a0€"
    assert fmt_value(23.64, "jours") == "23,6\u00a0j"
    assert fmt_value(7.21, "/10") == "7,2\u00a0/\u00a010"
    assert fmt_value(None, "%") == fmt_value(float("nan"), "%") == "—"
    assert fmt_delta(0.303, "%") == "+30,3\u00a0pts"
    assert fmt_delta(-18.6, "jours") == "−18,6\u00a0j"
    assert fmt_interval(0.61, 0.65, "%") == "61,0\u00a0% – 65,0\u00a0%"
    assert fmt_date("2026-11-27") == fmt_date(dt.date(2026, 11, 27)) == "27/11/2026"
    assert fmt_datetime(dt.datetime(2026, 11, 27, 14, 3)) == "27/11/2026 à 14:03"
    assert fmt_month(dt.date(2026, 2, 1)) == "février 2026"
    assert fmt_month("2026-12-01", short=True) == "déc. 2026"
    assert fmt_p_value(0.0001) == "<\u00a00,001" and fmt_p_value(0.0321) == "=\u00a00,032"


def test_sentence_form_writes_units_in_words_with_the_french_plural():
    assert fmt_number(1234.56, sentence=True) == "1\u202f234,6"
    assert fmt_value(0.4523, "%", sentence=True) == "45,2\u00a0%"
    assert fmt_value(1.2, "jours", sentence=True) == "1,2\u00a0jour"
    assert fmt_value(12, "jours", sentence=True) == "12,0\u00a0jours"
    assert fmt_value(1.96, "jours", sentence=True) == "2,0\u00a0jours"  # the plural follows the value shown
    assert fmt_value(1, "dossiers", sentence=True) == "1\u00a0dossier"
    assert fmt_value(1234, "dossiers", sentence=True) == "1\u202f234\u00a0dossiers"
    assert fmt_value(3, "points", sentence=True) == "3,0\u00a0points"
    assert fmt_value(7.21, "/10", sentence=True) == "7,2\u00a0/\u00a010"
    assert fmt_value(None, "jours", sentence=True) == "—"


def test_display_form_keeps_short_units():
    assert fmt_value(1234, "dossiers") == "1\u202f234"
    assert fmt_value(3, "points") == "3,0\u00a0pts"
    assert fmt_value(2.5, "inconnue") == "2,5"  # an unknown unit: the number alone


@pytest.mark.parametrize(
    ("x", "display", "sentence"),
    [
        (-1.5, "−1,5", "-1,5"),  # typographic minus in tables and charts, hyphen in sentences
        (-0.04, "−0,0", "0,0"),  # a sentence never says « -0,0 »
        (0.0, "0,0", "0,0"),
        (None, "—", "—"),
        (float("nan"), "—", "—"),
    ],
)
def test_the_two_forms_differ_only_by_the_minus_sign(x, display, sentence):
    assert fmt_number(x) == display
    assert fmt_number(x, sentence=True) == sentence


def test_p_values_and_missing_dates():
    assert fmt_p(0.0004) == "p\u00a0<\u00a00,001"
    assert fmt_p(0.31) == "p\u00a0=\u00a00,310"
    assert fmt_date(None) == fmt_month(None) == fmt_datetime(None) == "—"
    assert as_date(dt.datetime(2026, 5, 4, 10, 0)) == as_date("2026-05-04T10:00:00") == dt.date(2026, 5, 4)
    assert as_date(None) is None
    with pytest.raises(ValueError):
        as_date("04/05/2026")  # ISO text only
