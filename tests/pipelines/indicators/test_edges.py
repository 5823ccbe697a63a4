"""Small samples, partial windows, the averaged trajectory and the change over one year (issue 17 §3),
on small warehouses, against values computed by hand or by scipy in the test."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from scipy import stats as sps

from pipelines.indicators import evaluate
from pipelines.indicators.edges import (
    FISHER_LABEL,
    REGISTER_NOTE,
    SURVEY_NOTE,
    average_expected,
    fisher_needed,
    min_expected_count,
)
from pipelines.indicators.status import expected_at
from pipelines.plan import Indicator
from tests.pipelines.indicators.conftest import indicator, request, response

D = dt.date
AS_OF = D(2025, 12, 31)
KEYS = {"delta", "p_value", "significant", "test", "sentence"}


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _monthly(year: int, online: int, per_month: int, months=range(1, 13)) -> list[dict]:
    """``per_month`` requests on the 1st of each month, the first ``online`` of them online."""
    return [
        request(f"{year}-{m:02}-01", "online" if i < online else "counter")
        for m in months
        for i in range(per_month)
    ]


def _counts(year: int, online: int, total: int) -> list[dict]:
    return [request(f"{year}-03-01", "online" if i < online else "counter") for i in range(total)]


# --- two proportions: Fisher under an expected count of 5 ---------------------------------------


def test_expected_counts_choose_the_test():
    # 1/10 against 6/10: 7 successes in 20, expected 10 × 7 / 20 = 3.5 successes a period
    assert min_expected_count(1, 10, 6, 10) == pytest.approx(3.5)
    assert fisher_needed(1, 10, 6, 10)
    # 3/10 against 7/10: 10 successes and 10 failures in 20, every expected count is 5: the z test
    assert min_expected_count(3, 10, 7, 10) == pytest.approx(5.0)
    assert not fisher_needed(3, 10, 7, 10)
    # 95/100 against 99/100: 6 failures in 200, 3 expected a period
    assert min_expected_count(95, 100, 99, 100) == pytest.approx(3.0) and fisher_needed(95, 100, 99, 100)


def test_fisher_exact_test_on_small_counts(make):
    wh, plan = make(
        requests=_counts(2023, 1, 10) + _counts(2025, 6, 10),
        indicators=(indicator("tx", "take_up", min_sample=10),),
    )
    change = evaluate(wh, plan, AS_OF)["indicators"][0]["change"]
    expected = sps.fisher_exact([[1, 9], [6, 4]], alternative="two-sided").pvalue
    # by hand: hypergeometric, 7 successes among 20, 10 drawn; tables as or less likely than x = 1
    h = [math.comb(7, k) * math.comb(13, 10 - k) / math.comb(20, 10) for k in range(8)]
    assert expected == pytest.approx(sum(p for p in h if p <= h[1] * (1 + 1e-7)))
    assert change["test"] == FISHER_LABEL
    assert change["p_value"] == pytest.approx(expected, rel=1e-12)
    assert change["significant"] is bool(expected < 0.05) is False  # p = 0,057
    assert change["delta"] == pytest.approx(0.5)


# --- minimum sample: no test, and a flagged baseline ----------------------------------------------


def test_no_test_and_a_flag_when_the_baseline_is_under_the_minimum(make):
    wh, plan = make(
        requests=_counts(2023, 2, 8) + _counts(2025, 60, 100),
        indicators=(indicator("tx", "take_up", min_sample=20),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert ind["baseline_n"] == 8 and ind["baseline_below_min_sample"] is True
    change = ind["change"]
    assert change["p_value"] is None and change["significant"] is None and change["test"] is None
    assert "pas de test" in change["sentence"]
    assert "la période de référence (n = 8)" in _plain(change["sentence"])
    assert "sous le minimum de 20" in change["sentence"]


def test_no_test_when_the_evaluated_period_is_under_the_minimum(make):
    wh, plan = make(
        requests=_counts(2023, 30, 100) + _counts(2025, 3, 5),
        indicators=(indicator("tx", "take_up", min_sample=20),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert ind["baseline_below_min_sample"] is False and ind["status"] == "insufficient_data"
    assert ind["change"]["p_value"] is None
    assert "la période évaluée (n = 5)" in _plain(ind["change"]["sentence"])


def test_a_typed_baseline_has_no_sample_to_flag(make):
    wh, plan = make(requests=_counts(2025, 6, 10), indicators=(indicator("tx", "take_up", baseline=0.3),))
    assert evaluate(wh, plan, AS_OF)["indicators"][0]["baseline_below_min_sample"] is None


# --- partial windows ------------------------------------------------------------------------------


def test_a_partial_window_counts_its_months_and_is_never_late(make):
    # data in January–March 2025 only, evaluated at 31/12/2025: 3 of 12 months
    wh, plan = make(
        requests=_counts(2023, 30, 100) + _monthly(2025, 9, 30, months=range(1, 4)),
        indicators=(indicator("tx", "take_up", milestones=(("2025-12-31", 0.6),)),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["months_with_data"], ind["months_in_period"]) == (3, 12)
    assert ind["window_note"] == "Données sur 3 des 12 mois de la période."
    # 1/1/2025 is 367 days after 31/12/2023 and 31/3/2025 is 456: mean day 411.5 of the 731 to the milestone
    assert ind["expected_period"] == pytest.approx(0.3 + 0.3 * 411.5 / 731)
    # 27/90 = 30 % [21,5 ; 40,1] is far under 46,9 %: late on a complete window, not on 3 months
    assert ind["ci_high"] < ind["expected_period"]
    assert ind["status"] == "insufficient_data"
    assert "pas de verdict « en retard » sur une période incomplète" in ind["status_reason"]
    assert ind["status_reason"].startswith("Données sur 3 des 12 mois de la période.")
    assert "attendus en moyenne sur les 3 mois avec données" in _plain(ind["status_reason"])


def test_as_of_beyond_the_data(make):
    # data for every month of 2025, evaluated at 30/06/2026: July 2025 – June 2026, 6 months with data
    wh, plan = make(
        requests=_counts(2023, 30, 100) + _monthly(2025, 3, 10),
        indicators=(indicator("tx", "take_up", milestones=(("2025-12-31", 0.6),)),),
    )
    ind = evaluate(wh, plan, D(2026, 6, 30))["indicators"][0]
    assert (ind["period_start"], ind["period_end"]) == ("2025-07-01", "2026-06-30")
    assert (ind["months_with_data"], ind["months_in_period"]) == (6, 12)
    assert ind["value"] == pytest.approx(0.3) and ind["n"] == 60
    assert ind["status"] == "insufficient_data"
    # the trajectory is averaged over July–December 2025 only: days 548 to 731 after 31/12/2023
    assert ind["expected_period"] == pytest.approx(0.3 + 0.3 * (548 + 731) / 2 / 731)


def test_a_complete_window_with_a_scope_gap_is_not_partial(make):
    # the scoped service has no request in March: zero activity, not missing data
    requests = _monthly(2025, 3, 10) + [
        request(f"2025-{m:02}-01", "online", service="urbanisme") for m in range(1, 13) if m != 3
    ]
    wh, plan = make(requests=requests, indicators=(indicator("u", "take_up", services=("urbanisme",)),))
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["months_with_data"], ind["months_in_period"], ind["window_note"]) == (12, 12, None)


# --- the trajectory averaged over the window ------------------------------------------------------


def _ind(milestones=()) -> Indicator:
    from pipelines.plan import Milestone

    return Indicator(
        id="x",
        label="x",
        measure="take_up",
        unit="%",
        direction="increase",
        scope={k: () for k in ("services", "channels", "communes", "age_bands")},
        baseline_start=D(2023, 1, 1),
        baseline_end=D(2023, 12, 31),
        baseline_value=None,
        target_value=0.8,
        target_date=D(2025, 12, 31),
        milestones=tuple(Milestone(d, v) for d, v in milestones),
        min_sample=1,
        methodology="",
    )


def test_average_of_a_linear_trajectory_is_its_value_mid_window():
    months = [D(2025, m, 1) for m in range(1, 13)]
    # 0.4 on 31/12/2023 to 0.8 on 31/12/2025 (731 days); 2025 is days 367…731: mean 549
    assert average_expected(expected_at, _ind(), 0.4, months) == pytest.approx(0.4 + 0.4 * 549 / 731)
    # past the target the trajectory is flat: 2026 averages to the target
    assert average_expected(expected_at, _ind(), 0.4, [D(2026, m, 1) for m in range(1, 13)]) == pytest.approx(
        0.8
    )
    # a milestone at 30/06/2025 (0.5): the average is the mean of the daily values on both segments
    ind = _ind(milestones=((D(2025, 6, 30), 0.5),))
    first = [0.4 + 0.1 * (k / 547) for k in range(367, 548)]  # 1/1 – 30/6/2025 (547 days after 31/12/2023)
    second = [0.5 + 0.3 * (k / 184) for k in range(1, 185)]  # 1/7 – 31/12/2025, 184 days to the target
    assert average_expected(expected_at, ind, 0.4, months) == pytest.approx(sum(first + second) / 365)
    # unknown baseline: the trajectory is unknown before the first milestone
    assert average_expected(expected_at, ind, None, months) is None


def test_on_track_against_the_average_though_under_the_end_of_period_value(make):
    # 0.3 → 0.6 over 2024–2025: expected 0.6 on 31/12/2025 but 0.525 on average over 2025
    wh, plan = make(
        requests=_counts(2023, 30, 100) + _monthly(2025, 55, 100),
        indicators=(indicator("tx", "take_up", milestones=(("2025-12-31", 0.6),)),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert ind["expected_now"] == pytest.approx(0.6)
    assert ind["expected_period"] == pytest.approx(0.3 + 0.3 * (366 + 183) / 731)
    assert ind["value"] == pytest.approx(0.55) and ind["status"] == "on_track"
    assert "attendus en moyenne sur la période" in _plain(ind["status_reason"])
    # 12 flat monthly values: the projection and its band are quoted
    assert ind["projection"] == pytest.approx(0.55) and "fourchette à 95 %" in _plain(ind["status_reason"])


# --- change over one year -------------------------------------------------------------------------


def test_change_over_one_year_for_a_rate(make):
    wh, plan = make(
        requests=_counts(2023, 30, 100) + _monthly(2024, 3, 10) + _monthly(2025, 4, 10),
        indicators=(indicator("tx", "take_up"),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    c = ind["change_1y"]
    assert set(c) == set(ind["change"]) >= KEYS
    # 36/120 in 2024 against 48/120 in 2025, pooled z test by hand
    p1, p2, pooled = 36 / 120, 48 / 120, 84 / 240
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (2 / 120))
    assert c["delta"] == pytest.approx(0.1)
    assert c["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert c["test"] == "test de comparaison de deux proportions (z)"
    assert c["significant"] is False
    assert _plain(c["sentence"]).startswith("Hausse non significative de 10,0 points depuis l'an dernier")


def test_change_over_one_year_for_a_mean_score(make):
    before = [7, 8, 6, 9, 5, 8, 7, 6]
    after = [8, 9, 9, 7, 10, 8, 9, 8, 9]
    wh, plan = make(
        responses=[response(f"2024-{i + 1:02}-10", s) for i, s in enumerate(before)]
        + [response(f"2025-{i + 1:02}-10", s) for i, s in enumerate(after)],
        indicators=(
            indicator("sat", "satisfaction_mean", target=9.0, baseline_period=("2024-01-01", "2024-12-31")),
        ),
    )
    c = evaluate(wh, plan, AS_OF)["indicators"][0]["change_1y"]
    expected = sps.ttest_ind(after, before, equal_var=False)
    assert c["test"] == "test t de Welch"
    assert c["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert c["delta"] == pytest.approx(sum(after) / 9 - sum(before) / 8)


def test_change_over_one_year_without_a_year_earlier(make):
    wh, plan = make(
        requests=_counts(2023, 3, 10) + _counts(2025, 6, 10), indicators=(indicator("tx", "take_up"),)
    )
    c = evaluate(wh, plan, AS_OF)["indicators"][0]["change_1y"]
    assert c["delta"] is None and c["p_value"] is None
    assert c["sentence"] == "Évolution non calculable : pas de données sur la même période un an plus tôt."


def test_change_over_one_year_can_be_left_out(make):
    wh, plan = make(requests=_counts(2025, 6, 10), indicators=(indicator("tx", "take_up"),))
    assert evaluate(wh, plan, AS_OF, change_1y=False)["indicators"][0]["change_1y"] is None


# --- registers are not samples --------------------------------------------------------------------


def test_interval_notes_say_registers_are_not_samples(make):
    wh, plan = make(
        requests=_counts(2025, 6, 10),
        responses=[response("2025-03-01", 8.0)],
        indicators=(indicator("tx", "take_up"), indicator("sat", "satisfaction_mean", target=9.0)),
    )
    take_up, sat = evaluate(wh, plan, AS_OF)["indicators"]
    assert take_up["interval_note"] == REGISTER_NOTE and "pas une erreur de sondage" in REGISTER_NOTE
    assert sat["interval_note"] == SURVEY_NOTE


# --- the README's coverage table is the reference table's ------------------------------------------


def test_readme_quotes_the_real_coverage_of_the_order_statistic_intervals():
    from pathlib import Path

    import polars as pl

    from pipelines.indicators.views import REF_FILES

    root = Path(__file__).resolve().parents[3]
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in (root / "README.md").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("| médiane")
        or line.strip().startswith("| 9e décile")
        or line.startswith("  | n |")
    }
    ns = [int(n) for n in rows["n"]]
    ref = pl.read_parquet(REF_FILES["kpi_ref_order_ranks"])
    for pct, name in ((50, "médiane"), (90, "9e décile")):
        table = {r["n"]: r for r in ref.filter(pl.col("pct") == pct).to_dicts()}
        assert rows[f"{name} : rangs"] == [f"{table[n]['lo']}–{table[n]['hi']}" for n in ns]
        shown = [float(c.replace(",", ".").rstrip(" %")) for c in rows[f"{name} : couverture réelle"]]
        assert shown == [round(100 * table[n]["coverage"], 1) for n in ns]


def test_survey_waves_are_not_missing_months(make):
    # quarterly survey waves in 2025 and requests every month: the survey's months without responses
    # are not missing data (a sample, not a register); a survey starting in April is
    waves = [response(f"2025-{m:02}-10", 8.0) for m in (1, 4, 7, 10) for _ in range(5)]
    wh, plan = make(
        requests=_monthly(2025, 3, 10),
        responses=waves,
        indicators=(indicator("sat", "satisfaction_mean", target=9.0),),
    )
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    assert (ind["months_with_data"], ind["months_in_period"], ind["window_note"]) == (12, 12, None)
    wh, plan = make(
        requests=_monthly(2025, 3, 10),
        responses=waves[5:],
        indicators=(indicator("sat", "satisfaction_mean", target=9.0),),
    )
    assert evaluate(wh, plan, AS_OF)["indicators"][0]["months_with_data"] == 9  # April to December
