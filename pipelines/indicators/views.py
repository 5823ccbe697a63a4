"""Create the indicator marts, macros and views in the warehouse (run by the ingest writer).

The SQL lives in ``sql/*.sql``, run in file-name order; the marts (:mod:`.marts`) are refreshed
once ``02_marts.sql`` has defined them, and those computed by the indicator macros once
``06_measure.sql`` has run; ``07``–``08`` then build the tables and views that read them. Before it, two reference tables are filled from
scipy (once per warehouse: they are constants), so that intervals needing a distribution quantile
stay exact and stay in SQL:

- ``kpi_ref_order_ranks(pct, n, lo, hi, coverage)``: for the median (pct 50) and the 90th
  percentile (pct 90) of n values, the ranks of the order statistics x(lo) ≤ x(hi) bounding the
  distribution-free 95 % interval. With B ~ Binomial(n, q): lo = F⁻¹(0.025), hi = F⁻¹(0.975) + 1,
  so P(B < lo) < 2.5 % and P(B ≥ hi) ≤ 2.5 %; ``coverage`` = P(lo ≤ B < hi) ≥ 95 %. When n is too
  small for any pair (n ≤ 5 for the median), the ranks are clamped to 1 and n (the minimum and the
  maximum) and ``coverage`` tells the real level. Exact for n ≤ 20 000, normal approximation beyond.
- ``kpi_ref_t975(df, t)``: Student's t(0.975, df) for df ≤ 10 000 (Cornish–Fisher beyond).

Both are constants: they ship as Parquet files in ``ref/`` (written by
``uv run python -c "from pipelines.indicators.views import write_reference_files as w; w()"``, checked against scipy by the tests), so that a
first import does not pay scipy's one-second import and computation.

Everything here also runs over views named like the warehouse tables (a Parquet export attached
with :func:`pipelines.export.attach_parquet`): nothing assumes base tables.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pipelines.errors import ViewsMissing
from pipelines.indicators.marts import MartRefresh
from pipelines.plan import ensure_plan_tables

SQL_DIR = Path(__file__).with_name("sql")
REF_DIR = Path(__file__).with_name("ref")
REF_FILES = {"kpi_ref_order_ranks": REF_DIR / "order_ranks.parquet", "kpi_ref_t975": REF_DIR / "t975.parquet"}
MARTS_SQL, MACROS_SQL = "02_marts.sql", "06_measure.sql"
VIEWS_VERSION = "8"  # 3: delay sums as exact integers (mart_decided_monthly in microseconds); 4: the diagnostic (territory, equipment, consultation), communes named; 5: completed requests in mart_usage_monthly (marts rebuilt whole); 6: delay in days as whole microseconds ÷ 86 400 000 000 (the same double in DuckDB and Spark); 7: the questionnaire (instrument) as a dimension of mart_survey_monthly; 8: cohort Kaplan–Meier with its Brookmeyer–Crowley interval, closures without decision out of the curve, delay_median_cohort in kpi_measure_cases
EXACT_RANKS_UP_TO = 20_000
EXACT_T_UP_TO = 10_000
CHANNEL_LABELS = {
    "online": "En ligne",
    "assisted": "En ligne, accompagnée",
    "counter": "Guichet",
    "phone": "Téléphone",
    "mail": "Courrier",
    "email": "Courriel",
    "other": "Autre",
}
META_DDL = "create table if not exists meta (key varchar primary key, value varchar)"


def order_rank_table(max_n: int = EXACT_RANKS_UP_TO) -> pl.DataFrame:
    """Exact binomial ranks of the distribution-free 95 % interval of the median and the 90th percentile."""
    from scipy import stats  # only when the table is first built: scipy takes a second to import

    n = np.arange(1, max_n + 1)
    parts = []
    for pct in (50, 90):
        q = pct / 100
        lo = np.maximum(stats.binom.ppf(0.025, n, q), 1).astype(np.int64)
        hi = np.minimum(stats.binom.ppf(0.975, n, q) + 1, n).astype(np.int64)
        coverage = stats.binom.cdf(hi - 1, n, q) - stats.binom.cdf(lo - 1, n, q)
        parts.append(
            pl.DataFrame(
                {
                    "pct": np.full(max_n, pct, np.int64),
                    "n": n.astype(np.int64),
                    "lo": lo,
                    "hi": hi,
                    "coverage": coverage,
                }
            )
        )
    return pl.concat(parts)


def t_table(max_df: int = EXACT_T_UP_TO) -> pl.DataFrame:
    from scipy import stats

    df = np.arange(1, max_df + 1)
    return pl.DataFrame({"df": df.astype(np.int64), "t": stats.t.ppf(0.975, df)})


def _table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, comment: str) -> None:
    con.register("_ref_arrow", frame.to_arrow())
    try:
        con.execute(f"create or replace table {name} as select * from _ref_arrow").fetchall()
    finally:
        con.unregister("_ref_arrow")
    con.execute(f"comment on table {name} is '{comment}'").fetchall()


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views of the current schema."""
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = current_schema() "
        "union all select view_name from duckdb_views() where database_name = current_database() and schema_name = current_schema()"
    ).fetchall()
    return {r[0] for r in rows}


def write_reference_files() -> None:
    """Compute the scipy-based constant tables and write them to ``ref/`` (run when they change)."""
    REF_DIR.mkdir(exist_ok=True)
    order_rank_table().write_parquet(REF_FILES["kpi_ref_order_ranks"], statistics=False)
    t_table().write_parquet(REF_FILES["kpi_ref_t975"], statistics=False)


def _reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The constant tables, built only when missing, from the shipped Parquet files."""
    present = _relations(con)
    comments = {
        "kpi_ref_order_ranks": "Rangs des statistiques d''ordre des intervalles à 95 % de la médiane et du 9e décile (loi binomiale exacte).",
        "kpi_ref_t975": "Quantiles t(0,975 ; ddl) de la loi de Student.",
    }
    for name, comment in comments.items():
        if name not in present:
            con.execute(
                f"create or replace table {name} as select * from read_parquet(?)", [str(REF_FILES[name])]
            ).fetchall()
            con.execute(f"comment on table {name} is '{comment}'").fetchall()
    channels = pl.DataFrame({"channel": list(CHANNEL_LABELS), "label": list(CHANNEL_LABELS.values())})
    if "kpi_ref_channels" not in present or con.execute(
        "select channel, label from kpi_ref_channels"
    ).fetchall() != list(CHANNEL_LABELS.items()):
        _table(con, "kpi_ref_channels", channels, "Libellés français des canaux.")


def create_views(con: duckdb.DuckDBPyConnection, mart_sources: str | None = None) -> dict[str, str]:
    """(Re)build reference tables, marts, macros and views on the writer connection.

    Returns how each canonical table's marts were refreshed (see :class:`marts.MartRefresh`).
    ``mart_sources``: SQL run right after ``02_marts.sql`` that re-defines some ``<mart>_rows``
    macros, so that those marts are built from elsewhere than the canonical tables (a consolidation
    builds them from an engine's per-member rows, :mod:`pipelines.consolidate`).
    """
    ensure_plan_tables(con)
    con.execute(META_DDL).fetchall()
    _reference_tables(con)
    refresh, modes = None, {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8")).fetchall()
        if path.name == MARTS_SQL:
            if mart_sources:
                con.execute(mart_sources).fetchall()
            refresh = MartRefresh(con, VIEWS_VERSION)
            refresh.stage(1)
        elif path.name == MACROS_SQL and refresh is not None:
            refresh.stage(2)
            modes = refresh.record()
    con.execute("insert or replace into meta values ('indicator_views', ?)", [VIEWS_VERSION]).fetchall()
    return modes


def require_views(con: duckdb.DuckDBPyConnection) -> None:
    """Raise ViewsMissing (French) when the warehouse has no indicator views of this version."""
    try:
        rows = con.execute("select value from meta where key = 'indicator_views'").fetchall()
    except duckdb.CatalogException:  # no meta table: a warehouse from before the indicator views
        rows = []
    if not rows or rows[0][0] != VIEWS_VERSION:
        raise ViewsMissing(
            "L'entrepôt ne contient pas encore les vues des indicateurs (ou une version ancienne) : "
            "relancez « barometre ingest » pour les créer."
        )
