"""The demo's consultation files go through the one ingest with the demo plan's catalogue: every row
loaded, about 400 participants, the démarches named by the catalogue mapped to their services and
the two it does not know left without one, authors' names never stored."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.demo.diagnostic import PARTS
from pipelines.demo.diagnostic_consultation import ANSWERS, RESPONSES, write
from pipelines.ingest.run import ingest

PLAN = Path(__file__).resolve().parents[3] / "pipelines" / "demo" / "plan.toml"


def test_demo_consultation(tmp_path):
    assert "consultation" in PARTS
    paths = write(tmp_path / "exports" / "diagnostic")
    reports = ingest([tmp_path / "exports"], tmp_path / "w.duckdb", data_dir=tmp_path, plan_path=PLAN)
    assert {r.status for r in reports} == {"loaded"}, [r.message for r in reports]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from rejected_rows").fetchall() == [(0,)]
        rows = con.execute(
            "select item, service, supports, participants from consultation_items "
            "where consultation = 'limesurvey-424242'"
        ).fetchall()
        items = {r[0]: r[1:] for r in rows}
        assert len(items) == len(ANSWERS) + 1  # ten démarches and « Autre »
        participants = {r[3] for r in rows}
        assert len(participants) == 1 and 380 <= participants.pop() <= RESPONSES
        unmapped = sorted(k for k, v in items.items() if v[0] is None)
        assert unmapped == ["Autre", "Inscription à la médiathèque", "Paiement des amendes"]
        assert items["Badge déchèterie"][0] == "dechets-badges"
        dump = str(con.execute("select * from consultation_items").fetchall())
        assert "Claire Fontaine" not in dump and "habitant.sorne@" not in dump
        assert con.execute("select count(*) from kpi_consultation_demand()").fetchall()[0][0] >= 8
    finally:
        con.close()
    assert all(p.exists() for p in paths)
