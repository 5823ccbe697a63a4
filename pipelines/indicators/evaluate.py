"""Evaluate every plan indicator at a date. (Skeleton: value vs target; statistics deepen in issue 4.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pipelines.plan import Indicator, Plan
from pipelines.warehouse import read_connection


def default_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """First day after the latest complete month of usage data (exclusive period end)."""
    last = con.execute("select max(submitted_at) from usage_events").fetchall()[0][0]
    if last is None:
        today = dt.date.today()
        return today.replace(day=1)
    nxt = (last.date().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt if (last + dt.timedelta(days=1)).month != last.month else last.date().replace(day=1)


def _scope_sql(ind: Indicator, table_alias: str = "") -> tuple[str, list]:
    clauses, params = [], []
    for key, col in (("services", "service"), ("channels", "channel"), ("communes", "commune"), ("age_bands", "age_band")):
        values = ind.scope.get(key) or ()
        if values:
            clauses.append(f"{table_alias}{col} in ({', '.join('?' for _ in values)})")
            params.extend(values)
    return (" and " + " and ".join(clauses)) if clauses else "", params


def measure_value(con: duckdb.DuckDBPyConnection, ind: Indicator, start: dt.date, end: dt.date) -> tuple[float | None, int]:
    """(value, n) of the indicator's measure over [start, end)."""
    m = ind.measure
    if m in ("take_up", "assisted_share"):
        ind_scope = Indicator(**{**ind.__dict__, "scope": {k: v for k, v in ind.scope.items() if k != "channels"}})
        where, params = _scope_sql(ind_scope)
        num = "channel in ('online', 'assisted')" if m == "take_up" else "channel = 'assisted'"
        den = "true" if m == "take_up" else "channel in ('online', 'assisted')"
        row = con.execute(
            f"select count(*) filter (where {num}), count(*) filter (where {den}) from usage_events "
            f"where submitted_at >= ? and submitted_at < ? and coalesce(outcome, '') <> 'abandoned'{where}",
            [start, end, *params],
        ).fetchall()[0]
        return (row[0] / row[1] if row[1] else None), int(row[1])
    if m.startswith("delay") or m == "within_deadline":
        where, params = _scope_sql(Indicator(**{**ind.__dict__, "scope": {k: v for k, v in ind.scope.items() if k != "age_bands"}}))
        expr = {
            "delay_median": "quantile_cont(d, 0.5)",
            "delay_p90": "quantile_cont(d, 0.9)",
            "delay_mean": "avg(d)",
            "within_deadline": "avg(case when d <= deadline_days then 1.0 else 0.0 end) filter (where deadline_days is not null)",
        }[m]
        row = con.execute(
            f"select {expr}, count(*) from (select epoch(decided_at - submitted_at) / 86400.0 as d, deadline_days "
            f"from processing_cases where status in ('accepted', 'rejected') and decided_at >= ? and decided_at < ?{where})",
            [start, end, *params],
        ).fetchall()[0]
        return row[0], int(row[1])
    if m == "backlog":
        row = con.execute(
            "select count(*) from processing_cases where submitted_at < ? and (decided_at is null or decided_at >= ?)",
            [end, end],
        ).fetchall()[0]
        return float(row[0]), int(row[0])
    where, params = _scope_sql(ind)
    expr = {
        "satisfaction_mean": "avg(score_10)",
        "satisfied_share": "avg(case when satisfied then 1.0 else 0.0 end)",
        "nps": "100.0 * (avg(case when nps >= 9 then 1.0 else 0.0 end) - avg(case when nps <= 6 then 1.0 else 0.0 end))",
    }[m]
    col = "nps" if m == "nps" else "score_10"
    row = con.execute(
        f"select {expr}, count(*) from survey_responses where complete and {col} is not null "
        f"and responded_at >= ? and responded_at < ?{where}",
        [start, end, *params],
    ).fetchall()[0]
    return row[0], int(row[1])


def evaluate(warehouse: Path, plan: Plan, as_of: dt.date | None = None) -> dict:
    with read_connection(warehouse) as con:
        end = as_of or default_as_of(con)
        start = end.replace(year=end.year - 1)
        out = []
        for ind in plan.indicators:
            value, n = measure_value(con, ind, start, end)
            base = ind.baseline_value
            if base is None:
                base, _ = measure_value(con, ind, ind.baseline_start, ind.baseline_end + dt.timedelta(days=1))
            out.append(
                {
                    "id": ind.id, "label": ind.label, "measure": ind.measure, "unit": ind.unit, "direction": ind.direction,
                    "period_start": start.isoformat(), "period_end": (end - dt.timedelta(days=1)).isoformat(),
                    "value": value, "n": n, "baseline_value": base, "target_value": ind.target_value,
                    "target_date": ind.target_date.isoformat(),
                }
            )
    return {"as_of": (end - dt.timedelta(days=1)).isoformat(), "indicators": out}
