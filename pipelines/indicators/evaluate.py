"""Evaluate every plan indicator at a date: the ``barometre kpi --json`` document.

Values, intervals and sample sizes are read from the SQL macros (``kpi_measure`` and the family
macros); this module adds what needs the plan or scipy: baseline, trajectory, progress, status,
projection and the tests of the change since the baseline and over one year (``change_1y``); the
edges — small samples, partial windows, the trajectory averaged over the window — are in :mod:`edges`. The headline period is the rolling 12
months ending with the latest complete month of data (see ``kpi_default_period``) or with the
latest complete month on or before ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pipelines.french import fmt_value
from pipelines.indicators import delays, edges, instruments, stats, status, weighting
from pipelines.indicators import query as q
from pipelines.indicators.months import add_months
from pipelines.indicators.query import Filters, Period
from pipelines.indicators.views import require_views
from pipelines.indicators.wording import CI_METHODS, change_sentence, period_label
from pipelines.plan import Indicator, Plan, in_force
from pipelines.warehouse import read_connection

FAMILIES = {
    "usage": ("kpi_take_up",),
    "processing": ("kpi_delay", "kpi_delay_km", "kpi_backlog"),
    "survey": ("kpi_satisfaction",),
}
MANUAL_BASELINE = "test impossible : la valeur de référence a été saisie à la main, sans les données individuelles qu'exige un test."
NO_SAMPLE = "pas de test : le nombre de dossiers en attente est un comptage exhaustif, pas un échantillon."
NO_SAMPLE_REASONS = {
    "cost_per_transaction": "pas de test : le coût moyen d'une demande vient de comptages exhaustifs et de coûts "
    "unitaires supposés, pas d'un échantillon."
}
# statistics of a measure's own macro, beside those of its dataset's family (``details``)
MEASURE_FAMILIES = {"completion_rate": ("kpi_completion",), "cost_per_transaction": ("kpi_cost",)}


def default_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """Last day of the latest complete month of data (see the view ``kpi_default_period``)."""
    return q.default_period(con).end


def evaluate(
    warehouse: Path,
    plan: Plan,
    as_of: dt.date | None = None,
    filters: Filters | None = None,
    *,
    details: bool = True,
    changes: bool = True,
    change_1y: bool = True,
) -> dict:
    """Every indicator of the plan over the headline period, against its baseline and trajectory.

    ``details=False`` leaves out each indicator's ``details`` (every statistic of its family: the
    Kaplan–Meier median, the backlog… beside a delay), which cost most of the time at scale and
    which the app's pages do not show.

    ``changes=False`` leaves out the test of each indicator's change since its baseline (``change``
    is then None; the status does not depend on it): the app's overview does not show it, and the
    tests cost its first render the import of scipy (half a second without cached bytecode) and a
    bootstrap per median or P90 delay indicator. The indicator page asks for its one indicator's
    change with :func:`indicator_change`.

    ``change_1y=False`` leaves out the change over one year (``change_1y`` is then None), which the
    overview's cards show.
    """
    with read_connection(warehouse) as con:
        return evaluate_on(con, plan, as_of, filters, details=details, changes=changes, change_1y=change_1y)


def evaluate_on(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    as_of: dt.date | None = None,
    filters: Filters | None = None,
    *,
    details: bool = True,
    changes: bool = True,
    change_1y: bool = True,
) -> dict:
    """:func:`evaluate` on an open connection (a consolidation evaluates each member's marts in memory)."""
    filters = filters or Filters()
    require_views(con)
    period = q.headline_period(con, as_of, filters)
    quality = q.quality(con)
    indicators = [
        assess(
            con,
            ind,
            period,
            filters,
            quality,
            with_details=details,
            with_change=changes,
            with_change_1y=change_1y,
        )
        for ind in plan.indicators
    ]
    return {
        "as_of": period.end.isoformat(),
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "status_rule": status.STATUS_RULE,
        "indicators": indicators,
    }


def indicator_change(
    warehouse: Path,
    plan: Plan,
    indicator_id: str,
    as_of: dt.date | None = None,
    filters: Filters | None = None,
) -> dict:
    """The ``change`` entry of :func:`evaluate` for one indicator (difference with the baseline,
    its test and its sentence), computed alone: the same periods, values and test."""
    filters = filters or Filters()
    ind = plan.indicator(indicator_id)
    with read_connection(warehouse) as con:
        require_views(con)
        period = q.headline_period(con, as_of, filters)
        bperiod = q.baseline_period(ind)
        cur = q.measure_row(con, ind, period, filters)
        base = q.measure_row(con, ind, bperiod, filters) if ind.baseline_value is None else None
        baseline_value = ind.baseline_value if base is None else base["value"]
        notes = instruments.survey_notes(con, ind, period, bperiod, filters) if _survey(ind) else None
        return instruments.mark_change(
            notes, change(con, ind, cur, base, baseline_value, period, bperiod, filters)
        )


def _rounded_count(value: float | None, n: int) -> int:
    return round((value or 0.0) * n)


def change(
    con,
    ind: Indicator,
    cur: dict,
    base: dict | None,
    baseline_value: float | None,
    period: Period,
    bperiod: Period,
    filters: Filters | None,
    *,
    since: str | None = None,
    before_words: str = "la période de référence",
) -> dict:
    """Difference with the baseline, its test and one French sentence (see :mod:`stats` for the tests,
    :mod:`edges` for Fisher's exact test of small counts and the minimum sample). ``since`` and
    ``before_words`` name the earlier period in the sentences (default: the baseline period)."""
    cur, base = weighting.for_test(cur), weighting.for_test(base)  # weighted: Kish's n_eff as n
    value = cur["value"]
    delta = value - baseline_value if value is not None and baseline_value is not None else None
    since = since or period_label(bperiod.start, bperiod.end)
    test = stats.TESTS[ind.measure]
    out = {"delta": delta, "p_value": None, "significant": None, "test": None}
    if delta is None:
        missing = before_words if baseline_value is None else "la période évaluée"
        return out | {"sentence": f"Évolution non calculable : pas de données sur {missing}."}
    if base is None:
        return out | {"sentence": change_sentence(delta, ind.unit, since, None, None, MANUAL_BASELINE)}
    if test is None:
        reason = NO_SAMPLE_REASONS.get(ind.measure, NO_SAMPLE)
        return out | {"sentence": change_sentence(delta, ind.unit, since, None, None, reason)}
    too_small = edges.sample_too_small(ind, base["n"], cur["n"], before_words)
    if too_small:
        return out | {"sentence": change_sentence(delta, ind.unit, since, None, None, too_small)}
    if test == "bootstrap":  # a median or a P90: bootstrap interval of the difference, no p-value
        return out | delays.bootstrap_change(
            con, ind, delta, period, bperiod, q.scope_params(ind, filters), since
        )
    label = stats.TEST_LABELS[test]
    if test == "two_proportions":
        counts = (
            _rounded_count(base["value"], base["n"]),
            base["n"],
            _rounded_count(value, cur["n"]),
            cur["n"],
        )
        if edges.fisher_needed(*counts):
            p, label = edges.fisher(*counts), edges.FISHER_LABEL
        else:
            p = stats.two_proportions(*counts)
    elif test == "welch":
        p = stats.welch(base["value"], base["sd"], base["n"], value, cur["sd"], cur["n"])
    else:
        ranks = q.delay_rank_sum(con, ind, bperiod, period, filters)
        if stats.mann_whitney_exact_needed(ranks["n1"], ranks["n2"], ranks["tie_term"]):
            p = stats.mann_whitney(
                q.decided_delays(con, ind, bperiod, filters), q.decided_delays(con, ind, period, filters)
            )
        else:
            p = stats.mann_whitney_from_ranks(ranks["u1"], ranks["n1"], ranks["n2"], ranks["tie_term"])
    if p is None:
        reason = "effectifs trop faibles pour un test."
        return out | {
            "test": label,
            "sentence": change_sentence(delta, ind.unit, since, None, None, reason),
        }
    significant = p < stats.ALPHA
    return out | {
        "p_value": p,
        "significant": significant,
        "test": label,
        "sentence": change_sentence(delta, ind.unit, since, p, significant),
    }


def details(con, ind: Indicator, period: Period, filters: Filters | None) -> dict:
    """Every statistic of the measure's family over the period (Kaplan–Meier median beside the plain one…)."""
    out: dict = {}
    if period.start >= period.stop:
        return out
    for macro in FAMILIES[q.dataset_of(ind.measure)] + MEASURE_FAMILIES.get(ind.measure, ()):
        out |= q.family(con, macro, ind, period, filters)
    return out


def assess(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    period: Period,
    filters: Filters | None,
    quality: dict[str, dict],
    bperiod: Period | None = None,
    with_details: bool = True,
    with_change: bool = True,
    with_change_1y: bool = False,
) -> dict:
    """One indicator over ``period`` against its baseline (over ``bperiod``, default its own), judged
    against the trajectory in force at the end of the period (the latest revision dated on or before
    it, see ``pipelines.plan.in_force``), on the trajectory averaged over the period's months with data
    (:mod:`edges`)."""
    plan_ind, ind = ind, in_force(ind, period.end)
    bperiod = bperiod or q.baseline_period(ind)
    cur = q.measure_row(con, ind, period, filters)
    base = q.measure_row(con, ind, bperiod, filters) if ind.baseline_value is None else None
    baseline_value = ind.baseline_value if base is None else base["value"]
    when = period.end
    expected = status.expected_at(ind, baseline_value, when)
    all_months = edges.window_months(period)
    data_months = edges.months_with_data(con, ind, period)
    partial = len(data_months) < len(all_months)
    expected_period = edges.average_expected(
        status.expected_at, ind, baseline_value, data_months or all_months
    )
    projection = stats.Projection()
    if ind.target_date > when:
        months = q.measure_frame(
            con, ind, Period(add_months(period.stop, -stats.MAX_POINTS), period.stop), filters, ["month"]
        )
        projection = stats.project(
            months["month"].to_list(),
            months["value"].to_list(),
            ind.target_date,
            ind.unit,
            at_month_end=ind.measure == "backlog",
        )
    notes = instruments.survey_notes(con, ind, period, bperiod, filters) if _survey(ind) else None
    state, reason = status.classify(
        ind,
        cur["value"],
        cur["ci_low"],
        cur["ci_high"],
        cur["n"],
        expected_period,
        projection.value,
        when,
        projection_low=projection.low,
        projection_high=projection.high,
        months_with_data=len(data_months),
        months_in_period=len(all_months),
        expected_words=f"en moyenne sur les {len(data_months)} mois avec données"
        if partial and data_months
        else "en moyenne sur la période",
    )
    return {
        "id": ind.id,
        "label": ind.label,
        "measure": ind.measure,
        "unit": ind.unit,
        "direction": ind.direction,
        "period_start": period.start.isoformat(),
        "period_end": when.isoformat(),
        "value": cur["value"],
        "ci_low": cur["ci_low"],
        "ci_high": cur["ci_high"],
        "n": cur["n"],
        "value_label": fmt_value(cur["value"], ind.unit, sentence=True),
        "ci_method": delays.ci_method(ind, CI_METHODS[ind.measure]),
        "delay_basis": delays.delay_basis(ind),
        "delay_basis_note": delays.BASIS_NOTES.get(delays.delay_basis(ind)),
        "min_sample": ind.min_sample,
        "baseline_value": baseline_value,
        "baseline_source": "computed" if base is not None else "manual",
        "baseline_ci_low": base["ci_low"] if base else None,
        "baseline_ci_high": base["ci_high"] if base else None,
        "baseline_n": base["n"] if base else None,
        "baseline_start": bperiod.start.isoformat(),
        "baseline_end": bperiod.end.isoformat(),
        "target_value": ind.target_value,
        "target_date": ind.target_date.isoformat(),
        "target_revisions": target_revisions(plan_ind),
        "expected_now": expected,
        "expected_period": expected_period,
        "months_with_data": len(data_months),
        "months_in_period": len(all_months),
        "window_note": edges.window_sentence(len(data_months), len(all_months)),
        "baseline_below_min_sample": edges.baseline_below_min_sample(ind, base["n"] if base else None),
        "interval_note": edges.INTERVAL_NOTES.get(ind.measure),
        "progress_pct": status.progress_pct(cur["value"], baseline_value, ind.target_value, ind.direction),
        "status": state,
        "status_label": status.STATUS_LABELS[state],
        "status_reason": reason,
        "projection": projection.value,
        "projection_low": projection.low,
        "projection_high": projection.high,
        "projection_points": projection.points,
        "change": instruments.mark_change(
            notes, change(con, ind, cur, base, baseline_value, period, bperiod, filters)
        )
        if with_change
        else None,
        "change_1y": year_change(con, ind, cur, period, filters) if with_change_1y else None,
        "details": (details(con, ind, period, filters) | weighting.details(cur) | instruments.details(notes))
        if with_details
        else {},
        "quality": instruments.quality(notes, quality[q.dataset_of(ind.measure)]),
        "weighting": cur.get("weighting"),
        "baseline_weighting": base.get("weighting") if base else None,
        "methodology": ind.methodology,
    }


def year_change(con, ind: Indicator, cur: dict, period: Period, filters: Filters | None) -> dict:
    """The change over one year: the same months a year earlier, tested as the change since the
    baseline (same keys as ``change``)."""
    before = edges.year_earlier(period)
    prev = q.measure_row(con, ind, before, filters)
    return change(
        con,
        ind,
        cur,
        prev,
        prev["value"],
        period,
        before,
        filters,
        since=edges.YEAR_EARLIER_SINCE,
        before_words="la même période un an plus tôt",
    )


def _survey(ind: Indicator) -> bool:
    return q.dataset_of(ind.measure) == "survey"


def target_revisions(ind: Indicator) -> list[dict]:
    """Every dated revision of the plan's indicator (its original trajectory in its own fields),
    oldest first: date, decision, reason, the new target (``target_value``, ``target_date``) and the
    target it replaced (``previous_target_value``, ``previous_target_date``)."""
    out = []
    before_value, before_date = ind.target_value, ind.target_date
    for rev in ind.revisions:
        out.append(
            {
                "date": rev.date.isoformat(),
                "decision": rev.decision,
                "reason": rev.reason,
                "target_value": rev.target_value,
                "target_date": rev.target_date.isoformat(),
                "previous_target_value": before_value,
                "previous_target_date": before_date.isoformat(),
            }
        )
        before_value, before_date = rev.target_value, rev.target_date
    return out
