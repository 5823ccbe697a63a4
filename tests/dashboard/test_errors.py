"""Nothing breaks into a stack trace: a missing or empty warehouse, a missing or invalid plan and a
busy warehouse each get a French message that says what to do — on every page."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from pipelines.ingest.run import ingest
from tests.dashboard.conftest import PAGES, open_app, texts

PLAN_PAGES = ["overview", "indicator", "review", "roadmap", "funders"]


@pytest.fixture
def empty_warehouse(demo, tmp_path, monkeypatch):
    """A warehouse made by a real ingest of an empty drop folder."""
    drop = tmp_path / "data"
    drop.mkdir()
    wh = tmp_path / "warehouse.duckdb"
    assert ingest([drop], wh, data_dir=drop, plan_path=demo.plan) == []
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(wh))
    monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
    return wh


@pytest.mark.parametrize("page", ["overview", "indicator", "review"])
def test_empty_warehouse_says_to_import(empty_warehouse, page):
    at = open_app(page)
    assert not at.exception and not at.error
    assert any("ne contient encore aucune demande" in i.value for i in at.info)


def test_empty_warehouse_data_page_still_offers_the_upload(empty_warehouse):
    at = open_app("data")
    assert not at.exception and not at.error
    assert at.file_uploader[0].label == "Fichiers à importer"
    assert any("Aucun import enregistré" in c.value for c in at.caption)


@pytest.mark.parametrize("page", list(PAGES))
def test_missing_warehouse_points_to_ingest(demo, tmp_path, monkeypatch, page):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
    at = open_app(page)
    assert not at.exception and not at.error
    if page in ("overview", "indicator", "review", "data"):
        assert any("barometre ingest" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PLAN_PAGES)
def test_missing_plan_names_the_file_and_the_fix(demo, tmp_path, monkeypatch, page):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(demo.warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(tmp_path / "plan.toml"))
    at = open_app(page)
    assert not at.exception
    message = texts(at)
    assert "introuvable" in message and "barometre demo --prepare-only" in message


@pytest.mark.parametrize("page", PLAN_PAGES)
def test_invalid_plan_names_key_and_line(demo, tmp_path, monkeypatch, page):
    text = demo.plan.read_text(encoding="utf-8")
    line = text.splitlines().index('direction = "increase"') + 1
    bad = tmp_path / "plan.toml"
    bad.write_text(text.replace('direction = "increase"', 'direction = "montante"', 1), encoding="utf-8")
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(demo.warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(bad))
    at = open_app(page)
    assert not at.exception
    errors = texts(at)
    assert f"ligne {line}" in errors and "« indicators[1].direction »" in errors


def test_data_page_works_without_a_plan(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(demo.warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(tmp_path / "plan.toml"))
    at = open_app("data")
    assert not at.exception and not at.error
    # the import history: every file of the ledger (the three exports and the diagnostic's files)
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        files = con.execute("select count(*) from ingest_files").fetchall()[0][0]
    finally:
        con.close()
    assert files > 3 and len(at.dataframe[0].value) == files


@pytest.mark.slow
def test_busy_warehouse_asks_to_retry(demo, tmp_path, monkeypatch):
    """Another program holds the file read-write (DuckDB then refuses readers): a French message."""
    wh = tmp_path / "occupe.duckdb"
    shutil.copyfile(demo.warehouse, wh)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(wh)!r}); print('ok', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(wh))
        monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
        started = time.monotonic()
        at = open_app()
        assert not at.exception and not at.error
        assert any("occupé" in w.value for w in at.warning)
        assert [b.label for b in at.button] == ["Réessayer"]
        assert time.monotonic() - started < 90
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("page", ["overview", "data"])
def test_old_warehouse_says_to_run_ingest(demo, tmp_path, monkeypatch, page):
    """A warehouse of the previous schema version (tests/fixtures/warehouse_v1): a plain warning."""
    import gzip

    from tests.conftest import FIXTURES

    wh = tmp_path / "warehouse.duckdb"
    wh.write_bytes(gzip.decompress((FIXTURES / "warehouse_v1/data/warehouse.duckdb.gz").read_bytes()))
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(wh))
    monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
    at = open_app(page)
    assert not at.exception and not at.error
    assert any("version précédente" in w.value and "barometre ingest" in w.value for w in at.warning)
