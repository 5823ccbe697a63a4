"""Issue 13, point 8: dossiers known from an earlier Démarches Simplifiées export and absent from a
newer full one are reported, can be pruned from the indicators and put back; filtered exports
(status tab, filing dates) never mark what they did not cover (fixtures: tests/fixtures/ds_cumulative,
cut from the real-format sample by build_formats.ds_cumulative)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.ingest.run import DossierChanges, ingest
from pipelines.migrations import SCHEMA_VERSION
from pipelines.rebuild import plan_rebuild, rebuild
from tests.conftest import FIXTURES

FIRST = FIXTURES / "formats" / "dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv"
LATER = FIXTURES / "ds_cumulative"
FULL = LATER / "dossiers_carte-stationnement-residentiel_2025-06-09_10-00.csv"
OPEN_TAB = LATER / "dossiers_carte-stationnement-residentiel_2025-06-09_10-05.csv"
SINCE_APRIL = LATER / "dossiers_carte-stationnement-residentiel_2025-06-09_10-10.csv"
GONE = {"23461127", "23415102"}  # en construction deleted by its author; refused test dossier removed


def one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()


@pytest.fixture
def drop(tmp_path):
    d = tmp_path / "depot"
    d.mkdir()
    shutil.copy(FIRST, d)
    return d


def _ingest(paths, wh, **kw):
    return ingest([Path(p) for p in paths], wh, wait_seconds=5, **kw)


def test_full_export_reports_known_dossiers_missing(drop, tmp_path):
    wh = tmp_path / "w.duckdb"
    assert _ingest([drop], wh)[0].missing_from_export == 0
    report = _ingest([FULL], wh)[0]
    assert report.missing_from_export == 2
    assert "2 dossiers connus absents de ce nouvel export" in report.message
    con = duckdb.connect(str(wh), read_only=True)
    marked = {
        r[0] for r in one(con, "select source_id from export_dossiers where absent_from_file_id is not null")
    }
    con.close()
    assert marked == GONE


@pytest.mark.parametrize(("export", "missing"), [(OPEN_TAB, 0), (SINCE_APRIL, 1)])
def test_filtered_exports_mark_only_what_they_cover(drop, tmp_path, export, missing):
    """The « à suivre » tab lists open dossiers only: nothing covered. Filtered on filing dates from
    mid-March: only the deleted en construction dossier (filed in May) is covered; the refused one
    (February) and every decided dossier (no archived dossier listed) are outside its scope."""
    wh = tmp_path / "w.duckdb"
    _ingest([drop], wh)
    report = _ingest([export], wh)[0]
    assert report.missing_from_export == missing
    assert "hors du champ de cet export" in report.message
    changes = DossierChanges()
    _ingest([], wh, prune_missing=True, dossiers=changes)
    assert changes.pruned == missing


def test_prune_restore_and_return(drop, tmp_path):
    wh = tmp_path / "w.duckdb"
    _ingest([drop], wh)
    full_id = 2
    _ingest([FULL], wh)
    changes = DossierChanges()
    _ingest([], wh, prune_missing=True, dossiers=changes)
    assert changes.pruned == 2
    con = duckdb.connect(str(wh), read_only=True)
    for table in ("processing_cases", "usage_events"):
        ids = {r[0] for r in one(con, f"select source_id from {table}")}
        assert not ids & GONE and len(ids) == 24
        assert {r[0] for r in one(con, f"select source_id from pruned_{table}")} == GONE
    assert one(con, "select file_id, dossiers, restored_at from prunes") == [(full_id, 2, None)]
    backlog = one(con, "select count(*) from mart_cases where status = 'submitted'")[0][0]
    con.close()
    assert backlog == 5  # 5 open en construction dossiers left of 6 (one new, one deleted)

    changes = DossierChanges()
    _ingest([], wh, restore_pruned=full_id, dossiers=changes)
    assert changes.restored == 2
    con = duckdb.connect(str(wh), read_only=True)
    assert one(con, "select count(*) from processing_cases")[0][0] == 26
    assert one(con, "select count(*) from pruned_usage_events")[0][0] == 0
    assert one(con, "select restored_at is not null from prunes") == [(True,)]
    assert one(con, "select count(*) from mart_cases")[0][0] == 26
    con.close()

    # pruned again, then a later export lists 23461127 again: it comes back by itself
    _ingest([], wh, prune_missing=True)  # restored dossiers are no longer marked: nothing to prune
    later = tmp_path / "dossiers_carte-stationnement-residentiel_2025-06-16_10-00.csv"
    records = FIRST.read_text("utf-8").splitlines(keepends=True)
    back = next(r for r in records if r.startswith("23461127,"))
    later.write_text(FULL.read_text("utf-8") + back, "utf-8", newline="")
    second = tmp_path / "second.csv"
    second.write_bytes(FULL.read_bytes().replace(b"2025-06-05 10:00:00", b"2025-06-05 10:00:01"))
    shutil.copy(second, tmp_path / "dossiers_carte-stationnement-residentiel_2025-06-12_10-00.csv")
    assert (
        _ingest([tmp_path / "dossiers_carte-stationnement-residentiel_2025-06-12_10-00.csv"], wh)[
            0
        ].missing_from_export
        == 2
    )
    _ingest([], wh, prune_missing=True)
    report = _ingest([later], wh)[0]
    assert "1 dossier(s) retiré(s) des indicateurs de nouveau présent(s)" in report.message
    assert report.missing_from_export == 0  # the refused test dossier, still absent, is already pruned
    con = duckdb.connect(str(wh), read_only=True)
    assert one(con, "select count(*) from processing_cases where source_id = '23461127'")[0][0] == 1
    assert one(con, "select count(*) from pruned_processing_cases")[0][0] == 1
    con.close()


def test_cli_json_and_rebuild_keeps_prunes(drop, tmp_path, capsys):
    wh = tmp_path / "w.duckdb"
    shutil.copy(FULL, drop)
    assert main(["ingest", str(drop), "--warehouse", str(wh), "--data-dir", str(drop), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["missing_from_export"] for r in out] == [0, 2]
    assert main(["ingest", "--warehouse", str(wh), "--data-dir", str(drop), "--prune-missing"]) == 0
    assert "2 dossier(s) absent(s)" in capsys.readouterr().out
    result = rebuild(plan_rebuild(wh, drop), data_dir=drop, plan_path=None, wait_seconds=5)
    assert len(result.plan.prunes) == 2
    con = duckdb.connect(str(wh), read_only=True)
    assert {r[0] for r in one(con, "select source_id from pruned_processing_cases")} == GONE
    assert one(con, "select count(*) from processing_cases")[0][0] == 24
    assert one(con, "select count(*) from mart_cases")[0][0] == 24
    con.close()


def test_migration_2_to_3_knows_the_procedure_of_loaded_dossiers(drop, tmp_path):
    """A version-2 warehouse (no export_dossiers): the step 2 → 3 takes each dossier's procedure from
    the ledger's file name, so the next full export finds the missing ones."""
    wh = tmp_path / "w.duckdb"
    _ingest([drop], wh)
    con = duckdb.connect(str(wh))
    con.execute(
        "drop table export_dossiers; drop table prunes; drop table pruned_processing_cases; "
        "drop table pruned_usage_events; update meta set value = '2' where key = 'schema_version'"
    )
    con.close()
    assert _ingest([FULL], wh)[0].missing_from_export == 2
    con = duckdb.connect(str(wh), read_only=True)
    assert one(con, "select value from meta where key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    con.close()


def test_german_limesurvey_export_is_recognised(tmp_path):
    """Issue 13, point 9 (LimeSurvey half): a German interface export (LimeSurvey's CSV writer: BOM,
    every value quoted, CRLF) is recognised and refused with a survey mapping, not « non reconnu »."""
    rows = [
        ["Antwort ID", "Datum Abgeschickt", "Letzte Seite", "Start-Sprache", "Startwert", "Zufriedenheit"],
        ["1", "2025-05-02 10:00:00", "2", "de", "123", "4"],
    ]
    text = "".join(",".join(f'"{v}"' for v in r) + "\r\n" for r in rows)
    path = tmp_path / "results-survey123456.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = ingest([path], tmp_path / "w.duckdb", wait_seconds=5)[0]
    assert report.status == "refused"
    assert "export LimeSurvey reconnu, langue non gérée" in report.message
    assert 'dataset = "survey"' in report.message
    assert "Format de fichier non reconnu" not in report.message
