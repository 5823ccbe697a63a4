"""Reading the indicator macros: periods, filters and parameterised SQL (never string-built values).

Periods are whole calendar months (the marts are monthly): a period is ``[start, stop)`` with
``start`` and ``stop`` first days of months. Dates given by the user are widened to the months
that hold them: a filter from 15/03/2026 to 10/06/2026 covers March to June 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines.errors import InvalidBreakdown
from pipelines.indicators.months import add_months, month_floor
from pipelines.plan import CASE_MEASURES, Indicator

DIMENSIONS = ("service", "channel", "commune", "age_band")
DATASETS = {"usage": "usage_events", "processing": "processing_cases", "survey": "survey_responses"}
USAGE_MEASURES = {"take_up", "assisted_share", "completion_rate", "cost_per_transaction"}
KEYS = ["month", "service", "channel", "commune", "age_band"]


@dataclass(frozen=True)
class Filters:
    """The app's sidebar filters, applied on top of each indicator's own scope (intersection)."""

    start: dt.date | None = None
    end: dt.date | None = None  # inclusive dates
    services: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day of the first month
    stop: dt.date  # first day after the last month

    @property
    def end(self) -> dt.date:
        return self.stop - dt.timedelta(days=1)


def dataset_of(measure: str) -> str:
    return "usage" if measure in USAGE_MEASURES else "processing" if measure in CASE_MEASURES else "survey"


def default_period(con: duckdb.DuckDBPyConnection) -> Period:
    """The 12 months ending with the latest complete month of data (view ``kpi_default_period``)."""
    start, stop = con.execute("select period_start, period_stop from kpi_default_period").fetchall()[0]
    return Period(start, stop)


def period_ending(con: duckdb.DuckDBPyConnection, as_of: dt.date | None) -> Period:
    """12 months ending with the latest complete month on or before ``as_of`` (default: of the data)."""
    if as_of is None:
        return default_period(con)
    end = con.execute("select kpi_complete_month_end(?)", [as_of]).fetchall()[0][0]
    stop = end + dt.timedelta(days=1)
    return Period(add_months(stop, -12), stop)


def headline_period(con: duckdb.DuckDBPyConnection, as_of: dt.date | None, filters: Filters) -> Period:
    """The rolling 12 months, cut by the filter dates (widened to whole months) when given."""
    period = period_ending(con, as_of)
    stop = min(period.stop, add_months(filters.end, 1)) if filters.end else period.stop
    start = add_months(stop, -12)
    if filters.start:
        start = max(start, month_floor(filters.start))
    return Period(min(start, stop), stop)


def baseline_period(ind: Indicator) -> Period:
    return Period(month_floor(ind.baseline_start), add_months(ind.baseline_end, 1))


def _merge(scope: tuple[str, ...], chosen: tuple[str, ...]) -> list[str] | None:
    """Intersection of the indicator's scope and the user's filter; None means no restriction."""
    if not scope and not chosen:
        return None
    if not scope:
        return sorted(set(chosen))
    if not chosen:
        return list(scope)
    return [v for v in scope if v in set(chosen)]


def scope_params(ind: Indicator, filters: Filters | None) -> list:
    f = filters or Filters()
    return [
        _merge(ind.scope["services"], tuple(f.services)),
        _merge(ind.scope["channels"], tuple(f.channels)),
        _merge(ind.scope["communes"], tuple(f.communes)),
        _merge(ind.scope["age_bands"], ()),
    ]


MEASURE_SQL = (  # the measure's own dataset macro: kpi_measure binds all three (~10 ms a query)
    "select * from kpi_measure_{dataset}(?, ?, ?, services := ?, channels := ?, communes := ?, age_bands := ?, dims := ?) "
    "order by all nulls last"
)
MEASURE_MACROS = {"usage": "usage", "processing": "cases", "survey": "survey"}
# survey measures also take the indicator's questionnaire (``instrument`` key, issue 17)
SURVEY_MEASURE_SQL = MEASURE_SQL.format(dataset="survey").replace(
    "dims := ?)", "dims := ?, instruments := ?)"
)
FAMILY_SQL = {
    "kpi_take_up": "select * from kpi_take_up(?, ?, services := ?, channels := ?, communes := ?, age_bands := ?)",
    "kpi_satisfaction": "select * from kpi_satisfaction(?, ?, services := ?, channels := ?, communes := ?, age_bands := ?, instruments := ?)",
    "kpi_delay": "select * from kpi_delay(?, ?, services := ?, channels := ?, communes := ?)",
    "kpi_delay_km": "select * from kpi_delay_km(?, ?, services := ?, channels := ?, communes := ?)",
    "kpi_backlog": "select * from kpi_backlog(?, ?, services := ?, channels := ?, communes := ?)",
    "kpi_completion": "select * from kpi_completion(?, ?, services := ?, channels := ?, communes := ?, age_bands := ?)",
    "kpi_cost": "select * from kpi_cost(?, ?, services := ?, channels := ?, communes := ?, age_bands := ?)",
}


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pl.DataFrame:
    """A parameterised query as a Polars frame (DuckDB 2.0: relations, not cursors, give ``.pl()``)."""
    return con.sql(sql, params=params).pl()


def measure_key(ind: Indicator) -> str:
    """The ``kpi_measure`` name of the indicator's headline: its measure, or ``delay_median_cohort``
    for a delay_median whose plan sets ``delay_basis = "cohort"`` (Kaplan–Meier over the cases filed)."""
    if ind.measure == "delay_median" and getattr(ind, "delay_basis", "decided") == "cohort":
        return "delay_median_cohort"
    return ind.measure


def measure_frame(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    period: Period | None,
    filters: Filters | None,
    dims: list[str] | None = None,
) -> pl.DataFrame:
    """Rows of ``kpi_measure`` for the indicator (keys, value, ci_low, ci_high, n, sd)."""
    start, stop = (period.start, period.stop) if period else (None, None)
    if dataset_of(ind.measure) == "survey":
        params = [ind.measure, start, stop, *scope_params(ind, filters), dims or [], instruments_param(ind)]
        return frame(con, SURVEY_MEASURE_SQL, params)
    sql = MEASURE_SQL.format(dataset=MEASURE_MACROS[dataset_of(ind.measure)])
    return frame(con, sql, [measure_key(ind), start, stop, *scope_params(ind, filters), dims or []])


def instruments_param(ind: Indicator) -> list[str] | None:
    """The questionnaire codes an indicator reads (its ``instrument`` key), None for all."""
    instrument = getattr(ind, "instrument", None)
    return [instrument] if instrument else None


def measure_row(
    con: duckdb.DuckDBPyConnection, ind: Indicator, period: Period, filters: Filters | None
) -> dict:
    """value, ci_low, ci_high, n, sd of the indicator over the period (n = 0 and None without data)."""
    if period.start >= period.stop:
        return {"value": None, "ci_low": None, "ci_high": None, "n": 0, "sd": None}
    rows = measure_frame(con, ind, period, filters).to_dicts()
    if not rows:
        return {"value": None, "ci_low": None, "ci_high": None, "n": 0, "sd": None}
    row = rows[0]
    out = {k: row[k] for k in ("value", "ci_low", "ci_high", "sd")} | {"n": int(row["n"])}
    if getattr(ind, "weighting", None):  # non-response weighting (issue 17): the weighted value leads
        from pipelines.indicators.weighting import weighted_row

        return weighted_row(con, ind, period, scope_params(ind, filters), instruments_param(ind), out)
    return out


def family(
    con: duckdb.DuckDBPyConnection, macro: str, ind: Indicator, period: Period, filters: Filters | None
) -> dict:
    """The one-row result of a family macro (every statistic of the measure's family), {} without data."""
    services, channels, communes, age_bands = scope_params(ind, filters)
    params = [period.start, period.stop, services, channels, communes]
    if macro in ("kpi_take_up", "kpi_satisfaction", "kpi_completion", "kpi_cost"):
        params.append(age_bands)
    if macro == "kpi_satisfaction":
        params.append(instruments_param(ind))
    rows = frame(con, FAMILY_SQL[macro], params).drop(KEYS).to_dicts()
    return rows[0] if rows else {}


def delay_rank_sum(
    con: duckdb.DuckDBPyConnection, ind: Indicator, first: Period, second: Period, filters: Filters | None
) -> dict:
    """n1, n2, u1, tie_term of the Mann–Whitney test of the delays decided in ``first`` vs ``second``
    (macro ``kpi_delay_rank_sum``: one row, whatever the number of cases)."""
    services, channels, communes, _ = scope_params(ind, filters)
    rows = con.execute(
        "select n1, n2, u1, tie_term from kpi_delay_rank_sum(?, ?, ?, ?, services := ?, channels := ?, communes := ?)",
        [first.start, first.stop, second.start, second.stop, services, channels, communes],
    ).fetchall()
    n1, n2, u1, tie_term = rows[0]
    return {"n1": int(n1), "n2": int(n2), "u1": u1, "tie_term": tie_term}


def decided_delays(
    con: duckdb.DuckDBPyConnection, ind: Indicator, period: Period, filters: Filters | None
) -> list[float]:
    """Individual delays (days) of the cases decided in the period (the exact Mann–Whitney test of small samples)."""
    services, channels, communes, _ = scope_params(ind, filters)
    rows = con.execute(
        "select delay_days from kpi_decided_cases(?, ?, services := ?, channels := ?, communes := ?)",
        [period.start, period.stop, services, channels, communes],
    ).fetchall()
    return [r[0] for r in rows]


def quality(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Per dataset: rows rejected at ingest, last successful ingest, latest timestamp in the data."""
    out = {}
    for dataset, table in DATASETS.items():
        rejected = con.execute("select count(*) from rejected_rows where dataset = ?", [table]).fetchall()[0][
            0
        ]
        last = con.execute(
            "select max(finished_at) from ingest_files where status in ('loaded', 'partial') "
            "and list_contains(string_split(dataset, ', '), ?)",
            [table],
        ).fetchall()[0][0]
        latest = con.execute("select max_at from mart_data_bounds where dataset = ?", [dataset]).fetchall()
        latest_at = latest[0][0] if latest else None
        out[dataset] = {
            "rows_rejected": int(rejected),
            "last_ingest": last.isoformat() if last else None,
            "latest_data": latest_at.isoformat() if latest_at else None,
        }
    return out


def labels(con: duckdb.DuckDBPyConnection, dimension: str) -> dict[str, str]:
    """value → French label for a filter dimension (service catalogue, channel names…)."""
    if dimension not in DIMENSIONS:
        raise InvalidBreakdown(
            f"Ventilation « {dimension} » inconnue ; ventilations possibles : {', '.join(DIMENSIONS)}."
        )
    rows = con.execute(
        "select value, label from kpi_dimension_values where dimension = ?", [dimension]
    ).fetchall()
    return dict(rows)
