"""French formats and the Markdown escape for text that comes from data."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.formatting import (
    fmt_date,
    fmt_datetime,
    fmt_delta,
    fmt_eur,
    fmt_int,
    fmt_interval,
    fmt_month,
    fmt_number,
    fmt_p_value,
    fmt_pct,
    fmt_value,
    md_escape,
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


@pytest.mark.parametrize(
    "hostile",
    [
        "[cliquez ici](https://exemple.invalid/piege)",
        "<img src=x onerror=alert(1)>",
        ":red[alerte] :material/warning:",
        "$\\frac{1}{2}$",
        "www.exemple.invalid",
        "# Titre\n- liste",
        "**gras** _italique_ `code`",
    ],
)
def test_md_escape_leaves_no_active_markdown(hostile):
    escaped = md_escape(hostile)
    assert "\n" not in escaped
    for i, ch in enumerate(escaped):  # every special character is preceded by a backslash
        if ch in "[]()<>:*_`$#!.-" and (i == 0 or escaped[i - 1] != "\\"):
            raise AssertionError(f"{ch!r} non échappé dans {escaped!r}")
    assert escaped.replace("\\", "") == hostile.replace("\n", " ").replace("\\", "")


def test_md_escape_of_nothing_is_a_dash():
    assert md_escape(None) == "—"
