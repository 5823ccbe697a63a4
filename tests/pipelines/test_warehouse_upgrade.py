"""Upgrades that keep the data: the schema version, the migrations (pipelines/migrations.py) and
``barometre rebuild`` (pipelines/rebuild.py), on warehouses built by a real ingest of real CSV files
and on a warehouse written by the previous release (tests/fixtures/warehouse_v1, see its README)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import migrations
from pipelines.cli import main
from pipelines.errors import MigrationFailed, WarehouseTooNew
from pipelines.ingest.run import ingest
from pipelines.rebuild import candidates
from tests.conftest import FIXTURES

V1 = FIXTURES / "warehouse_v1"
FORMATS = FIXTURES / "formats"
# how and when things ran, not what they hold: the ingest and refresh times, and the way the marts'
# last refresh went (from scratch, appended, unchanged), which depends on how the files were grouped;
# and when the plan was loaded (plan_history.loaded_at)
RUN_COLUMNS = {"started_at", "finished_at", "refreshed_at", "mode", "loaded_at"}


def digest(path: Path) -> dict[str, tuple]:
    """Every table's row count and content hash (all rows, all columns but RUN_COLUMNS)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
        ).fetchall()
        for (table,) in tables:
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? and schema_name = 'main' "
                    "order by column_index",
                    [table],
                ).fetchall()
                if c not in RUN_COLUMNS or (c == "mode" and table != "mart_refresh_state")
            ]
            q = ", ".join(f'"{c}"' for c in cols)
            out[table] = con.execute(
                f'select count(*), sum(hash(({q}))) from (select {q} from "{table}")'
            ).fetchone()
        return out
    finally:
        con.close()


def structure(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'main' "
            "union all select view_name, '', '' from duckdb_views() where schema_name = 'main' and not internal "
            "order by all"
        ).fetchall()
    finally:
        con.close()


def meta(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("select key, value from meta").fetchall())
    finally:
        con.close()


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def kpi(capsys, data: str = "data") -> str:
    rc, out, err = cli(capsys, "kpi", "--json", "--data-dir", data)
    assert rc == 0, err
    return out


def without_ingest_dates(doc: str) -> dict:
    """The kpi document without its « last import » dates (a fresh build is made at another time)."""
    parsed = json.loads(doc)
    for ind in parsed["indicators"]:
        ind["quality"].pop("last_ingest")
    return parsed


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A demo export at small scale and three files of other tools, taken by two ingests (the
    second one's files sort before the first's: the ledger is not in path order), paths recorded
    relative to the folder the commands ran in."""
    from pipelines.demo.generate import write_demo

    base = tmp_path_factory.mktemp("built")
    write_demo(base / "data", seed=5, scale=0.01)
    here = Path.cwd()
    os.chdir(base)
    try:
        assert main(["ingest", "--data-dir", "data", "data/exports"]) == 0
        depots = Path("data/depots")
        depots.mkdir()
        for name in (
            "dossiers_badge-decheterie_2025-06-01_12-00.csv",
            "Avis_Inscription_scolaire_2026-05-10_08-00-00.csv",
        ):
            shutil.copyfile(FORMATS / name, depots / name)
        (depots / "inconnu.csv").write_text("foo;bar\n1;2\n", encoding="utf-8")
        assert main(["ingest", "--data-dir", "data"]) == 1  # the unknown file is refused
    finally:
        os.chdir(here)
    return base


@pytest.fixture
def work(built, tmp_path, monkeypatch):
    """A private copy of the built folder, as the current folder."""
    shutil.copytree(built, tmp_path / "w")
    monkeypatch.chdir(tmp_path / "w")
    return tmp_path / "w"


@pytest.fixture
def v1(tmp_path, monkeypatch):
    """The warehouse written by the previous release and its files, as the current folder."""
    shutil.copytree(V1, tmp_path / "v1")
    monkeypatch.chdir(tmp_path / "v1")
    packed = Path("data/warehouse.duckdb.gz")
    Path("data/warehouse.duckdb").write_bytes(gzip.decompress(packed.read_bytes()))
    packed.unlink()
    return tmp_path / "v1"


WH = Path("data/warehouse.duckdb")


# --- rebuild ---------------------------------------------------------------------------------


def files_taken() -> int:
    """The ledger's files: the demo's three CSVs and its diagnostic files (exports/diagnostic/),
    then three files of other tools."""
    return 6 + len([p for p in Path("data/exports/diagnostic").rglob("*") if p.is_file()])


def test_rebuild_reproduces_every_table_and_the_indicators(work, capsys):
    before, kpi_before, salt = digest(WH), kpi(capsys), meta(WH)["row_id_salt"]
    n = files_taken()
    assert len(salt) == 32 and before["ingest_files"][0] == n
    rc, out, err = cli(capsys, "rebuild", "--data-dir", "data")
    assert rc == 0, err
    assert f"Entrepôt reconstruit à partir de {n} fichier(s) du registre sur {n}." in out
    assert digest(WH) == before
    assert kpi(capsys) == kpi_before
    assert meta(WH)["row_id_salt"] == salt
    assert meta(WH)["schema_version"] == str(migrations.SCHEMA_VERSION)
    assert not [p.name for p in Path("data").iterdir() if ".rebuild-" in p.name or ".tmp-" in p.name]


def test_rebuild_refuses_when_a_file_is_gone_and_force_leaves_it_out(work, capsys):
    before, original = digest(WH), sha(WH)
    gone = "data/depots/dossiers_badge-decheterie_2025-06-01_12-00.csv"
    Path(gone).unlink()
    rc, _, err = cli(capsys, "rebuild", "--data-dir", "data")
    assert rc == 1
    assert f"introuvable : {gone} (ses lignes manqueront)" in err
    assert err.strip().splitlines()[-1].startswith("Erreur : 1 fichier(s) du registre manquent")
    assert sha(WH) == original

    rc, out, err = cli(capsys, "rebuild", "--data-dir", "data", "--force")
    assert rc == 0, err
    assert "il lui manque les lignes de 1 fichier(s)" in out
    after = digest(WH)
    assert after["ingest_files"][0] == files_taken() - 1
    assert after["processing_cases"][0] == before["processing_cases"][0] - 3
    assert sha(Path("data/warehouse.duckdb.before-rebuild")) == original


def test_rebuild_reports_a_changed_file(work, capsys):
    changed = Path("data/exports/survey_responses.csv")
    changed.write_text(changed.read_text(encoding="utf-8")[:-200], encoding="utf-8")
    rc, _, err = cli(capsys, "rebuild", "--data-dir", "data")
    assert rc == 1
    assert "contenu modifié depuis son import : data/exports/survey_responses.csv" in err


def test_rebuild_finds_the_files_from_another_folder(work, tmp_path, monkeypatch, capsys):
    kpi_before = without_ingest_dates(kpi(capsys))
    rows_before = {t: v for t, v in digest(WH).items() if t not in ("ingest_files", "meta")}
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = str(work / "data")
    rc, _, err = cli(capsys, "rebuild", "--data-dir", data)
    assert rc == 0, err
    assert {t: v for t, v in digest(work / WH).items() if t not in ("ingest_files", "meta")} == rows_before
    assert without_ingest_dates(kpi(capsys, data)) == kpi_before


def test_candidates_follow_a_moved_data_folder(tmp_path):
    data = tmp_path / "nouveau" / "data"
    found = candidates("/ancien/chemin/data/exports/a.csv", data)
    assert data / "exports" / "a.csv" in found
    assert candidates("data/exports/a.csv", data)[:3] == [
        Path("data/exports/a.csv"),
        data / "data/exports/a.csv",
        data.parent / "data/exports/a.csv",
    ]


# --- schema version --------------------------------------------------------------------------


def test_a_reader_on_an_old_warehouse_gets_one_french_line(v1, capsys):
    original = sha(WH)
    for command in (["kpi"], ["export", "--parquet", "parquet"]):
        rc, out, err = cli(capsys, *command, "--data-dir", "data")
        assert rc == 1 and out == ""
        assert len(err.strip().splitlines()) == 1
        expected = f"version précédente de Baromètre (schéma 1, {migrations.SCHEMA_VERSION} attendu) : lancez « barometre ingest »"
        assert expected in err
    assert sha(WH) == original


def test_a_newer_warehouse_is_refused_by_readers_and_by_the_writer(work, capsys):
    con = duckdb.connect(str(WH))
    con.execute("insert or replace into meta values ('schema_version', '99')")
    con.close()
    original = sha(WH)
    rc, _, err = cli(capsys, "kpi", "--data-dir", "data")
    assert rc == 1 and f"(schéma 99, celle-ci connaît le {migrations.SCHEMA_VERSION})" in err
    with pytest.raises(WarehouseTooNew):
        ingest([Path("data")], WH, data_dir=Path("data"))
    assert sha(WH) == original


def test_a_failing_migration_leaves_the_warehouse_byte_identical(v1, monkeypatch, capsys):
    def broken(con):
        con.execute("create table essai (x integer)").fetchall()
        con.execute("insert or replace into meta values ('row_id_salt', 'abcd')").fetchall()
        raise RuntimeError("panne simulée")

    steps = [migrations.Migration(1, 2, "étape d'essai", broken), *migrations.MIGRATIONS[1:]]
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    original = sha(WH)
    with pytest.raises(MigrationFailed, match=r"version 1 → 2 : étape d'essai.*panne simulée.*intact"):
        ingest([Path("data")], WH, data_dir=Path("data"))
    rc, _, err = cli(capsys, "ingest", "--data-dir", "data")
    assert rc == 1 and len(err.strip().splitlines()) == 1 and "l'entrepôt d'origine est intact" in err
    assert sha(WH) == original
    assert not [p.name for p in Path("data").iterdir() if ".tmp-" in p.name]


def test_the_registry_chains_the_steps_and_names_a_gap(monkeypatch):
    assert [(m.from_version, m.to_version) for m in migrations.steps_from(1)] == [
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (7, 8),
        (8, 9),
    ]
    assert migrations.steps_from(migrations.SCHEMA_VERSION) == []
    monkeypatch.setattr(migrations, "MIGRATIONS", [])
    with pytest.raises(MigrationFailed, match="Aucune mise à niveau connue depuis la version 1"):
        migrations.steps_from(1)


def test_a_version_3_warehouse_gets_the_ledger_mapping_column_and_keeps_its_data(work, capsys):
    con = duckdb.connect(str(WH))
    con.execute("alter table ingest_files drop column mapping_sha256")
    con.execute("insert or replace into meta values ('schema_version', '3')")
    con.close()
    before = {t: v for t, v in digest(WH).items() if t != "ingest_files"}
    files = duckdb.connect(str(WH), read_only=True).execute("select count(*) from ingest_files").fetchone()[0]
    rc, _, err = cli(capsys, "ingest", "--data-dir", "data")
    assert rc == 1, err  # the built data holds one unknown file, refused again
    assert meta(WH)["schema_version"] == str(migrations.SCHEMA_VERSION)
    con = duckdb.connect(str(WH), read_only=True)
    try:
        assert con.execute("select count(*), count(mapping_sha256) from ingest_files").fetchone() == (
            files,
            0,
        )
    finally:
        con.close()
    after = digest(WH)
    assert {t: after[t] for t in before if t in ("processing_cases", "usage_events", "rejected_rows")} == {
        t: before[t] for t in before if t in ("processing_cases", "usage_events", "rejected_rows")
    }


def test_a_version_4_warehouse_gets_the_maturity_tables_and_keeps_its_data(work, capsys):
    con = duckdb.connect(str(WH))
    for table in ("maturity_answers", "maturity_themes", "maturity_items", "maturity_levels"):
        con.execute(f"drop table {table}")
    con.execute("insert or replace into meta values ('schema_version', '4')")
    con.close()
    before = digest(WH)
    step = migrations.steps_from(4)
    assert [(m.from_version, m.to_version) for m in step] == [(4, 5), (5, 6), (6, 7), (7, 8), (8, 9)]
    rc, _, err = cli(capsys, "ingest", "--data-dir", "data")
    assert rc == 1, err  # the built data holds one unknown file, refused again
    assert meta(WH)["schema_version"] == str(migrations.SCHEMA_VERSION)
    con = duckdb.connect(str(WH), read_only=True)
    try:
        assert con.execute("select count(*) from maturity_answers").fetchone() == (0,)
        assert con.execute("select count(*) from maturity_items").fetchone()[0] == 38
        assert con.execute("select count(*) from maturity_themes").fetchone()[0] == 10
    finally:
        con.close()
    after = digest(WH)
    kept = ("processing_cases", "usage_events", "survey_responses", "rejected_rows")
    assert {t: after[t] for t in kept if t in before} == {t: before[t] for t in kept if t in before}


def test_the_maturity_step_alone_creates_the_tables():
    con = duckdb.connect()
    try:
        con.execute(migrations.META_DDL)
        next(m for m in migrations.MIGRATIONS if m.from_version == 4).apply(con)
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"maturity_answers", "maturity_themes", "maturity_items", "maturity_levels"} <= tables
        columns = [r[0] for r in con.execute("describe maturity_answers").fetchall()]
        assert columns[:8] == [
            "source",
            "source_id",
            "wave",
            "respondent_group",
            "respondent_key",
            "item",
            "level",
            "commune",
        ]
    finally:
        con.close()


# --- the previous release's warehouse --------------------------------------------------------


def test_an_old_warehouse_is_migrated_by_ingest_like_a_fresh_build(v1, capsys):
    salt = meta(WH)["row_id_salt"]
    assert "schema_version" not in meta(WH)
    rc, _, err = cli(capsys, "ingest", "--data-dir", "data")
    assert rc == 1, err  # the fixture's unknown file is refused again, nothing else happens
    assert meta(WH)["schema_version"] == str(migrations.SCHEMA_VERSION) and meta(WH)["row_id_salt"] == salt
    migrated = kpi(capsys)

    rc, _, err = cli(capsys, "ingest", "--data-dir", "data", "--warehouse", "neuf.duckdb")
    assert rc == 1, err
    assert without_ingest_dates(migrated) == without_ingest_dates(
        cli(capsys, "kpi", "--json", "--data-dir", "data", "--warehouse", "neuf.duckdb")[1]
    )
    assert structure(WH) == structure(Path("neuf.duckdb"))


def test_rebuild_works_on_an_old_warehouse_and_on_a_migrated_one(v1, tmp_path, capsys):
    shutil.copyfile(WH, tmp_path / "v1.duckdb")
    assert cli(capsys, "ingest", "--data-dir", "data")[0] == 1
    migrated, migrated_kpi = digest(WH), kpi(capsys)

    rc, _, err = cli(capsys, "rebuild", "--data-dir", "data")
    assert rc == 0, err
    assert digest(WH) == migrated and kpi(capsys) == migrated_kpi

    shutil.copyfile(tmp_path / "v1.duckdb", WH)  # straight from version 1
    rc, _, err = cli(capsys, "rebuild", "--data-dir", "data")
    assert rc == 0, err
    assert digest(WH) == migrated


def test_the_diagnostic_step_alone_creates_the_inventory_territory_and_consultation_tables():
    con = duckdb.connect()
    try:
        con.execute(migrations.META_DDL)
        next(m for m in migrations.MIGRATIONS if m.from_version == 5).apply(con)
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"equipment", "territory", "consultation_items"} <= tables
        cols = [r[0] for r in con.execute("describe territory").fetchall()]
        assert cols[:4] == ["source", "source_id", "commune", "year"] and cols[-1] == "file_id"
    finally:
        con.close()


def test_the_published_reviews_step_alone_creates_its_tables():
    con = duckdb.connect()
    try:
        con.execute(migrations.META_DDL)
        next(m for m in migrations.MIGRATIONS if m.from_version == 7).apply(con)
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"published_reviews", "published_review_figures"} <= tables
    finally:
        con.close()
