"""Satisfaction: mean score (t), share satisfied (Wilson), NPS where asked, complete responses only."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from scipy import stats as sps

from pipelines.indicators import evaluate
from tests.pipelines.indicators.conftest import T975, indicator, query, response, wilson

AS_OF = dt.date(2025, 12, 31)
SCORES = (10, 7.5, 5, 10, 2.5)
NPS = (10, 9, 7, 3, 6)  # 2 promoters (9–10), 2 detractors (0–6)


def _responses():
    return [
        *[response("2025-04-01", s, nps=n) for s, n in zip(SCORES, NPS, strict=True)],
        response("2025-04-02", 0.0, complete=False),  # partial: kept, not counted
        response(None, 0.0),  # no date: cannot be placed in a period
        response("2025-04-03", None),  # complete but no score
    ]


@pytest.fixture
def evaluated(make):
    wh, plan = make(
        responses=_responses(),
        indicators=(
            indicator("moy", "satisfaction_mean", target=8),
            indicator("sat", "satisfied_share", target=0.8),
            indicator("nps", "nps", target=20),
        ),
    )
    return {i["id"]: i for i in evaluate(wh, plan, AS_OF)["indicators"]}


def test_mean_score_with_student_interval(evaluated):
    ind = evaluated["moy"]
    mean, sd = statistics.mean(SCORES), statistics.stdev(SCORES)
    assert (ind["value"], ind["n"]) == (pytest.approx(7.0), 5)
    assert sd == pytest.approx(math.sqrt(42.5 / 4))
    assert ind["ci_low"] == pytest.approx(mean - T975[4] * sd / math.sqrt(5))
    assert ind["ci_high"] == pytest.approx(mean + T975[4] * sd / math.sqrt(5))
    assert ind["value_label"] == "7,0\u00a0/\u00a010"


def test_share_satisfied_with_wilson(evaluated):
    ind = evaluated["sat"]
    # 10, 7.5 and 10 are ≥ 7.5; the complete response without a score has no satisfaction either
    assert (ind["value"], ind["n"]) == (pytest.approx(0.6), 5)
    assert (ind["ci_low"], ind["ci_high"]) == tuple(pytest.approx(b) for b in wilson(3, 5))


def test_nps_where_asked(evaluated):
    ind = evaluated["nps"]
    assert (ind["value"], ind["n"]) == (pytest.approx(0.0), 5)  # 40 % − 40 %
    per_response = [100, 100, 0, -100, -100]
    sd = statistics.stdev(per_response)
    half = T975[4] * sd / math.sqrt(5)  # 124: the interval is cut to the possible range −100…100
    assert (ind["ci_low"], ind["ci_high"]) == (max(-100.0, -half), min(100.0, half))
    d = ind["details"]
    assert (d["n_promoters"], d["n_detractors"], d["n_nps"]) == (2, 2, 5)


def test_change_in_mean_score_uses_welch(make):
    before = (4, 5, 6, 5, 5)
    wh, plan = make(
        responses=[
            *[response("2023-05-01", s) for s in before],
            *[response("2025-05-01", s) for s in SCORES],
        ],
        indicators=(indicator("moy", "satisfaction_mean", target=8),),
    )
    change = evaluate(wh, plan, AS_OF)["indicators"][0]["change"]
    m1, m2 = statistics.mean(before), statistics.mean(SCORES)
    v1, v2 = statistics.variance(before) / 5, statistics.variance(SCORES) / 5
    t = (m2 - m1) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / 4 + v2**2 / 4)  # Welch–Satterthwaite
    assert change["delta"] == pytest.approx(2.0)
    assert change["p_value"] == pytest.approx(2 * sps.t.sf(abs(t), df))
    assert change["significant"] is (change["p_value"] < 0.05)
    assert change["test"] == "test t de Welch"


def test_nps_interval_inside_its_range(make):
    answers = [10] * 10 + [8] * 6 + [3] * 4  # 10 promoters, 6 passives, 4 detractors
    wh, _ = make(responses=[response("2025-04-01", 10, nps=a) for a in answers])
    row = query(
        wh,
        "select nps, nps_ci_low, nps_ci_high, n_nps from kpi_satisfaction(date '2025-01-01', date '2026-01-01')",
    )[0]
    sd = statistics.stdev([100] * 10 + [0] * 6 + [-100] * 4)
    half = T975[19] * sd / math.sqrt(20)
    assert row == (pytest.approx(30.0), pytest.approx(30 - half), pytest.approx(30 + half), 20)
