"""Crash safety: ``kill -9`` of an ingest at any moment leaves the warehouse readable and
consistent (each file fully in or fully out, the ledger agreeing with the rows), and re-running
completes the work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipelines.ingest.run import ingest
from pipelines.warehouse import read_connection
from schemas import DATASETS
from tests.conftest import ROOT

# every canonical table: the demo's exports feed the diagnostic's tables too (maturity, territory…)
TABLES = tuple(d.table for d in DATASETS.values())


def _consistent(warehouse) -> dict[str, int]:
    """Check ledger ↔ rows agreement; return row counts per table."""
    with read_connection(warehouse) as con:
        counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
        ledger = con.execute(
            "select file_id, rows_new from ingest_files where status in ('loaded', 'partial')"
        ).fetchall()
        for file_id, rows_new in ledger:
            in_tables = sum(
                con.execute(f"select count(*) from {t} where file_id = ?", [file_id]).fetchall()[0][0]
                for t in TABLES
            )
            assert in_tables == rows_new, (file_id, in_tables, rows_new)
        orphans = sum(
            con.execute(
                f"select count(*) from {t} where file_id not in (select file_id from ingest_files)"
            ).fetchall()[0][0]
            for t in TABLES
        )
        assert orphans == 0
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0, 5.0])
def test_kill_minus_9_leaves_a_consistent_warehouse(demo, tmp_path, delay):
    warehouse = tmp_path / "w.duckdb"
    exports = demo.data_dir / "exports"
    # a first, complete ingest of one file, so there is a previous snapshot to protect
    ingest([exports / "survey_responses.csv"], warehouse)
    before = _consistent(warehouse)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "ingest",
            str(exports),
            "--warehouse",
            str(warehouse),
            # the demo's mappings (maturity LimeSurvey export) and plan (communes, catalogue)
            "--data-dir",
            str(demo.data_dir),
            "--plan",
            str(demo.plan),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    after = _consistent(warehouse)
    with read_connection(demo.warehouse) as con:
        expected = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
    # the run is all in (the swap happened) or not at all (the previous snapshot is intact)
    assert after in (before, expected)
    reports = ingest([exports], warehouse, data_dir=demo.data_dir, plan_path=demo.plan)
    assert all(r.status in ("loaded", "skipped") for r in reports)
    assert _consistent(warehouse) == expected
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert leftovers == []
