"""Content ids of logs without a request number are keyed by a secret of the warehouse (DESIGN:
persons only as salted hashes): stable within a warehouse, unmatchable from outside it; a
warehouse that took files before the key existed keeps its plain ids (no double counting)."""

from __future__ import annotations

import hashlib

import duckdb

from pipelines.ingest.run import ingest
from pipelines.warehouse import write_snapshot

HEADER = "Type de démarche;Canal de dépôt;Date de dépôt;Commune;Observations"
ROWS = [
    "État civil;Guichet;03/03/2025 10:00;39001;Mme Martin, rappeler",
    "État civil;En ligne;03/03/2025 10:05;39001;",
]


def _log(path, rows=ROWS) -> None:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252"))


def _ids(warehouse) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [
            r[0] for r in con.execute("select source_id from usage_events order by submitted_at").fetchall()
        ]
    finally:
        con.close()


def _plain_id(cells: list[str]) -> str:
    return "ligne-" + hashlib.sha1("\x1f".join(cells).encode("utf-8")).hexdigest()[:16]


def test_ids_are_keyed_per_warehouse_and_stable_within_one(tmp_path):
    log = tmp_path / "registre_excel-fr.csv"
    _log(log)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ingest([log], a)
    ingest([log], b)
    ids_a, ids_b = _ids(a), _ids(b)
    assert len(ids_a) == 2 and all(i.startswith("ligne-") for i in ids_a)
    assert set(ids_a).isdisjoint(ids_b)  # another warehouse, another key
    assert _plain_id(ROWS[0].split(";")) not in ids_a  # not the unkeyed hash of the row
    # a later export with one more row: the two rows keep their ids, one new row
    again = tmp_path / "registre_v2_excel-fr.csv"
    _log(again, [*ROWS, "État civil;Téléphone;04/03/2025 09:00;39001;"])
    report = ingest([again], a)[0]
    assert (report.rows_new, report.rows_loaded) == (1, 3)
    assert _ids(a)[:2] == ids_a


def test_a_warehouse_from_before_the_key_keeps_plain_ids(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    other = tmp_path / "autre.csv"
    other.write_text(
        "source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome\n"
        "demo,X1,2025-03-01 10:00:00,etat-civil,,online,39001,,\n",
        encoding="utf-8",
    )
    ingest([other], warehouse)
    with write_snapshot(warehouse) as con:  # as if made by a version without the key
        con.execute("delete from meta where key = 'row_id_salt'").fetchall()
    log = tmp_path / "registre_excel-fr.csv"
    _log(log)
    ingest([log], warehouse)
    ids = _ids(warehouse)
    assert _plain_id(ROWS[0].split(";")) in ids
