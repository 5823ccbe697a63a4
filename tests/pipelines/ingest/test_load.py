"""The one upsert: set-based merge on (source, source_id), counted the same for both speeds."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from pipelines.ingest import load as ld
from pipelines.warehouse import ensure_schema
from schemas import DATASETS


def _rows(ids_outcomes: list[tuple[str, str]]) -> pl.DataFrame:
    ds = DATASETS["usage"]
    n = len(ids_outcomes)
    frame = pl.DataFrame(
        {
            "source": ["test"] * n,
            "source_id": [i for i, _ in ids_outcomes],
            "submitted_at": [dt.datetime(2026, 1, 5, 10)] * n,
            "service": ["etat-civil"] * n,
            "channel": ["online"] * n,
            "outcome": [o for _, o in ids_outcomes],
        }
    )
    return frame.with_columns(
        [pl.lit(None).cast(ds.polars_schema[c]).alias(c) for c in ds.columns if c not in frame.columns]
    ).with_columns([pl.col(c).cast(ds.polars_schema[c]) for c in ds.columns])


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    yield con
    con.close()


def test_upsert_counts_new_updated_and_unchanged(con):
    first = ld.upsert(con, "usage", _rows([("a", "completed"), ("b", "completed")]), 1)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    second = ld.upsert(con, "usage", _rows([("a", "completed"), ("b", "rejected"), ("c", "completed")]), 2)
    assert (second.new, second.updated, second.unchanged) == (1, 1, 1)
    table = DATASETS["usage"].table
    got = con.execute(f"select source_id, outcome, file_id from {table} order by source_id").fetchall()
    assert got == [("a", "completed", 1), ("b", "rejected", 2), ("c", "completed", 2)]


def test_merge_staged_is_the_same_statement_for_a_staging_table(con):
    ds = DATASETS["usage"]
    ld.upsert(con, "usage", _rows([("a", "completed")]), 1)
    con.register("_arrow", ld.stored_rows(ds, _rows([("a", "rejected"), ("z", "completed")]), 2))
    con.execute("create table _stage_test as select * from _arrow")
    counts = ld.merge_staged(con, ds, "_stage_test")
    assert (counts.new, counts.updated, counts.unchanged) == (1, 1, 0)
    assert not con.execute("select * from duckdb_tables() where table_name = '_stage_test'").fetchall()
    assert not ld.is_empty(con, ds.table)


def test_stored_rows_refuses_a_frame_without_the_dataset_columns():
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        ld.stored_rows(DATASETS["usage"], pl.DataFrame({"source": ["x"]}), 1)
