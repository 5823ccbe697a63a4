"""Monthly series, breakdowns, the plan's trajectory and the filter choices, as Polars frames for the app.

Every value comes from the ``kpi_measure`` macro (the same numbers as ``evaluate``); series stop at
the latest complete month of data so that a half-filled month never shows as a dip.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipelines.indicators import query as q
from pipelines.indicators import status
from pipelines.indicators.months import add_months, month_floor
from pipelines.indicators.query import Filters, Period
from pipelines.indicators.views import CHANNEL_LABELS, require_views
from pipelines.plan import CASE_MEASURES, Plan, in_force
from pipelines.warehouse import read_connection

SERIES_SCHEMA = {
    "month": pl.Date,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n": pl.Int64,
}
BREAKDOWN_SCHEMA = {
    "key": pl.String,
    "label": pl.String,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n": pl.Int64,
}
UNKNOWN = {
    "service": "Service non renseigné",
    "channel": "Canal non renseigné",
    "commune": "Commune non renseignée",
    "age_band": "Âge non renseigné",
}


def series(warehouse: Path, plan: Plan, indicator_id: str, filters: Filters | None = None) -> pl.DataFrame:
    """Monthly values of an indicator: month (first day), value, ci_low, ci_high, n.

    From the first month of data (or the filter's start) to the latest complete month (or the
    filter's end, widened to whole months).
    """
    ind = plan.indicator(indicator_id)
    filters = filters or Filters()
    with read_connection(warehouse) as con:
        require_views(con)
        stop = q.default_period(con).stop
        if filters.end:
            stop = min(stop, add_months(filters.end, 1))
        first = con.execute("select date_trunc('month', min(min_at))::date from mart_data_bounds").fetchall()[
            0
        ][0]
        start = month_floor(filters.start) if filters.start else first
        if start is None or start >= stop:
            return pl.DataFrame(schema=SERIES_SCHEMA)
        rows = q.measure_frame(con, ind, Period(start, stop), filters, ["month"])
    return rows.select(list(SERIES_SCHEMA)).cast(SERIES_SCHEMA).sort("month")


def trajectory(
    plan: Plan, indicator_id: str, baseline_value: float | None, at: dt.date | str | None = None
) -> pl.DataFrame:
    """The plan's expected path: date, expected, kind (« référence », « jalon », « cible »): the
    trajectory in force on ``at`` (the latest revision dated on or before it), the original one when
    ``at`` is None."""
    ind = plan.indicator(indicator_id)
    if at is not None:
        ind = in_force(ind, dt.date.fromisoformat(at[:10]) if isinstance(at, str) else at)
    points = status.trajectory_points(ind, baseline_value)
    return pl.DataFrame(
        points, schema={"date": pl.Date, "expected": pl.Float64, "kind": pl.String}, orient="row"
    )


def breakdown(
    warehouse: Path,
    plan: Plan,
    indicator_id: str,
    by: str,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """The indicator over the headline period per ``by`` ∈ service, channel, commune, age_band.

    Columns key, label, value, ci_low, ci_high, n; largest n first. Cases carry no age band, so a
    delay indicator has no age breakdown (empty frame). A missing key (commune not given…) is a row
    of its own, labelled « non renseigné(e) ».
    """
    ind = plan.indicator(indicator_id)
    filters = filters or Filters()
    with read_connection(warehouse) as con:
        require_views(con)
        names = q.labels(con, by)
        if by == "age_band" and ind.measure in CASE_MEASURES:
            return pl.DataFrame(schema=BREAKDOWN_SCHEMA)
        period = q.headline_period(con, as_of, filters)
        if period.start >= period.stop:
            return pl.DataFrame(schema=BREAKDOWN_SCHEMA)
        rows = q.measure_frame(con, ind, period, filters, [by])
    frame = rows.select(
        pl.col(by).alias("key"),
        pl.col(by)
        .replace_strict(names, default=pl.col(by), return_dtype=pl.String)
        .fill_null(UNKNOWN[by])
        .alias("label"),
        "value",
        "ci_low",
        "ci_high",
        "n",
    )
    return frame.cast(BREAKDOWN_SCHEMA).sort(["n", "key"], descending=[True, False], nulls_last=True)


def filter_options(warehouse: Path) -> dict:
    """Choices for the sidebar: (value, label) per dimension present in the data, and the date span."""
    with read_connection(warehouse) as con:
        require_views(con)
        rows = con.execute(
            "select dimension, value, label from kpi_dimension_values order by dimension, label, value"
        ).fetchall()
        span = con.execute("select min(min_at), max(max_at) from mart_data_bounds").fetchall()[0]
    out: dict = {"services": [], "channels": [], "communes": []}
    for dimension, value, label in rows:
        if dimension == "channel":
            out["channels"].append((value, label or CHANNEL_LABELS.get(value, value)))
        elif dimension in ("service", "commune"):
            out[f"{dimension}s"].append((value, label))
    order = list(CHANNEL_LABELS)
    out["channels"].sort(key=lambda c: order.index(c[0]) if c[0] in order else len(order))
    out["min_date"] = span[0].date() if span[0] else None
    out["max_date"] = span[1].date() if span[1] else None
    return out
