"""Cached reads for the pages. Each cache is keyed by explicit arguments — paths, the warehouse
snapshot (``data_version``), the plan file's mtime, the filters as a tuple — and bounded.

The indicator numbers come from :mod:`pipelines.indicators` (the one place they are computed);
the ledger queries below aggregate in SQL over short read-only connections.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from pipelines.plan import Plan, load_plan
from pipelines.warehouse import read_connection

TTL = 600  # seconds; the data_version key already changes at every ingest
FilterKey = tuple  # (start, end, services, channels, communes), see dashboard.filters


def _filters(key: FilterKey | None):
    if key is None:
        return None
    from pipelines.indicators import Filters

    start, end, services, channels, communes = key
    return Filters(start=start, end=end, services=services, channels=channels, communes=communes)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def plan(plan_path: str, mtime: float) -> Plan:
    return load_plan(Path(plan_path))


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def plan_warnings(warehouse: str, version: str, indicator_id: str | None = None) -> list[str]:
    """The plan's changes without a revision, as of the latest ingest (see ``pipelines.plan_history``)."""
    from pipelines.plan_history import plan_warnings as _plan_warnings

    with read_connection(Path(warehouse)) as con:
        return _plan_warnings(con, indicator_id)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner="Calcul des indicateurs…")
def evaluate(
    warehouse: str,
    version: str,
    plan_path: str,
    mtime: float,
    filters: FilterKey | None = None,
    as_of: dt.date | None = None,
) -> dict:
    from pipelines.indicators import evaluate as _evaluate

    # the pages never show the per-measure details (Kaplan–Meier, backlog…): skipping them halves the cost;
    # nor every indicator's test of its change: the indicator page asks for its own (change() below)
    return _evaluate(
        Path(warehouse), plan(plan_path, mtime), as_of, _filters(filters), details=False, changes=False
    )


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def change(
    warehouse: str,
    version: str,
    plan_path: str,
    mtime: float,
    indicator_id: str,
    filters: FilterKey | None = None,
    as_of: dt.date | None = None,
) -> dict:
    """One indicator's change since its baseline, with its test and sentence (``evaluate``'s ``change``)."""
    from pipelines.indicators import indicator_change

    return indicator_change(Path(warehouse), plan(plan_path, mtime), indicator_id, as_of, _filters(filters))


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def delay_medians(
    warehouse: str,
    version: str,
    plan_path: str,
    mtime: float,
    indicator_id: str,
    filters: FilterKey | None = None,
    as_of: dt.date | None = None,
) -> list[tuple[str, str]]:
    """Both medians of a delay indicator (decided cases, cohort), each labelled with its population."""
    from pipelines.indicators.delays import indicator_medians

    return indicator_medians(Path(warehouse), plan(plan_path, mtime), indicator_id, as_of, _filters(filters))


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def series(
    warehouse: str,
    version: str,
    plan_path: str,
    mtime: float,
    indicator_id: str,
    filters: FilterKey | None = None,
) -> pl.DataFrame:
    from pipelines.indicators import series as _series

    return _series(Path(warehouse), plan(plan_path, mtime), indicator_id, _filters(filters))


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def trajectory(
    plan_path: str, mtime: float, indicator_id: str, baseline_value: float | None, at: str | None = None
) -> pl.DataFrame:
    """The trajectory in force on ``at`` (the original one when ``at`` is None)."""
    from pipelines.indicators import trajectory as _trajectory

    return _trajectory(plan(plan_path, mtime), indicator_id, baseline_value, at)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def breakdown(
    warehouse: str,
    version: str,
    plan_path: str,
    mtime: float,
    indicator_id: str,
    by: str,
    filters: FilterKey | None = None,
) -> pl.DataFrame:
    from pipelines.indicators import breakdown as _breakdown

    return _breakdown(Path(warehouse), plan(plan_path, mtime), indicator_id, by, _filters(filters))


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Calcul de la revue…")
def review(warehouse: str, version: str, plan_path: str, mtime: float, review_name: str | None) -> dict:
    from pipelines.indicators import review as _review

    return _review(Path(warehouse), plan(plan_path, mtime), review_name)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def published_reviews(warehouse: str, version: str) -> list[dict]:
    from pipelines.indicators.published import published_reviews as _published

    with read_connection(Path(warehouse)) as con:
        return _published(con)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner="Comparaison avec la revue publiée…")
def published_comparison(warehouse: str, version: str, plan_path: str, mtime: float, key: str) -> dict | None:
    from pipelines.indicators.published import comparison

    return comparison(Path(warehouse), plan(plan_path, mtime), key)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner="Calcul du diagnostic…")
def diagnostic(
    warehouse: str, version: str, plan_path: str, mtime: float, as_of: dt.date | None = None
) -> dict:
    from pipelines.diagnostic.document import diagnostic as _diagnostic

    return _diagnostic(Path(warehouse), plan(plan_path, mtime), as_of)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def filter_options(warehouse: str, version: str) -> dict:
    from pipelines.indicators import filter_options as _filter_options

    return _filter_options(Path(warehouse))


# ---------------------------------------------------------------------------- warehouse ledger

DATASET_CLOCKS = {  # table → (French name, column dating its latest observation)
    "usage_events": ("Demandes", "submitted_at"),
    "processing_cases": ("Dossiers", "coalesce(decided_at, submitted_at)"),
    "survey_responses": ("Réponses aux questionnaires", "responded_at"),
}


def _last_ingest(table_sql: str) -> str:
    return (
        f"(select max(f.finished_at) from ingest_files f where f.status in ('loaded', 'partial') "
        f"and f.dataset like '%' || {table_sql} || '%')"
    )


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def freshness(warehouse: str, version: str) -> pl.DataFrame:
    """Per dataset: rows, latest observation, latest ingest that brought rows.

    Read from ``mart_data_bounds`` (three rows the ingest keeps up to date: row count and latest
    timestamp of each table) rather than by scanning the tables: the sidebar shows it on every
    page, and scanning 30 M events for it cost a quarter of a second of the first render. Its
    ``max_at`` is the same instant as the scan's: for cases, the later of the latest filing and
    the latest decision, and a decision never precedes its filing (checked at ingest). A warehouse
    without the marts (views not created yet) is scanned as before.
    """
    labels = " union all ".join(
        f"select {i} as position, '{table}' as table_name, '{name}' as label"
        for i, (table, (name, _clock)) in enumerate(DATASET_CLOCKS.items())
    )
    from_mart = (
        f"select l.table_name as dataset, l.label, coalesce(b.n_rows, 0)::bigint as rows, b.max_at as latest_data, "
        f"{_last_ingest('l.table_name')} as last_ingest "
        f"from ({labels}) l left join mart_data_bounds b using (table_name) order by l.position"
    )
    scan = " union all ".join(
        f"select '{table}' as dataset, '{name}' as label, count(*) as rows, max({clock}) as latest_data, "
        f"{_last_ingest(repr(table))} as last_ingest from {table}"
        for table, (name, clock) in DATASET_CLOCKS.items()
    )
    with read_connection(Path(warehouse)) as con:
        try:
            return con.sql(from_mart).pl()
        except duckdb.CatalogException:  # no marts in this warehouse yet
            return con.sql(scan).pl()


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def ingest_history(warehouse: str, version: str, limit: int = 500) -> pl.DataFrame:
    """The ledger, most recent first."""
    with read_connection(Path(warehouse)) as con:
        return con.sql(
            """
            select file_id, path, source, dataset, rows_read, rows_loaded, rows_rejected, status, message,
                   started_at, finished_at, size_bytes
            from ingest_files
            order by started_at desc, file_id desc
            limit ?
            """,
            params=[limit],
        ).pl()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def rejected_summary(warehouse: str, version: str) -> pl.DataFrame:
    """Rejected rows counted per file and reason (what failed, on which column)."""
    with read_connection(Path(warehouse)) as con:
        return con.sql(
            """
            select r.file_id, f.path, r."column" as col, r."check" as chk, count(*) as rows,
                   any_value(r.message) as message
            from rejected_rows r left join ingest_files f using (file_id)
            group by all
            order by rows desc, r.file_id
            """
        ).pl()


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def rejected_rows(
    warehouse: str, version: str, file_id: int | None = None, limit: int = 100_000
) -> pl.DataFrame:
    """Rejected rows with their file, line and French reason (all files, or one)."""
    with read_connection(Path(warehouse)) as con:
        return con.sql(
            """
            select r.file_id, f.path, r.dataset, r.line, r."column" as col, r."check" as chk, r.value, r.message
            from rejected_rows r left join ingest_files f using (file_id)
            where ? is null or r.file_id = ?
            order by r.file_id, r.line
            limit ?
            """,
            params=[file_id, file_id, limit],
        ).pl()


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def row_counts(warehouse: str, version: str) -> dict[str, int]:
    """Rows per canonical table (an empty warehouse has none). A consolidated warehouse keeps only
    the members' aggregates, not their rows: its counts are those of the aggregates' bounds."""
    with read_connection(Path(warehouse)) as con:
        rows = con.sql(
            " union all ".join(f"select '{t}', count(*) from {t}" for t in DATASET_CLOCKS)
        ).fetchall()
        counts = {str(t): int(n) for t, n in rows}
        if not any(counts.values()) and _has_table(con, "territory_members"):
            bounds = con.execute(
                "select table_name, sum(n_rows) from mart_data_bounds group by all"
            ).fetchall()
            counts |= {str(t): int(n or 0) for t, n in bounds if t in counts}
    return counts


# ---------------------------------------------------------------------------- territory (consolidated warehouse)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'main' and table_name = ?",
            [table],
        ).fetchall()[0][0]
    )


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def territory_size(warehouse: str, version: str) -> int:
    """Members of a consolidated warehouse (rows of ``territory_members``); 0 for an authority's own one."""
    with read_connection(Path(warehouse)) as con:
        if not _has_table(con, "territory_members"):
            return 0
        return int(con.execute("select count(*) from territory_members").fetchall()[0][0])


@st.cache_data(ttl=TTL, max_entries=8, show_spinner="Lecture du territoire…")
def territory(warehouse: str, version: str) -> dict:
    """What ``barometre consolidate`` wrote: ``meta`` (its ``consolidated`` key: as_of, engine, territory),
    ``members`` and ``results`` (the ``territory_members`` and ``territory_results`` tables)."""
    import json

    with read_connection(Path(warehouse)) as con:
        found = con.execute("select value from meta where key = 'consolidated'").fetchall()
        members = con.sql("select * from territory_members").pl()
        results = con.sql("select * from territory_results").pl()
    return {
        "meta": json.loads(found[0][0]) if found and found[0][0] else {},
        "members": members,
        "results": results,
    }
