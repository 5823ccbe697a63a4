"""``barometre demo --territory``: five member authorities of different sizes and trajectories, each
generated, ingested by the real ingest and exported into one Parquet folder, with a territory plan
whose indicators are defined identically in every member's plan; idempotent; then consolidated."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
from pathlib import Path

import duckdb
import pytest

from pipelines.demo.territory import MEMBERS, prepare_members
from pipelines.indicators import evaluate
from pipelines.plan import load_plan

SIRENS = ["999390101", "999390119", "999390127", "999390135", "999390143"]


def _has_consolidate() -> bool:
    try:
        return hasattr(importlib.import_module("pipelines.consolidate"), "consolidate")
    except ImportError:
        return False


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    root = tmp_path_factory.mktemp("territoire")
    paths, fresh = prepare_members(root, seed=42)
    assert fresh
    return paths


def _kpi(member) -> dict[str, dict]:
    doc = evaluate(member.warehouse, load_plan(member.plan), None)
    return {i["id"]: i for i in doc["indicators"]}


def test_each_member_has_its_folder_plan_and_warehouse(territory):
    assert [m.member.siren for m in territory.members] == SIRENS
    for m in territory.members:
        assert m.plan.parent == m.warehouse.parent == m.data_dir
        assert m.warehouse.exists() and (m.data_dir / "exports" / "usage_events.csv").exists()
        assert load_plan(m.plan).authority["siren"] == m.member.siren


def test_members_are_exported_side_by_side_with_their_manifest(territory):
    manifests = {
        p.stem.removeprefix("authority="): json.loads(p.read_text(encoding="utf-8"))
        for p in (territory.parquet / "_barometre").glob("*.json")
    }
    assert sorted(manifests) == SIRENS
    # populations: the member's communes in its territory files (one commune each)
    assert [manifests[s]["population"] for s in SIRENS] == [18400, 7400, 4100, 3300, 310]
    assert manifests["999390101"]["name"] == "Ville de Sorneville (démo)"
    assert manifests["999390143"]["communes"] == ["39912"] and manifests["999390143"]["kind"] == "commune"
    # sizes: 200 000 requests × the member's scale (0.12, 0.05, 0.035, 0.035, 0.004)
    assert [manifests[s]["rows"]["usage_events"] for s in SIRENS] == [24000, 10000, 7000, 7000, 800]
    con = duckdb.connect()
    glob = str(territory.parquet / "usage_events" / "**" / "*.parquet")
    counts = dict(
        con.execute(
            f"select authority, count(*) from read_parquet('{glob}', hive_partitioning = true, hive_types = {{'authority': varchar}}) group by all"
        ).fetchall()
    )
    assert counts == {
        "999390101": 24000,
        "999390119": 10000,
        "999390127": 7000,
        "999390135": 7000,
        "999390143": 800,
    }


def test_territory_plan_shares_its_indicators_identically_with_every_member(territory):
    plan = load_plan(territory.plan)
    assert plan.authority["name"] == "Syndicat mixte numérique du Val de Sorne (démo)"
    assert plan.authority["kind"] == "syndicat mixte"
    assert sorted(plan.communes) == ["39901", "39902", "39903", "39912", "39920"]
    ids = [i.id for i in plan.indicators]
    assert len(ids) == 6
    for m in territory.members:
        mine = load_plan(m.plan)
        for ind in plan.indicators:
            assert mine.indicator(ind.id) == ind, (m.member.slug, ind.id)
    city = load_plan(territory.members[0].plan)
    assert [i.id for i in city.indicators if i.id not in ids] == ["delai-cni"]  # its own indicator


def test_members_have_funded_actions(territory):
    feder = {
        m.member.slug: sum(
            f.amount for a in load_plan(m.plan).actions for f in a.funding if f.funder == "FEDER"
        )
        for m in territory.members
    }
    assert feder == {
        "sorneville": 150000,
        "saint-aubin": 45000,
        "sorne-le-chateau": 30000,
        "montrevel": 0,
        "ecrille": 8000,
    }
    assert "DSIL" in load_plan(territory.members[3].plan).funders()


def test_trajectories_differ_rural_below_minimum_sample_and_lagging_flat(territory):
    kpis = {m.member.slug: _kpi(m) for m in territory.members}
    rural = kpis["ecrille"]
    assert rural["taux-demat"]["n"] < 200 and rural["taux-demat"]["status"] == "insufficient_data"
    assert all(rural[i]["status"] == "insufficient_data" for i in rural)
    for slug in ("sorneville", "saint-aubin"):
        ind = kpis[slug]["taux-demat"]
        assert ind["n"] >= 200 and ind["value"] - ind["baseline_value"] > 0.2, slug
    lagging = kpis["montrevel"]
    assert abs(lagging["taux-demat"]["value"] - lagging["taux-demat"]["baseline_value"]) < 0.06
    assert lagging["taux-demat"]["status"] == "off_track"
    # delays worse: fewer cases within the announced delay than at baseline, and than every other member
    assert lagging["respect-delais"]["value"] < lagging["respect-delais"]["baseline_value"] - 0.1
    others = [kpis[s]["respect-delais"]["value"] for s in ("sorneville", "saint-aubin", "sorne-le-chateau")]
    assert lagging["respect-delais"]["value"] < min(others) - 0.2


def test_prepare_is_idempotent(territory):
    csv = territory.members[0].data_dir / "exports" / "usage_events.csv"
    manifest = territory.parquet / "_barometre" / "authority=999390101.json"
    before = (csv.stat().st_mtime_ns, manifest.read_text(encoding="utf-8"))
    paths, fresh = prepare_members(territory.root, seed=42)
    assert not fresh and paths == territory
    assert (csv.stat().st_mtime_ns, manifest.read_text(encoding="utf-8")) == before


def test_member_generation_leaves_the_demo_profile_alone():
    from pipelines.demo.generate import COMMUNES, DEMO_PROFILE, DIGITAL_SHARE, PROGRESS

    assert DEMO_PROFILE.communes == COMMUNES and list(DEMO_PROFILE.digital_share) == DIGITAL_SHARE
    assert list(DEMO_PROFILE.progress) == PROGRESS
    assert len(MEMBERS) >= 4 and len({m.scale for m in MEMBERS}) >= 3


@pytest.mark.skipif(not _has_consolidate(), reason="barometre consolidate pas encore sur main")
def test_cli_prepare_only_prints_the_paths_and_consolidates(territory):
    from pipelines.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["demo", "--territory", "--prepare-only", "--demo-dir", str(territory.root)])
    assert code == 0
    lines = out.getvalue().strip().splitlines()
    members = [Path(line.removeprefix("Entrepôt membre : ")) for line in lines[:5]]
    assert all(line.startswith("Entrepôt membre : ") for line in lines[:5])
    assert members == [m.warehouse for m in territory.members]
    assert all((p.parent / "plan.toml").exists() for p in members)
    assert lines[5:] == [
        f"Parquet : {territory.parquet}",
        f"Plan du territoire : {territory.plan}",
        f"Entrepôt consolidé : {territory.warehouse}",
    ]
    con = duckdb.connect(str(territory.warehouse), read_only=True)
    try:
        meta = json.loads(con.execute("select value from meta where key = 'consolidated'").fetchone()[0])
        assert meta["engine"] == "duckdb"
        assert (
            sorted(r[0] for r in con.execute("select authority from territory_members").fetchall()) == SIRENS
        )
        below = con.execute(
            "select below_min_sample from territory_results where scope = 'member' "
            "and authority = '999390143' and indicator_id = 'taux-demat'"
        ).fetchone()[0]
        assert below is True
    finally:
        con.close()


@pytest.mark.skipif(not _has_consolidate(), reason="barometre consolidate pas encore sur main")
def test_consolidated_plan_holds_every_members_funded_actions(territory):
    from pipelines.consolidate.members_plan import plan_with_members
    from pipelines.demo.territory import prepare_territory

    paths = prepare_territory(territory.root, seed=42)  # consolidated already (or now): idempotent
    plan = plan_with_members(load_plan(paths.plan), paths.warehouse)
    feder = {a.id: sum(f.amount for f in a.funding if f.funder == "FEDER") for a in plan.actions}
    feder = {k: v for k, v in feder.items() if v}
    assert feder == {
        "T1": 200000,
        "999390101:V1": 150000,
        "999390119:S1": 45000,
        "999390127:C1": 30000,
        "999390143:E1": 8000,
    }
    assert sum(feder.values()) == 433000
    v2 = next(a for a in plan.actions if a.id == "999390101:V2")
    assert v2.label == "Ville de Sorneville (démo) — Guichet numérique des autorisations d'urbanisme"
    assert v2.indicators == ("taux-demat-urbanisme", "delai-urbanisme")  # « delai-cni »: the city's own


@pytest.mark.slow
@pytest.mark.skipif(not _has_consolidate(), reason="barometre consolidate pas encore sur main")
def test_demo_territory_opens_the_app_on_the_consolidated_warehouse(territory):
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.conftest import ROOT, free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "demo", "--territory", "--no-browser", "--port", str(port),
         "--demo-dir", str(territory.root)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    status = resp.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, proc.stdout.read().decode() if proc.poll() is not None else "no answer"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    printed = proc.stdout.read().decode()
    assert f"Entrepôt consolidé : {territory.warehouse}" in printed
    assert f"Baromètre : http://localhost:{port}" in printed
