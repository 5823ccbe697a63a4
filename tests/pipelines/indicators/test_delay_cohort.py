"""Cohort delays: the Kaplan–Meier median of the cases filed in the period, its Brookmeyer–Crowley
interval (checked against lifelines), closures without decision as a competing outcome, and the
plan's ``delay_basis``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.pipelines.indicators.conftest import case, query

AS_OF = dt.date(2025, 12, 31)
KM_SQL = (
    "select n_cohort, n_events, n_censored, n_closed_without_decision, km_n, km_median, km_median_ci_low, "
    "km_median_ci_high from kpi_delay_km(date '2025-01-01', date '2026-01-01')"
)


def _lifelines_median_and_interval(durations, observed) -> tuple[float, float, float]:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    kmf = KaplanMeierFitter().fit(durations, event_observed=observed)
    ci = median_survival_times(kmf.confidence_interval_)
    return kmf.median_survival_time_, float(ci.iloc[0, 0]), float(ci.iloc[0, 1])


def _cohort(seed: int, n: int) -> tuple[list[dict], list[float], list[bool]]:
    """n cases filed in 2025 with gamma delays; those not decided by 2026-01-01 are open (censored),
    a few are closed without decision (left out of the curve). Returns the cases and, for lifelines,
    the durations and event flags of the cases that stay in the estimate."""
    rng = np.random.default_rng(seed)
    end = dt.datetime(2026, 1, 1)
    cases, durations, observed = [], [], []
    for i in range(n):
        filed = dt.datetime(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
        delay = round(float(rng.gamma(2.0, 20.0)), 3)
        day = filed.date().isoformat()
        if i % 9 == 4:  # closed without decision before the end: out of the curve
            cases.append(case(day, min(delay, 1.0), status="closed_without_decision"))
            continue
        decided = filed + dt.timedelta(days=delay)
        if decided < end:
            cases.append(case(day, delay))
            durations.append(delay)
            observed.append(True)
        else:  # still open at the end of the period
            cases.append(case(day, None, status="in_review"))
            durations.append((end - filed).total_seconds() / 86400)
            observed.append(False)
    return cases, durations, observed


@pytest.mark.parametrize(("seed", "n"), [(1, 40), (7, 150), (17, 400)])
def test_km_median_and_brookmeyer_crowley_interval_match_lifelines(make, seed, n):
    cases, durations, observed = _cohort(seed, n)
    wh, _ = make(cases=cases)
    n_cohort, n_events, n_censored, n_closed, km_n, median, low, high = query(wh, KM_SQL)[0]
    assert n_cohort == n and n_closed == len([c for c in cases if c["status"] == "closed_without_decision"])
    assert (km_n, n_events, n_censored) == (len(durations), sum(observed), len(observed) - sum(observed))
    ref_median, ref_low, ref_high = _lifelines_median_and_interval(durations, observed)
    assert median == pytest.approx(ref_median, abs=1e-6)
    assert low == pytest.approx(ref_low, abs=1e-6)
    assert (high if high is not None else np.inf) == pytest.approx(ref_high, abs=1e-6)
    assert low <= median <= (high if high is not None else np.inf)


def test_interval_by_hand_on_ten_cases(make):
    """Ten decided cases (1…10 days), none censored: S(k) = 1 − k/10, Greenwood G(k) = Σ 1/(r(r−1)).
    The lower band falls to 0.5 first (the interval's low end), the upper band last (its high end).
    At n = 10 the log(−log) band is wide: S(1) = 0.9 already has a lower band of 0.473."""
    wh, _ = make(cases=[case("2025-03-01", d) for d in range(1, 11)])
    z = 1.959963984540054

    def bands(k: int) -> tuple[float, float]:
        s = 1 - k / 10
        if s == 0:
            return 0.0, 0.0
        g = sum(1 / (r * (r - 1)) for r in range(10, 10 - k, -1) if r > 1)
        v = np.log(s)
        return float(np.exp(-np.exp(np.log(-v) - z * np.sqrt(g) / v))), float(
            np.exp(-np.exp(np.log(-v) + z * np.sqrt(g) / v))
        )

    low = next(k for k in range(1, 11) if bands(k)[0] <= 0.5)
    high = next(k for k in range(1, 11) if bands(k)[1] <= 0.5)
    assert (low, high) == (1, 8)
    assert bands(1)[0] == pytest.approx(0.473009, abs=1e-6)
    row = query(wh, KM_SQL)[0]
    assert row[5:] == (pytest.approx(5.0), pytest.approx(float(low)), pytest.approx(float(high)))


def test_closure_without_decision_leaves_the_cohort_instead_of_being_censored(make):
    """Censoring the closed case at 1 day would keep it « at risk » of a decision it never gets and
    move the median; as a competing outcome it leaves the curve: the median of 2, 4, 6, 8 → 4
    (S(4) = 0.5), where censoring would give S(4) = 3/4 × 2/3 = 0.5 too but with one more at risk,
    S(2) = 4/5: the closed case changes the curve."""
    cases = [case("2025-06-01", d) for d in (2, 4, 6, 8)] + [
        case("2025-06-01", 1, status="closed_without_decision"),
        case("2025-06-01", 3, status="closed_without_decision"),
    ]
    wh, _ = make(cases=cases)
    n_cohort, n_events, n_censored, n_closed, km_n, median, *_ = query(wh, KM_SQL)[0]
    assert (n_cohort, n_events, n_censored, n_closed, km_n) == (6, 4, 0, 2, 4)
    ref = _lifelines_median_and_interval([2, 4, 6, 8], [True] * 4)[0]
    assert median == pytest.approx(ref) == pytest.approx(4.0)
    # censored at their closing instead, the curve would be S(2) = 3/4 … and the median 6
    censored = _lifelines_median_and_interval([1, 2, 3, 4, 6, 8], [False, True, False, True, True, True])[0]
    assert censored == pytest.approx(6.0)


def test_closure_after_the_period_is_an_open_case(make):
    """Closed without decision after the end of the follow-up: still open then, censored, not removed."""
    wh, _ = make(cases=[case("2025-12-01", 60, status="closed_without_decision"), case("2025-12-01", 2)])
    n_cohort, n_events, n_censored, n_closed, km_n, *_ = query(wh, KM_SQL)[0]
    assert (n_cohort, n_events, n_censored, n_closed, km_n) == (2, 1, 1, 0, 2)
