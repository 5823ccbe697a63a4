"""``barometre export --parquet DIR``: the warehouse as hive-partitioned Parquet.

Layout: ``DIR/<table>/year=<YYYY>/authority=<SIREN>/*.parquet`` for the canonical tables
(partitioned by the year of their main date), ``DIR/<table>/authority=<SIREN>/*.parquet`` for the
ledger and plan tables, and ``DIR/_barometre/authority=<SIREN>.json``: the export's manifest (format,
schema version, export time, the authority's name, kind, communes and population), by which
``barometre consolidate`` recognises an export, tells its schema version and keeps the newest export
of a member. A regional observatory collects many authorities' exports side by side
and runs the same indicator SQL over them (see :func:`attach_parquet`): DuckDB here, or Spark
SQL / Trino over the same folders (README, « Au-delà d'une machine »).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import duckdb

from pipelines.diagnostic.tables import REFERENTIAL_TABLES, create_maturity_tables
from pipelines.errors import BarometreError
from pipelines.migrations import SCHEMA_VERSION
from pipelines.warehouse import read_connection
from schemas import DATASETS

DATED_TABLES = {
    "usage_events": "submitted_at",
    "processing_cases": "submitted_at",
    "survey_responses": "responded_at",
    "web_audience": "period_start",
    "maturity_answers": "wave",
}
CANONICAL = {ds.table: ds for ds in DATASETS.values()}
OTHER_TABLES = (
    "ingest_files",
    "rejected_rows",
    "plan_indicators",
    "plan_milestones",
    "plan_actions",
    "plan_funding",
    "plan_phases",
    "plan_services",
    "plan_deliverables",
    "plan_stakeholders",
    "plan_policy_links",
    "plan_costs",  # unit costs per channel (cost_per_transaction); absent from older exports: empty
    "plan_delay_bases",  # which median a delay indicator leads with; absent from older exports: empty
    "territory",
    "equipment",
    "consultation_items",
    *REFERENTIAL_TABLES,
)


def _empty_select(table: str) -> str:
    """A select of no row with the columns (and types) of a canonical table."""
    columns = [f"null::{sql_type} as {name}" for name, sql_type, _ in CANONICAL[table].sql_columns()]
    return f"select {', '.join(columns)}, null::bigint as file_id where false"


def authority_key(siren: str | None) -> str:
    key = re.sub(r"[^0-9A-Za-z-]", "", siren or "") or "inconnue"
    return key


MANIFEST_DIR = "_barometre"
MANIFEST_FORMAT = "barometre-parquet"


def manifest_path(out: Path, authority: str) -> Path:
    return Path(out) / MANIFEST_DIR / f"authority={authority}.json"


def export_parquet(
    warehouse: Path, out: Path, authority: str, identity: dict | None = None
) -> dict[str, int]:
    """Write every table as Parquet under ``out`` (replacing this authority's previous export), then
    its manifest. ``identity`` is the plan's ``[authority]`` table (name, kind, communes), if any."""
    out = Path(out)
    rows: dict[str, int] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BarometreError(f"Impossible de créer le dossier d'export {out} : {err.strerror}.") from err
    with read_connection(warehouse) as con:
        existing = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        for table, date_col in DATED_TABLES.items():
            if table in existing:
                rows[table] = _copy(con, table, out, authority, f"coalesce(year({date_col}), 0)")
        for table in OTHER_TABLES:
            if table in existing:
                rows[table] = _copy(con, table, out, authority, None)
        population = None
        if "territory" in existing:
            population = con.execute(
                "select sum(population) from (select commune, arg_max(population, year) as population "
                "from territory where population is not null group by commune)"
            ).fetchall()[0][0]
    identity = identity or {}
    manifest = {
        "format": MANIFEST_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": dt.datetime.now().isoformat(timespec="microseconds"),
        "authority": authority,
        "name": identity.get("name") or authority,
        "kind": identity.get("kind"),
        "communes": [str(c) for c in identity.get("communes", ())],
        "population": int(population) if population is not None else None,
        "rows": rows,
    }
    path = manifest_path(out, authority)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return rows


def _copy(
    con: duckdb.DuckDBPyConnection, table: str, out: Path, authority: str, year_expr: str | None
) -> int:
    for old in (out / table).glob(f"**/authority={authority}"):
        shutil.rmtree(old)
    n = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    if n == 0:
        return 0
    year = f", {year_expr} as year" if year_expr else ""
    parts = "year, authority" if year_expr else "authority"
    target = str(out / table).replace("'", "''")
    con.execute(
        f"copy (select *{year}, ? as authority from {table}) to '{target}' "
        f"(format parquet, partition_by ({parts}), overwrite_or_ignore true, filename_pattern 'part_{{uuid}}')",
        [authority],
    ).fetchall()
    return int(n)


def attach_parquet(con: duckdb.DuckDBPyConnection, folder: Path, authority: str | None = None) -> None:
    """Create views named like the warehouse tables over a Parquet export (all authorities, or one),
    so the indicator SQL runs on it unchanged: then ``pipelines.indicators.create_views(con)``.

    A canonical table with no file (nothing to export: an authority without survey) becomes an
    empty view of the same columns, so that the indicator SQL still binds."""
    folder = Path(folder)
    for table in (*DATED_TABLES, *OTHER_TABLES):
        if not any((folder / table).glob("**/*.parquet")):
            if table in CANONICAL:
                con.execute(f"create or replace view {table} as {_empty_select(table)}").fetchall()
            elif table in REFERENTIAL_TABLES:  # an export from before the maturity tables: empty ones
                create_maturity_tables(con, only=table)
            continue
        glob = str(folder / table / "**" / "*.parquet").replace("'", "''")
        where = f" where authority = '{authority_key(authority)}'" if authority else ""
        dated = table in DATED_TABLES
        drop = "year, authority" if dated else "authority"
        types = "{'year': integer, 'authority': varchar}" if dated else "{'authority': varchar}"
        # the referential is the same row in every member's export: once
        distinct = "distinct " if table in REFERENTIAL_TABLES else ""
        con.execute(
            f"create or replace view {table} as select {distinct}* exclude ({drop}) from read_parquet('{glob}', "
            f"hive_partitioning = true, hive_types = {types}, union_by_name = true){where}"
        ).fetchall()
