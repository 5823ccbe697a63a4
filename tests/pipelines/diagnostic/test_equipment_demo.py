"""The demo authority's inventory (``pipelines/demo/diagnostic_equipment.py``) through the one ingest
with the demo plan: every register line loaded, the national extract cut to the plan's communes,
and the flags the demo story tells (portail famille's 2021 statement, appointments without one)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from pipelines.demo import diagnostic, diagnostic_equipment
from pipelines.diagnostic.inventory import equipment_at, equipment_summary
from pipelines.ingest.run import ingest

DEMO_PLAN = Path(diagnostic_equipment.__file__).with_name("plan.toml")


def test_demo_inventory(tmp_path):
    assert "equipment" in diagnostic.PARTS
    data = tmp_path / "data"
    data.mkdir()
    written = diagnostic_equipment.write(data)
    assert [p.name for p in written] == [
        diagnostic_equipment.REGISTER_FILE,
        diagnostic_equipment.MEDIATION_FILE,
    ]
    reports = {
        Path(r.path).name: r
        for r in ingest([data], tmp_path / "w.duckdb", data_dir=data, plan_path=DEMO_PLAN)
    }
    register = reports[diagnostic_equipment.REGISTER_FILE]
    assert (register.rows_read, register.rows_loaded, register.rows_rejected) == (31, 31, 0)
    extract = reports[diagnostic_equipment.MEDIATION_FILE]
    assert (extract.rows_read, extract.rows_loaded, extract.rows_rejected) == (5, 3, 0)
    assert "3 ligne(s) gardée(s) sur 5" in extract.message
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assets = equipment_at(con, dt.date(2026, 10, 31))
        summary = equipment_summary(con, dt.date(2026, 10, 31))
    assert assets.height == 34
    # 31/10/2026: PF-03's statement (14/06/2021) is older than 31/10/2023; PF-04 has none; PF-06 retired
    flags = {r["asset_id"]: r["flag"] for r in assets.to_dicts() if r["flag"]}
    assert flags == {"PF-03": "statement_old", "PF-04": "statement_missing"}
    a1 = assets.filter(asset_id="PF-01").row(0, named=True)
    assert (a1["franceconnect"], a1["rgaa_rate"], a1["accessibility_statement_date"]) == (
        True,
        0.62,
        dt.date(2025, 3, 17),
    )
    # France Services: two in the register, one in the national extract (labelled, typology RFS)
    counts = {(k, s): n for k, s, n in summary.group_by("kind", "status").agg(pl.col("assets").sum()).rows()}
    assert counts[("france_services", "operational")] == 3
    assert counts[("mediation_place", "planned")] == 1
    assert counts[("public_wifi", "retired")] == 1 and counts[("school_equipment", "retired")] == 1
    assert set(summary["commune"].drop_nulls()) <= {f"399{i:02d}" for i in range(1, 13)}
