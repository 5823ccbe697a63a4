"""The demo goes through the real pipeline: every generated row is loaded, a re-run changes nothing."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.ingest.run import ingest


def _csv_rows(path) -> int:
    return pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()


def test_demo_ingest_loads_every_row(demo):
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        for table, name in (
            ("usage_events", "usage_events.csv"),
            ("processing_cases", "processing_cases.csv"),
            ("survey_responses", "survey_responses.csv"),
        ):
            expected = _csv_rows(demo.data_dir / "exports" / name)
            assert expected > 0
            assert con.execute(f"select count(*) from {table}").fetchall()[0][0] == expected
        assert con.execute("select count(*) from rejected_rows").fetchall()[0][0] == 0
        statuses = {r[0] for r in con.execute("select status from ingest_files").fetchall()}
        assert statuses == {"loaded"}
    finally:
        con.close()


def test_demo_usage_is_about_200k_events(demo):
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        n = con.execute("select count(*) from usage_events").fetchall()[0][0]
    finally:
        con.close()
    assert 150_000 <= n <= 260_000


def test_second_ingest_skips_every_file_and_changes_nothing(demo):
    before = demo.warehouse.read_bytes()
    del before
    reports = ingest([demo.data_dir / "exports"], demo.warehouse, data_dir=demo.data_dir, plan_path=demo.plan)
    assert reports and all(r.status == "skipped" for r in reports)
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        # the three canonical exports, and the diagnostic's files (pipelines/demo/diagnostic.py)
        diagnostic = [f for f in (demo.data_dir / "exports" / "diagnostic").rglob("*") if f.is_file()]
        assert con.execute("select count(*) from ingest_files").fetchall()[0][0] == 3 + len(diagnostic)
    finally:
        con.close()
