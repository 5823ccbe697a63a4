"""Cohort delays: the Kaplan–Meier median of the cases filed in the period, its Brookmeyer–Crowley
interval (checked against lifelines), closures without decision as a competing outcome, and the
plan's ``delay_basis``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pipelines.indicators import evaluate
from tests.pipelines.indicators.conftest import case, indicator, query

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


# --- bootstrap of a change ------------------------------------------------------------------------


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_quantile_difference_is_scipy_bootstrap_with_the_same_seed(q):
    from scipy import stats as sps

    from pipelines.indicators.delays import RESAMPLES, SEED, quantile_difference

    rng = np.random.default_rng(5)
    before, after = rng.gamma(2.0, 12.0, 61), rng.gamma(2.0, 9.0, 47)
    # the delays are sorted first (their order in the warehouse is not fixed): scipy on sorted delays
    ref = sps.bootstrap(
        (np.sort(before), np.sort(after)),
        lambda a, b, axis: np.quantile(b, q, axis=axis) - np.quantile(a, q, axis=axis),
        n_resamples=RESAMPLES,
        method="percentile",
        paired=False,
        vectorized=True,
        random_state=np.random.default_rng(SEED),
    ).confidence_interval
    low, high = quantile_difference(list(before), list(after), q)
    assert (low, high) == (pytest.approx(ref.low, abs=1e-12), pytest.approx(ref.high, abs=1e-12))
    assert quantile_difference(before, after, q) == (low, high)  # reproducible to the last digit


def test_large_samples_draw_the_quantile_directly_with_the_same_distribution():
    """Beyond DIRECT_UP_TO delays, each resample's quantile is drawn from uniform order statistics:
    the interval agrees with a plain resampling bootstrap within Monte Carlo error, contains the true
    difference of the populations' medians, and is reproducible."""
    from pipelines.indicators.delays import DIRECT_UP_TO, quantile_difference

    rng = np.random.default_rng(11)
    n = DIRECT_UP_TO + 3_000
    before, after = rng.exponential(20.0, n), rng.exponential(18.0, n)
    low, high = quantile_difference(before, after, 0.5)
    assert quantile_difference(before, after, 0.5) == (low, high)
    # plain bootstrap, 400 resamples, for comparison
    plain = np.random.default_rng(3)
    diffs = [
        np.quantile(after[plain.integers(0, n, n)], 0.5) - np.quantile(before[plain.integers(0, n, n)], 0.5)
        for _ in range(400)
    ]
    ref_low, ref_high = np.percentile(diffs, [2.5, 97.5])
    width = ref_high - ref_low
    assert abs(low - ref_low) < 0.2 * width and abs(high - ref_high) < 0.2 * width
    true_difference = (18.0 - 20.0) * np.log(2)  # medians of the exponential laws
    assert low < true_difference < high


def test_km_median_difference_property_and_reproducibility():
    from pipelines.indicators.delays import km_median, km_median_difference

    rng = np.random.default_rng(2)
    before_t, after_t = rng.gamma(2.0, 15.0, 300), rng.gamma(2.0, 10.0, 300)
    # censor 10 % of each cohort at 80 % of its time (open cases)
    before_e, after_e = rng.random(300) > 0.1, rng.random(300) > 0.1
    before_t = np.where(before_e, before_t, 0.8 * before_t)
    after_t = np.where(after_e, after_t, 0.8 * after_t)
    from lifelines import KaplanMeierFitter

    for t, e in ((before_t, before_e), (after_t, after_e)):
        assert km_median(t, e) == pytest.approx(KaplanMeierFitter().fit(t, e).median_survival_time_)
    low, high = km_median_difference((before_t, before_e), (after_t, after_e))
    assert km_median_difference((before_t, before_e), (after_t, after_e)) == (low, high)
    estimate = km_median(after_t, after_e) - km_median(before_t, before_e)
    assert low < estimate < high < 0  # gamma(2, 10) against gamma(2, 15): the median falls by ≈ 8,4 days


def test_an_unreached_median_leaves_its_end_unbounded():
    from pipelines.indicators.delays import km_median_difference

    decided = (np.arange(1.0, 21.0), np.ones(20, bool))
    mostly_open = (np.arange(1.0, 21.0), np.arange(20) < 4)  # 4 decided of 20: never reaches 0.5
    assert km_median_difference(decided, mostly_open) == (None, None)
    # 11 decided of 20 (the 9 open ones the latest): S reaches 0.5 at 10 days, but in many resamples
    # it does not, and the high end of the interval falls on them
    half_open = (np.arange(1.0, 21.0), np.arange(20) < 11)
    low, high = km_median_difference(decided, half_open)
    assert low is not None and low <= 0 and high is None


def test_interval_clause_in_french():
    from pipelines.indicators.delays import interval_clause

    assert interval_clause("delay_median", 3.2, 1.1, 5.0) == (
        "écart de la médiane : +3,2\u00a0j [IC bootstrap 95 % : +1,1 ; +5,0]"
    )
    assert interval_clause("delay_p90", -2.0, -4.25, None).startswith("écart du 9e décile : -2,0\u00a0j")
    assert interval_clause("delay_p90", -2.0, -4.25, None).endswith("[IC bootstrap 95 % : -4,2 ; non borné]")


# --- delay_basis ------------------------------------------------------------------------------------


def _cohort_indicator(basis: str | None, measure: str = "delay_median") -> str:
    text = indicator("med", measure, "decrease", target=5, baseline_period=("2024-01-01", "2024-12-31"))
    return text + (f'delay_basis = "{basis}"\n' if basis else "")


def test_cohort_basis_is_the_headline(make):
    cases, _, _ = _cohort(7, 150)
    base, _, _ = _cohort(3, 120)
    base = [c | {"submitted_at": c["submitted_at"].replace(year=2024)} for c in base]
    base = [
        c | {"decided_at": c["decided_at"].replace(year=2024) if c["decided_at"] else None}
        for c in base
        if c["decided_at"] is None or c["decided_at"].year == 2025
    ] + [c for c in base if c["decided_at"] is not None and c["decided_at"].year == 2024]
    wh, plan = make(cases=cases + base, indicators=(_cohort_indicator("cohort"),))
    assert plan.indicators[0].delay_basis == "cohort"
    doc = evaluate(wh, plan, AS_OF)
    ind = doc["indicators"][0]
    d = ind["details"]
    assert (ind["value"], ind["ci_low"], ind["ci_high"], ind["n"]) == (
        d["km_median"],
        d["km_median_ci_low"],
        d["km_median_ci_high"],
        d["km_n"],
    )
    assert ind["delay_basis"] == "cohort" and "Kaplan-Meier" in ind["delay_basis_note"]
    assert ind["ci_method"].startswith("intervalle à 95 % de Brookmeyer-Crowley")
    assert ind["change"]["p_value"] is None and "écart de la médiane" in ind["change"]["sentence"]
    assert evaluate(wh, plan, AS_OF) == doc  # the bootstrap is seeded: the same document
    decided = make(cases=cases + base, indicators=(_cohort_indicator(None),))
    plain = evaluate(*decided, AS_OF)["indicators"][0]
    assert plain["delay_basis"] == "decided" and plain["value"] == plain["details"]["median"]


@pytest.mark.parametrize(
    ("basis", "measure", "message"),
    [
        ("median", "delay_median", "« delay_basis » vaut « decided »"),
        ("cohort", "delay_p90", "ne vaut que pour un délai médian"),
    ],
)
def test_delay_basis_errors_in_french(tmp_path, basis, measure, message):
    from pipelines.errors import PlanError
    from pipelines.plan import load_plan
    from tests.pipelines.indicators.conftest import PLAN_HEAD

    path = tmp_path / "plan.toml"
    path.write_text(PLAN_HEAD + _cohort_indicator(basis, measure), encoding="utf-8")
    with pytest.raises(PlanError, match=message):
        load_plan(path)
