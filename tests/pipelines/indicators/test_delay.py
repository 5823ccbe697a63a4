"""Delays: median/p90 with order-statistic intervals, mean (t), within deadline (Wilson), backlog, Kaplan–Meier."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest

from pipelines.indicators import evaluate
from tests.pipelines.indicators.conftest import T975, binom_cdf, case, indicator, query, wilson

AS_OF = dt.date(2025, 12, 31)
FIVE = (2, 4, 7, 11, 30)


def _ranks(n: int, q: float) -> tuple[int, int, float]:
    """Equal-tailed order-statistic ranks from the binomial distribution, written out by hand."""
    lo = next(k for k in range(n + 1) if binom_cdf(k, n, q) >= 0.025)
    hi = next(k for k in range(n + 1) if binom_cdf(k, n, q) >= 0.975) + 1
    lo, hi = max(lo, 1), min(hi, n)
    return lo, hi, binom_cdf(hi - 1, n, q) - binom_cdf(lo - 1, n, q)


def test_five_cases_median_p90_mean_and_intervals(make):
    wh, plan = make(
        cases=[case("2025-03-01", d, deadline=10) for d in FIVE],
        indicators=(indicator("med", "delay_median", "decrease", target=5),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["value"], ind["n"]) == (pytest.approx(7.0), 5)
    # n = 5: no pair of order statistics reaches 95 %; the widest, [x(1), x(5)], covers 1 − 2 × 0.5⁵ = 93.75 %
    assert (ind["ci_low"], ind["ci_high"]) == (pytest.approx(2.0), pytest.approx(30.0))
    d = ind["details"]
    assert d["median_ci_level"] == pytest.approx(1 - 2 * 0.5**5)
    # p90 by linear interpolation: h = (5 − 1) × 0.9 = 3.6 → x(4) + 0.6 (x(5) − x(4))
    assert d["p90"] == pytest.approx(11 + 0.6 * (30 - 11))
    lo, hi, level = _ranks(5, 0.9)
    assert (lo, hi) == (3, 5)
    assert (d["p90_ci_low"], d["p90_ci_high"], d["p90_ci_level"]) == (
        pytest.approx(7.0),
        pytest.approx(30.0),
        pytest.approx(level),
    )
    mean, sd = statistics.mean(FIVE), statistics.stdev(FIVE)
    assert d["mean"] == pytest.approx(10.8)
    assert d["mean_ci_low"] == pytest.approx(mean - T975[4] * sd / math.sqrt(5))
    assert d["mean_ci_high"] == pytest.approx(mean + T975[4] * sd / math.sqrt(5))
    # within 10 days: 2, 4 and 7 → 3 of 5
    assert (d["n_within_deadline"], d["within_deadline"]) == (3, pytest.approx(0.6))
    assert d["within_deadline_ci_low"] == pytest.approx(wilson(3, 5)[0])


def test_ten_cases_median_interval_uses_ranks_2_and_9(make):
    wh, _ = make(cases=[case("2025-03-01", d) for d in range(1, 11)])
    lo, hi, level = _ranks(10, 0.5)
    assert (lo, hi) == (2, 9) and level == pytest.approx((1013 - 11) / 1024)
    row = query(
        wh,
        "select median, median_ci_low, median_ci_high, median_ci_level from kpi_delay(date '2025-01-01', date '2026-01-01')",
    )[0]
    assert row == (pytest.approx(5.5), pytest.approx(2.0), pytest.approx(9.0), pytest.approx(level))


def test_only_decided_cases_in_the_period_count(make):
    wh, _ = make(
        cases=[
            case("2025-03-01", 3),
            case("2025-03-01", 5, status="rejected"),
            case("2025-03-01", 4, status="closed_without_decision"),  # not a decision
            case("2024-11-01", 70),  # decided 2025-01-10: in the period
            case("2025-12-20", 20),  # decided in 2026: out
            case("2025-06-01", None, status="in_review"),  # open
        ]
    )
    row = query(wh, "select n, median from kpi_delay(date '2025-01-01', date '2026-01-01')")[0]
    assert row == (3, pytest.approx(5.0))


def test_fractional_calendar_days(make):
    wh, _ = make(cases=[case("2025-03-01", 1.5)])
    assert query(wh, "select median from kpi_delay(date '2025-01-01', date '2026-01-01')")[0][
        0
    ] == pytest.approx(1.5)


def test_backlog_at_period_end_and_its_median_age(make):
    wh, plan = make(
        cases=[
            case("2025-12-01", None, status="in_review"),  # open, 31 days old on 2026-01-01
            case(
                "2025-11-01", 92, status="accepted"
            ),  # decided 2026-02-01: open at the end of 2025, 61 days old
            case("2025-10-01", None, status="closed_without_decision"),  # closed, date unknown: not open
            case("2025-10-01", 10),  # decided in October
        ],
        indicators=(indicator("stock", "backlog", "decrease", target=0),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert ind["value"] == 2.0 and ind["ci_low"] is None
    assert ind["n"] == 4  # cases filed in the period
    assert ind["details"]["backlog_median_age"] == pytest.approx((31 + 61) / 2)
    assert ind["ci_method"].startswith("comptage exhaustif")
    monthly = query(
        wh,
        "select month, backlog from kpi_backlog(date '2025-10-01', date '2026-01-01', dims := ['month']) order by month",
    )
    # end of October: the case decided on 2025-10-11 is closed; the one filed on 2025-11-01 not yet filed
    assert monthly == [(dt.date(2025, 10, 1), 0), (dt.date(2025, 11, 1), 1), (dt.date(2025, 12, 1), 2)]


def test_kaplan_meier_by_hand_on_six_cases(make):
    # filed on 2025-06-01, followed up to the end of 2025
    wh, plan = make(
        cases=[
            case("2025-06-01", 2),
            case("2025-06-01", 4),
            case("2025-06-01", 5, status="closed_without_decision"),  # competing outcome: out of the curve
            case("2025-06-01", 6),
            case("2025-06-01", None, status="in_review"),  # open: censored at 214 days (2026-01-01)
            case("2025-06-01", 9),
        ],
        indicators=(indicator("med", "delay_median", "decrease", target=5),),
    )
    # the closed case leaves the cohort: S(2) = 4/5; S(4) = 3/5; S(6) = 2/5 ≤ 0.5 → median 6
    s = 1.0
    for at_risk in (5, 4, 3):
        s *= 1 - 1 / at_risk
    assert s == pytest.approx(2 / 5) and s <= 0.5
    d = evaluate(wh, plan, AS_OF)["indicators"][0]["details"]
    assert d["km_median"] == pytest.approx(6.0)
    assert (d["n_cohort"], d["n_events"], d["n_censored"], d["n_closed_without_decision"]) == (6, 4, 1, 1)
    assert d["median"] == pytest.approx(5.0)  # the plain median of the 4 decided cases, beside it


def test_open_cases_only(make):
    wh, plan = make(
        cases=[case("2025-06-01", None, status="in_review") for _ in range(3)],
        indicators=(
            indicator("med", "delay_median", "decrease", target=5),
            indicator("stock", "backlog", "decrease", target=0),
        ),
    )
    med, stock = evaluate(wh, plan, AS_OF)["indicators"]
    assert (med["value"], med["n"], med["status"]) == (None, 0, "insufficient_data")
    assert med["details"]["km_median"] is None  # never reaches 0.5: « non atteinte »
    assert med["details"]["n_censored"] == 3
    assert stock["value"] == 3.0


def test_rank_sum_equals_scipy_ranks_with_ties(make):
    """kpi_delay_rank_sum ranks both periods' delays together, ties at their average rank: n1, n2,
    U1 = R1 − n1 (n1 + 1) / 2 and Σ (t³ − t) as scipy computes them, hence the same p-value."""
    import numpy as np
    from scipy import stats as sps

    from pipelines.indicators.stats import mann_whitney_from_ranks

    before = [3, 5, 5, 5, 7.5, 9, 9, 12, 14, 20, 21.25, 30]  # ties within a period…
    after = [2, 3, 5, 6, 7.5, 7.5, 8, 9, 10, 10, 11, 13.5, 40]  # …and across the two
    other = [5, 9]  # another service: left out by the filter
    wh, _ = make(
        cases=[case("2023-03-01", d) for d in before]
        + [case("2025-03-01", d) for d in after]
        + [case("2025-03-01", d, service="urbanisme") for d in other]
    )
    n1, n2, u1, tie_term = query(
        wh,
        "select n1, n2, u1, tie_term from kpi_delay_rank_sum(date '2023-01-01', date '2024-01-01', "
        "date '2025-01-01', date '2026-01-01', services := ['etat-civil'])",
    )[0]
    ranks = sps.rankdata(before + after)
    _, counts = np.unique(before + after, return_counts=True)
    assert (n1, n2) == (12, 13)
    assert u1 == ranks[: len(before)].sum() - n1 * (n1 + 1) / 2  # exactly: integers and halves
    assert u1 == sps.mannwhitneyu(before, after).statistic
    assert (
        tie_term == float((counts**3 - counts).sum()) == 120.0
    )  # 3 and 10 twice, 7,5 and 9 thrice, 5 four times
    assert mann_whitney_from_ranks(u1, n1, n2, tie_term) == pytest.approx(
        sps.mannwhitneyu(before, after, method="asymptotic").pvalue, rel=1e-12
    )
    empty = query(
        wh,
        "select n1, n2, u1, tie_term from kpi_delay_rank_sum(date '2019-01-01', date '2019-02-01', "
        "date '2019-01-01', date '2019-02-01')",
    )[0]
    assert empty == (0, 0, None, 0.0)
