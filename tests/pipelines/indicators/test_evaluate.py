"""evaluate(): baseline, expected value, progress, status and the change sentence on small warehouses."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest

from pipelines.indicators import evaluate
from pipelines.indicators.views import create_views
from pipelines.warehouse import ensure_schema
from tests.pipelines.indicators.conftest import case, indicator, request

AS_OF = dt.date(2025, 12, 31)


def _take_up(year: int, online: int, total: int) -> list[dict]:
    return [request(f"{year}-03-01", "online" if i < online else "counter") for i in range(total)]


def test_increasing_indicator_on_track_with_progress_and_change(make):
    wh, plan = make(
        requests=_take_up(2023, 3, 10) + _take_up(2025, 7, 10),
        indicators=(
            indicator("tx", "take_up", target=0.8, milestones=(("2025-12-31", 0.6),), min_sample=10),
        ),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["baseline_value"], ind["baseline_n"], ind["baseline_source"]) == (
        pytest.approx(0.3),
        10,
        "computed",
    )
    assert ind["expected_now"] == pytest.approx(0.6)  # read at the period end, on the milestone
    assert ind["progress_pct"] == pytest.approx(100 * (0.7 - 0.3) / (0.8 - 0.3))
    assert (ind["status"], ind["status_label"]) == ("on_track", "en bonne voie")
    z = 0.4 / math.sqrt(0.5 * 0.5 * (1 / 10 + 1 / 10))
    change = ind["change"]
    assert change["delta"] == pytest.approx(0.4)
    assert change["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert change["significant"] is False
    assert (
        change["sentence"]
        == "Hausse non significative de 40,0\u00a0points depuis 2023 (p\u00a0=\u00a00,074)."
    )
    assert ind["projection"] is None  # fewer than 12 monthly values


def test_n_below_minimum_sample(make):
    wh, plan = make(requests=_take_up(2025, 7, 10), indicators=(indicator("tx", "take_up", min_sample=11),))
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["value"], ind["n"], ind["min_sample"]) == (pytest.approx(0.7), 10, 11)
    assert (ind["status"], ind["status_label"]) == ("insufficient_data", "données insuffisantes")


def test_value_past_the_target(make):
    wh, plan = make(
        requests=_take_up(2023, 3, 10) + _take_up(2025, 9, 10),
        indicators=(indicator("tx", "take_up", target=0.6),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert ind["progress_pct"] == 100.0 and ind["status"] == "on_track"


def _take_up_monthly(year: int, online: int, per_month: int) -> list[dict]:
    """``per_month`` requests on the 1st of every month of the year, the first ``online`` of them online."""
    return [
        request(f"{year}-{m:02}-01", "online" if i < online else "counter")
        for m in range(1, 13)
        for i in range(per_month)
    ]


# the trajectory 0.3 (31/12/2023) → 0.6 (31/12/2025) averaged over the days of 2025: day k of 2025 is
# 731 − 365 + k days after 31/12/2023, so the mean is 0.3 + 0.3 × (366 + 183) / 731
EXPECTED_2025 = 0.3 + 0.3 * (366 + 183) / 731


def test_at_risk_when_the_interval_reaches_the_trajectory_and_off_track_when_not(make):
    small = make(
        requests=_take_up(2023, 3, 10)  # one request a month in 2025, online from August: 5 of 12
        + [request(f"2025-{m:02}-01", "online" if m > 7 else "counter") for m in range(1, 13)],
        indicators=(indicator("tx", "take_up", milestones=(("2025-12-31", 0.6),)),),
    )
    ind = evaluate(*small, AS_OF)["indicators"][0]
    assert ind["expected_period"] == pytest.approx(EXPECTED_2025)
    assert ind["months_with_data"] == 12 and ind["window_note"] is None
    assert (
        ind["value"] == pytest.approx(5 / 12) and ind["status"] == "at_risk"
    )  # 5/12 [19,3 ; 68,0] reaches 52,5 %
    large = make(
        requests=_take_up(2023, 30, 100) + _take_up_monthly(2025, 3, 10),
        indicators=(indicator("tx", "take_up", milestones=(("2025-12-31", 0.6),)),),
    )
    ind = evaluate(*large, AS_OF)["indicators"][0]
    assert (
        ind["ci_high"] < EXPECTED_2025 and ind["status"] == "off_track" and ind["status_label"] == "en retard"
    )
    assert ind["change"]["sentence"].startswith("Stabilité depuis 2023")


def test_decreasing_delay_target(make):
    wh, plan = make(
        cases=[case("2023-03-01", d) for d in (38, 40, 42)] + [case("2025-03-01", d) for d in (24, 25, 26)],
        indicators=(indicator("delai", "delay_median", "decrease", target=20.0),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["baseline_value"], ind["value"]) == (pytest.approx(40.0), pytest.approx(25.0))
    assert ind["expected_now"] == pytest.approx(
        40 - 20 * 731 / 1461
    )  # baseline end → target, read on 2025-12-31
    assert ind["progress_pct"] == pytest.approx(75.0)
    assert ind["status"] == "on_track"
    # a median: bootstrap interval of the difference (scipy, same seed and method), no p-value;
    # 3 against 3 completely separated, every resample falls (at most 26 − 38 = −12 days)
    import numpy as np
    from scipy import stats as sps

    from pipelines.indicators.delays import RESAMPLES, SEED

    ref = sps.bootstrap(
        ([38.0, 40.0, 42.0], [24.0, 25.0, 26.0]),  # sorted, as the delays are
        lambda a, b, axis: np.quantile(b, 0.5, axis=axis) - np.quantile(a, 0.5, axis=axis),
        n_resamples=RESAMPLES,
        method="percentile",
        paired=False,
        vectorized=True,
        random_state=np.random.default_rng(SEED),
    ).confidence_interval
    assert ref.high <= -12
    assert ind["change"]["p_value"] is None and ind["change"]["significant"] is True
    assert ind["change"]["test"].startswith("intervalle bootstrap à 95 %")
    lo, hi = (f"{x:.1f}".replace(".", ",") for x in (ref.low, ref.high))
    assert ind["change"]["sentence"] == (
        "Baisse significative de 15,0\u00a0jours depuis 2023 ; "
        f"écart de la médiane : -15,0\u00a0j [IC bootstrap 95 % : {lo} ; {hi}]."
    )


def test_hand_entered_baseline_is_not_tested(make):
    wh, plan = make(
        cases=[case("2025-03-01", d, deadline=10) for d in (2, 4, 7, 11, 30)],
        indicators=(indicator("dl", "within_deadline", baseline=0.8, target=0.95),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["baseline_value"], ind["baseline_source"], ind["baseline_n"]) == (0.8, "manual", None)
    assert ind["change"]["p_value"] is None and ind["change"]["significant"] is None
    assert "saisie à la main" in ind["change"]["sentence"] and ind["change"]["sentence"].startswith(
        "Baisse de 20,0"
    )


def test_empty_warehouse(tmp_path, make):
    _, plan = make(
        indicators=(
            indicator("tx", "take_up"),
            indicator("d", "delay_median", "decrease", target=5.0),
            indicator("s", "nps", target=10.0),
        )
    )
    wh = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(wh))
    ensure_schema(con)
    create_views(con)
    con.close()
    doc = evaluate(wh, plan)
    assert len(doc["indicators"]) == 3
    for ind in doc["indicators"]:
        assert (ind["value"], ind["n"], ind["status"]) == (None, 0, "insufficient_data")
        assert ind["change"]["sentence"].startswith("Évolution non calculable")
        assert ind["quality"] == {"rows_rejected": 0, "last_ingest": None, "latest_data": None}
    last_month_end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    assert doc["as_of"] == last_month_end.isoformat()  # no data: the month before today


def test_default_period_is_the_latest_complete_month(make):
    tail = [request("2025-01-05"), request("2025-06-30")]
    wh, plan = make(requests=tail, indicators=(indicator("tx", "take_up"),))
    assert evaluate(wh, plan)["as_of"] == "2025-06-30"  # the data reaches June's last day: June is complete
    wh, plan = make(requests=[*tail, request("2025-07-15")], indicators=(indicator("tx", "take_up"),))
    doc = evaluate(wh, plan)
    assert (doc["as_of"], doc["period_start"]) == ("2025-06-30", "2024-07-01")  # July is not complete
    assert evaluate(wh, plan, dt.date(2025, 3, 14))["as_of"] == "2025-02-28"


def test_changes_can_be_left_out_and_computed_one_at_a_time(make):
    """The app's overview evaluates without the tests (change None); the indicator page computes its
    one indicator's change alone, identical to the full evaluation's."""
    from pipelines.indicators import indicator_change

    wh, plan = make(
        requests=_take_up(2023, 3, 10) + _take_up(2025, 7, 10),
        cases=[case("2023-03-01", d) for d in (38, 40, 42, 40)]
        + [case("2025-03-01", d) for d in (24, 25, 26, 40)],
        indicators=(
            indicator("tx", "take_up", target=0.8),
            indicator("delai", "delay_median", "decrease", target=20.0),
        ),
    )
    full = evaluate(wh, plan, AS_OF)
    light = evaluate(wh, plan, AS_OF, changes=False)
    for with_test, without in zip(full["indicators"], light["indicators"], strict=True):
        assert without["change"] is None and with_test["change"]["significant"] is not None
        assert {k: v for k, v in without.items() if k != "change"} == {
            k: v for k, v in with_test.items() if k != "change"
        }
        assert indicator_change(wh, plan, with_test["id"], AS_OF) == with_test["change"]
