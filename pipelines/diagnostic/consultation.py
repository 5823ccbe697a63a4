"""Citizen consultations as Polars frames: the ranking of each consultation's items and the demand
per catalogue service, read from the SQL macros ``kpi_consultation()`` and
``kpi_consultation_demand()`` (``pipelines/indicators/sql/12_consultation.sql``, where the rules are
written: share of participants with its Wilson 95 % interval, rank by supports, pooling over
consultations).
"""

from __future__ import annotations

import duckdb
import polars as pl

RANKING_COLUMNS = (
    "consultation",
    "consultation_label",
    "closed_on",
    "item",
    "service",
    "supports",
    "participants",
    "share",
    "ci_low",
    "ci_high",
    "rank",
)
DEMAND_COLUMNS = (
    "service",
    "consultations",
    "supports",
    "participants",
    "share",
    "ci_low",
    "ci_high",
    "votes",
)


def consultation_ranking(con: duckdb.DuckDBPyConnection, consultation: str | None = None) -> pl.DataFrame:
    """One row per consultation × item (all consultations, or the one named), best supported first."""
    sql = f"select {', '.join(RANKING_COLUMNS)} from kpi_consultation()"
    params: list = []
    if consultation is not None:
        sql += " where consultation = ?"
        params.append(consultation)
    return con.sql(sql + " order by consultation, rank, item", params=params).pl()


def consultation_demand(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per catalogue service named by a consultation: pooled supports, share and interval."""
    return con.sql(f"select {', '.join(DEMAND_COLUMNS)} from kpi_consultation_demand()").pl()
