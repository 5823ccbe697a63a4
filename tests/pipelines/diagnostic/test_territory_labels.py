"""Commune names in the app: the commune filter and breakdowns read « Nom (code) » once a territory
file names the commune, the code otherwise (``kpi_dimension_values``, read by ``query.labels``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipelines.indicators import query as q
from pipelines.ingest.run import ingest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "territory"

USAGE = """\
source,source_id,submitted_at,service,channel,commune
test,u1,2025-03-03 10:00:00,etat-civil,online,01001
test,u2,2025-03-04 10:00:00,etat-civil,counter,2A004
test,u3,2025-03-05 10:00:00,etat-civil,online,39999
"""


def _labels(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return q.labels(con, "commune")
    finally:
        con.close()


def test_commune_labels_name_and_code_when_known(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    warehouse = tmp_path / "warehouse.duckdb"
    (data / "usage_events.csv").write_text(USAGE, encoding="utf-8")
    ingest([data], warehouse, data_dir=data)
    # no territory file yet: codes only
    assert _labels(warehouse) == {"01001": "01001", "2A004": "2A004", "39999": "39999"}
    shutil.copy(FIXTURES / "v_commune_2024.csv", data / "v_commune_2024.csv")
    ingest([data], warehouse, data_dir=data)
    assert _labels(warehouse) == {
        "01001": "L'Abergement-Clémenciat (01001)",
        "2A004": "Ajaccio (2A004)",
        "39999": "39999",  # no name known: the code
    }
