"""The app's cached reads: the sidebar's freshness comes from the marts, equal to a scan of the tables."""

from __future__ import annotations

import shutil

import duckdb
import polars as pl

from dashboard import queries


def scanned(warehouse) -> pl.DataFrame:
    """Rows, latest observation and latest ingest of each table, by scanning the tables."""
    parts = [
        f"select '{table}' as dataset, '{name}' as label, count(*) as rows, max({clock}) as latest_data, "
        f"(select max(f.finished_at) from ingest_files f where f.status in ('loaded', 'partial') "
        f"and f.dataset like '%{table}%') as last_ingest from {table}"
        for table, (name, clock) in queries.DATASET_CLOCKS.items()
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(" union all ".join(parts)).pl()


def test_freshness_reads_the_marts_and_equals_a_scan(demo, tmp_path):
    expected = scanned(demo.warehouse)
    assert expected["rows"].min() > 0 and expected["latest_data"].null_count() == 0
    assert queries.freshness(str(demo.warehouse), "demo").equals(expected)
    # a warehouse without the marts (views never created) is scanned instead
    bare = tmp_path / "bare.duckdb"
    shutil.copyfile(demo.warehouse, bare)
    with duckdb.connect(str(bare)) as con:
        con.execute("drop table mart_data_bounds")
    assert queries.freshness(str(bare), "bare").equals(expected)
