"""A review of the plan: every indicator over the review period beside its baseline, with the test.

The review period is taken in whole months and cut at the latest complete month of data (a review
still running is read on the months already observed). The baseline period is the review's own
(``baseline_start``/``baseline_end`` in ``plan.reviews``), else each indicator's. With no review in
the plan, the baselines are compared with the rolling 12 months.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.errors import UnknownReview
from pipelines.french import fmt_value
from pipelines.indicators import query as q
from pipelines.indicators.evaluate import assess
from pipelines.indicators.months import add_months, month_floor
from pipelines.indicators.query import Period
from pipelines.indicators.views import require_views
from pipelines.plan import Plan, Review
from pipelines.warehouse import read_connection

NO_REVIEW_NAME = "Référence du plan et 12 derniers mois"


def choose_review(plan: Plan, name: str | None, first: dt.date | None, stop: dt.date) -> Review | None:
    """The named review; else the latest one whose period holds data; else the first; None if the plan has none."""
    if name is not None:
        try:
            return plan.review(name)
        except KeyError:
            known = ", ".join(f"« {r.name} »" for r in plan.reviews) or "aucune"
            raise UnknownReview(f"Revue « {name} » inconnue ; revues du plan : {known}.") from None
    with_data = [r for r in plan.reviews if first is not None and r.start < stop and r.end >= first]
    if with_data:
        return max(with_data, key=lambda r: r.start)
    return plan.reviews[0] if plan.reviews else None


def review(warehouse: Path, plan: Plan, review_name: str | None = None, as_of: dt.date | None = None) -> dict:
    """Baseline vs review period for every indicator (see the module docstring)."""
    with read_connection(warehouse) as con:
        require_views(con)
        latest = q.period_ending(con, as_of)
        first = con.execute("select min(min_at)::date from mart_data_bounds").fetchall()[0][0]
        chosen = choose_review(plan, review_name, first, latest.stop)
        if chosen is None:
            name, planned, period, shared = NO_REVIEW_NAME, latest, latest, None
        else:
            planned = Period(month_floor(chosen.start), add_months(chosen.end, 1))
            name, period = (
                chosen.name,
                Period(planned.start, max(planned.start, min(planned.stop, latest.stop))),
            )
            shared = (
                Period(month_floor(chosen.baseline_start), add_months(chosen.baseline_end, 1))
                if chosen.baseline_start
                else None
            )
        quality = q.quality(con)
        # a review row shows no per-measure details (Kaplan–Meier median, backlog…): not computing
        # them spares the Revue page its slowest queries (kpi_delay_km, kpi_backlog at scale)
        rows = [
            assess(con, ind, period, None, quality, shared, with_details=False) for ind in plan.indicators
        ]
    base_start = shared.start.isoformat() if shared else (rows[0]["baseline_start"] if rows else None)
    base_end = shared.end.isoformat() if shared else (rows[0]["baseline_end"] if rows else None)
    return {
        "name": name,
        "baseline_start": base_start,
        "baseline_end": base_end,
        "start": planned.start.isoformat(),
        "end": (period if period.stop > period.start else planned).end.isoformat(),
        "complete": period == planned,  # False: the review period is still running (or has no data yet)
        "indicators": [_row(r) for r in rows],
    }


def _row(r: dict) -> dict:
    change = r["change"]
    return {
        "id": r["id"],
        "label": r["label"],
        "measure": r["measure"],
        "unit": r["unit"],
        "direction": r["direction"],
        "baseline_value": r["baseline_value"],
        "baseline_label": fmt_value(r["baseline_value"], r["unit"], sentence=True),
        "baseline_source": r["baseline_source"],
        "baseline_ci_low": r["baseline_ci_low"],
        "baseline_ci_high": r["baseline_ci_high"],
        "baseline_n": r["baseline_n"],
        "baseline_start": r["baseline_start"],
        "baseline_end": r["baseline_end"],
        "review_value": r["value"],
        "value_label": r["value_label"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
        "n": r["n"],
        "delta": change["delta"],
        "p_value": change["p_value"],
        "significant": change["significant"],
        "test": change["test"],
        "sentence": change["sentence"],
        "expected": r["expected_now"],
        "expected_period": r["expected_period"],  # what the status compares the value with
        "months_with_data": r["months_with_data"],
        "months_in_period": r["months_in_period"],
        "status": r["status"],
        "status_label": r["status_label"],
        "status_reason": r["status_reason"],
        "target_value": r["target_value"],
        "target_date": r["target_date"],  # the target in force at the end of the review period
        "target_revisions": r["target_revisions"],
        "period_end": r["period_end"],
    }
