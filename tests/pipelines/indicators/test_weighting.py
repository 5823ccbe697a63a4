"""Non-response weighting of satisfaction (plan key ``weighting``): post-stratified to the mix of
requests, Kish's effective sample size, weighted interval; against a hand computation and statsmodels."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from scipy import stats as sps
from statsmodels.stats.weightstats import DescrStatsW

from pipelines.indicators import evaluate
from pipelines.indicators.weighting import Cell, post_stratify
from tests.pipelines.indicators.conftest import indicator, request, response, wilson

AS_OF = dt.date(2025, 12, 31)
ONLINE = (10, 10, 7.5, 5, 10, 7.5, 2.5, 10)  # 8 respondents online, 6 of them satisfied
COUNTER = (5, 2.5)  # 2 at the counter, none satisfied
# requests: 6 online, 4 at the counter → population shares 0.6 / 0.4; respondents 0.8 / 0.2
W_ONLINE, W_COUNTER = 0.6 / 0.8, 0.4 / 0.2


def _weights_and_scores():
    scores = [*ONLINE, *COUNTER]
    weights = [W_ONLINE] * len(ONLINE) + [W_COUNTER] * len(COUNTER)
    return scores, weights


def _data(extra_requests=(), extra_responses=()):
    requests = [request("2025-05-01", "online") for _ in range(6)] + [
        request("2025-05-01", "counter") for _ in range(4)
    ]
    responses = [response("2025-05-02", s, channel="online") for s in ONLINE] + [
        response("2025-05-02", s, channel="counter") for s in COUNTER
    ]
    return [*requests, *extra_requests], [*responses, *extra_responses]


def _evaluate(make, scheme="channel", extra_requests=(), extra_responses=()):
    requests, responses = _data(extra_requests, extra_responses)
    ind = indicator("moy", "satisfaction_mean", target=8).replace(
        "min_sample = 1", f'min_sample = 1\nweighting = "{scheme}"'
    )
    share = indicator("sat", "satisfied_share", target=0.8).replace(
        "min_sample = 1", f'min_sample = 1\nweighting = "{scheme}"'
    )
    raw = indicator("brut", "satisfaction_mean", target=8)
    wh, plan = make(requests=requests, responses=responses, indicators=(ind, share, raw))
    return {i["id"]: i for i in evaluate(wh, plan, AS_OF)["indicators"]}


def test_hand_computation_of_the_weighted_mean_and_kish_n():
    cells = [
        Cell("online", "etat-civil", 8, sum(ONLINE), sum(x * x for x in ONLINE), 6),
        Cell("counter", "etat-civil", 2, sum(COUNTER), sum(x * x for x in COUNTER), 4),
    ]
    w = post_stratify(cells, "channel", "satisfaction_mean")
    # 0.6 × 62.5 / 8 + 0.4 × 7.5 / 2 = 4.6875 + 1.5
    assert w.value == pytest.approx(6.1875)
    # weights 0.75 and 2: n_eff = (8 × 0.75 + 2 × 2)² / (8 × 0.75² + 2 × 2²) = 100 / 12.5
    assert w.effective_n == pytest.approx(8.0)
    assert w.weights == {("online", None): pytest.approx(0.75), ("counter", None): pytest.approx(2.0)}


def test_weighted_mean_and_interval_against_statsmodels(make):
    ind = _evaluate(make)["moy"]
    scores, weights = _weights_and_scores()
    d = DescrStatsW(scores, weights=weights)
    n_eff = sum(weights) ** 2 / sum(w * w for w in weights)
    sd = math.sqrt(d.var * n_eff / (n_eff - 1))  # d.var: Σw(x − m)² / Σw
    half = sps.t.ppf(0.975, n_eff - 1) * sd / math.sqrt(n_eff)
    assert ind["value"] == pytest.approx(d.mean)  # the weighted value is the headline
    assert (ind["ci_low"], ind["ci_high"]) == (pytest.approx(d.mean - half), pytest.approx(d.mean + half))
    assert ind["n"] == 10  # respondents, not the effective size
    assert ind["details"]["weighted_value"] == pytest.approx(d.mean)
    assert ind["details"]["effective_n"] == pytest.approx(n_eff)
    assert ind["details"]["raw_value"] == pytest.approx(7.0)  # (62.5 + 7.5) / 10
    assert ind["weighting"]["headline"] == "weighted" and ind["weighting"]["raw_n"] == 10
    assert "Valeur redressée par canal" in ind["weighting"]["note"]


def test_weighted_share_takes_wilson_with_the_effective_size(make):
    ind = _evaluate(make)["sat"]
    # 0.6 × 6/8 + 0.4 × 0/2
    assert ind["value"] == pytest.approx(0.45)
    low, high = wilson(0.45 * 8, 8)
    assert (ind["ci_low"], ind["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert ind["details"]["raw_value"] == pytest.approx(0.6)


def test_unweighted_indicator_is_unchanged(make):
    ind = _evaluate(make)["brut"]
    assert ind["value"] == pytest.approx(7.0) and ind["weighting"] is None
    assert "weighted_value" not in ind["details"]


def test_channel_service_collapses_empty_cells_into_their_channel(make):
    # online/urbanisme: 3 requests, no respondent → collapsed into online/etat-civil;
    # phone: 2 requests, no respondent in the channel → left out (2 / 15 of the requests);
    # one respondent by mail, where no request was made → left out of the weighted value
    evaluated = _evaluate(
        make,
        "channel_service",
        extra_requests=[request("2025-05-01", "online", "urbanisme") for _ in range(3)]
        + [request("2025-05-01", "phone") for _ in range(2)],
        extra_responses=[response("2025-05-02", 10, channel="mail")],
    )
    ind = evaluated["moy"]
    # online mass 6 + 3 = 9, counter 4 → shares 9/13, 4/13
    expected = 9 / 13 * 62.5 / 8 + 4 / 13 * 7.5 / 2
    assert ind["value"] == pytest.approx(expected)
    w = ind["weighting"]
    assert (w["collapsed_cells"], w["excluded_n"], w["used_n"]) == (1, 1, 10)
    assert w["uncovered_share"] == pytest.approx(2 / 15)
    assert ind["details"]["raw_value"] == pytest.approx(80 / 11)
    scores, _ = _weights_and_scores()
    weights = [9 / 13 * 10 / 8] * 8 + [4 / 13 * 10 / 2] * 2
    assert ind["details"]["effective_n"] == pytest.approx(sum(weights) ** 2 / sum(w * w for w in weights))
    assert DescrStatsW(scores, weights=weights).mean == pytest.approx(expected)


def test_without_requests_the_value_stays_raw_and_says_so(make):
    responses = [response("2025-05-02", s, channel="online") for s in ONLINE]
    ind = indicator("moy", "satisfaction_mean", target=8).replace(
        "min_sample = 1", 'min_sample = 1\nweighting = "channel"'
    )
    wh, plan = make(responses=responses, indicators=(ind,))
    (out,) = evaluate(wh, plan, AS_OF)["indicators"]
    assert out["value"] == pytest.approx(62.5 / 8)
    assert out["weighting"]["headline"] == "raw" and "Pas de demandes" in out["weighting"]["note"]


def test_change_test_counts_the_effective_size(make):
    from scipy.stats import fisher_exact
    from statsmodels.stats.proportion import proportions_ztest

    requests, responses = _data(
        extra_requests=[request("2023-05-01", c) for c in ("online", "counter") for _ in range(5)],
        extra_responses=[response("2023-05-02", 10, channel="online") for _ in range(4)]
        + [response("2023-05-02", s, channel="counter") for s in (10, 10, 10, 5)],
    )
    share = indicator("sat", "satisfied_share", target=0.9).replace(
        "min_sample = 1", 'min_sample = 1\nweighting = "channel"'
    )
    wh, plan = make(requests=requests, responses=responses, indicators=(share,))
    (ind,) = evaluate(wh, plan, AS_OF)["indicators"]
    # baseline 0.5 × 4/4 + 0.5 × 3/4 = 0.875 on n_eff 8 (weights all 1); now 0.45 on n_eff 8
    assert ind["baseline_value"] == pytest.approx(0.875) and ind["value"] == pytest.approx(0.45)
    # round(0.875 × 8), round(0.45 × 8) satisfied over n_eff; an expected count under 5 (8 × 5/16 = 2.5):
    # Fisher's exact test (issue 17 §3), not the pooled z of statsmodels
    _, p = fisher_exact([[7, 1], [4, 4]])
    assert ind["change"]["p_value"] == pytest.approx(p)
    _, p_z = proportions_ztest([7, 4], [8, 8])
    assert p != pytest.approx(p_z)
    assert ind["baseline_n"] == 8 and ind["n"] == 10  # respondents shown, n_eff tested
