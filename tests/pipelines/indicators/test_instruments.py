"""Survey instruments: kept per response, a dimension of the survey mart, scoped by the plan, and said
when an indicator pools them or when its baseline used another one (issue 17)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.indicators import evaluate
from pipelines.indicators.instruments import FRAGILE, label
from tests.pipelines.indicators.conftest import indicator, query, response

AS_OF = dt.date(2025, 12, 31)


def _on(scale: tuple[float, float] | None, day: str, score: float, source: str = "test") -> dict:
    out = response(day, score) | {"source": source}
    if scale:
        out |= {"scale_min": scale[0], "scale_max": scale[1]}
    return out


def _scoped(ind_id: str, instrument: str | None = None) -> str:
    text = indicator(ind_id, "satisfaction_mean", target=8, baseline_period=("2024-01-01", "2024-12-31"))
    return (
        text.replace("min_sample = 1", f'min_sample = 1\ninstrument = "{instrument}"') if instrument else text
    )


@pytest.fixture
def evaluated(make):
    responses = [
        # baseline year: 1–5 questionnaire only
        _on((1, 5), "2024-03-01", 7.5),
        _on((1, 5), "2024-03-02", 5.0),
        # evaluated year: 1–5 and the 3-point « Je donne mon avis » pooled
        _on((1, 5), "2025-03-01", 10.0),
        _on((1, 5), "2025-03-02", 5.0),
        _on((0, 10), "2025-03-03", 10.0, source="jdma"),
        _on((0, 10), "2025-03-04", 0.0, source="jdma"),
        _on((0, 10), "2025-03-05", 10.0, source="jdma"),
    ]
    wh, plan = make(responses=responses, indicators=(_scoped("tout"), _scoped("cinq", "1-5")))
    return wh, {i["id"]: i for i in evaluate(wh, plan, AS_OF)["indicators"]}


def test_mart_keeps_the_instrument(evaluated):
    wh, _ = evaluated
    assert query(wh, "select instrument, sum(responses) from mart_survey_monthly group by 1 order by 1") == [
        ("1-5", 4),
        ("3pts", 3),
    ]
    assert [label(c) for c in ("3pts", "1-5", "0-10", "sur10")] == [
        "3 points (10/5/0)",
        "échelle 1–5",
        "échelle 0–10",
        "note sur 10 (échelle non précisée)",
    ]


def test_pooled_and_different_instruments_are_said(evaluated):
    _, inds = evaluated
    ind = inds["tout"]
    assert ind["value"] == pytest.approx((10 + 5 + 10 + 0 + 10) / 5)
    assert ind["details"]["instruments"] == ["3pts", "1-5"]
    assert ind["details"]["baseline_instruments"] == ["1-5"]
    assert ind["details"]["instruments_pooled"] and ind["details"]["instruments_differ"]
    note = ind["quality"]["instrument_note"]
    assert note.startswith(
        "Comparaison fragile : questionnaires mélangés sur la période (3 points (10/5/0), échelle 1–5)"
    )
    assert "questionnaire différent entre la référence (échelle 1–5)" in note
    assert ind["change"]["sentence"].endswith(f" ; {FRAGILE}.")


def test_an_indicator_scoped_to_one_instrument(evaluated):
    _, inds = evaluated
    ind = inds["cinq"]
    assert (ind["value"], ind["n"]) == (pytest.approx(7.5), 2)
    assert ind["baseline_value"] == pytest.approx(6.25)
    assert "instrument_note" not in ind["quality"]
    assert FRAGILE not in ind["change"]["sentence"]
    assert not ind["details"]["instruments_pooled"] and not ind["details"]["instruments_differ"]
