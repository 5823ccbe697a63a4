"""The inventory of equipment and platforms at a date, as Polars frames: every asset with its status
at that date and its accessibility flag (``kpi_equipment``), and the counts per commune × kind ×
status (``kpi_equipment_summary``); both macros live in ``indicators/sql/11_equipment.sql``, which
writes down the rules (status at a date, statement missing or older than 3 years)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from pipelines.errors import ViewsMissing
from pipelines.indicators.query import frame
from pipelines.ingest.adapters.equipment import KIND_LABELS, STATUS_LABELS

__all__ = ["FLAGS", "KIND_LABELS", "STATUS_LABELS", "equipment_at", "equipment_summary", "with_labels"]

FLAGS = {
    "statement_missing": "déclaration d'accessibilité absente",
    "statement_old": "déclaration d'accessibilité de plus de 3 ans",
}


def equipment_at(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pl.DataFrame:
    """Every asset with its columns, ``status_at`` (status at ``as_of``), ``flag`` and ``flag_reason``."""
    return _query(con, "select * exclude (file_id) from kpi_equipment(?)", as_of)


def equipment_summary(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pl.DataFrame:
    """``commune, kind, status, assets, flagged``: counts at ``as_of`` (status = status at that date)."""
    return _query(con, "select * from kpi_equipment_summary(?)", as_of)


def _query(con: duckdb.DuckDBPyConnection, sql: str, as_of: dt.date) -> pl.DataFrame:
    try:
        return frame(con, sql, [as_of])
    except duckdb.CatalogException as err:  # a warehouse whose views predate the inventory
        raise ViewsMissing(
            "L'entrepôt ne contient pas encore les vues de l'inventaire des équipements : "
            "relancez « barometre ingest » pour les créer."
        ) from err


def with_labels(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with French labels beside its codes: ``kind_label``, ``status_label`` (of ``status``,
    or of ``status_at`` when there is one), ``flag_label`` when it has a ``flag``."""
    out = frame.with_columns(pl.col("kind").replace_strict(KIND_LABELS, default=None).alias("kind_label"))
    status = "status_at" if "status_at" in frame.columns else "status"
    out = out.with_columns(pl.col(status).replace_strict(STATUS_LABELS, default=None).alias("status_label"))
    if "flag" in frame.columns:
        out = out.with_columns(pl.col("flag").replace_strict(FLAGS, default=None).alias("flag_label"))
    return out
