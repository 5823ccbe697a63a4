"""``barometre consolidate`` with the DuckDB engine: members' figures are their own, pooled figures
add the members' rows without mixing them, a member exported twice counts once, bad input is refused
in one French line with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from pipelines.cli import main
from pipelines.consolidate import ConsolidationError, consolidate
from pipelines.export import export_parquet, manifest_path
from pipelines.indicators import evaluate
from tests.pipelines.consolidate.conftest import AS_OF, territory_plan
from tests.pipelines.indicators.conftest import indicator, wilson

WHEN = dt.date.fromisoformat(AS_OF)
FIGURES = ("value", "ci_low", "ci_high", "n", "status", "baseline_value", "progress_pct", "projection")


@pytest.fixture(scope="module")
def result(members, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "territoire.duckdb"
    return consolidate([members["parquet"]], members["plan"], out, as_of=WHEN), out


def _by_id(doc: dict) -> dict[str, dict]:
    return {i["id"]: i for i in doc["indicators"]}


def test_a_member_gets_exactly_its_own_figures(members, result):
    res, _ = result
    warehouse, plan = members["A"]
    own = _by_id(evaluate(warehouse, plan, WHEN))
    mine = _by_id(res.member_docs["200000001"])
    for ind_id, ind in own.items():
        for key in FIGURES:
            assert mine[ind_id][key] == ind[key], (ind_id, key)
        assert mine[ind_id]["change"] == ind["change"] and mine[ind_id]["details"] == ind["details"]
    assert (mine["tx"]["value"], mine["tx"]["n"]) == (20 / 30, 30)


def test_pooled_figures_add_the_members_rows_by_hand(result):
    res, out = result
    pooled = _by_id(res.pooled)
    # 20 + 2 online of 30 + 10 requests; B's rows share A's source ids and still count
    assert pooled["tx"]["n"] == 40
    assert pooled["tx"]["value"] == pytest.approx(22 / 40, rel=1e-12)
    low, high = wilson(22, 40)
    assert (pooled["tx"]["ci_low"], pooled["tx"]["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # delays only in A: median of 2, 5, 9, 12, 20
    assert (pooled["med"]["value"], pooled["med"]["n"]) == (9.0, 5)
    con = duckdb.connect(str(out), read_only=True)
    try:
        rows = con.execute(
            "select authority, value, n, below_min_sample, status from territory_results "
            "where indicator_id = 'tx' order by scope, authority"
        ).fetchall()
        members = con.execute(
            "select authority, name, kind, peer_group from territory_members order by authority"
        ).fetchall()
    finally:
        con.close()
    assert rows[0][1:3] == (pytest.approx(20 / 30), 30) and rows[0][3] is False
    assert rows[1][0] == "200000002" and rows[1][2] == 10 and rows[1][3] is True  # 10 < min_sample 15
    assert rows[1][4] == "insufficient_data"
    assert rows[2][0] is None and rows[2][2] == 40  # pooled
    # no population known: peer groups by requests over the 12 months
    assert members == [
        ("200000001", "Ville d'Aval", "commune", "Commune · moins de 1 000 demandes"),
        ("200000002", "Bourg-en-Amont", "commune", "Commune · moins de 1 000 demandes"),
    ]


def test_the_consolidated_warehouse_answers_kpi_with_the_pooled_figures(members, result, capsys):
    res, out = result
    assert (
        main(["kpi", "--warehouse", str(out), "--plan", str(members["plan"]), "--at", AS_OF, "--json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["value"], i["n"]) for i in doc["indicators"]] == [
        (i["id"], i["value"], i["n"]) for i in res.pooled["indicators"]
    ]


def test_a_member_without_data_is_reported(result):
    res, _ = result
    assert any("Bourg-en-Amont (200000002)" in w and "med, sat" in w for w in res.warnings)


def test_json_document(members, tmp_path, capsys):
    out = tmp_path / "t.duckdb"
    code = main(
        [
            "consolidate",
            str(members["parquet"]),
            "--plan",
            str(members["plan"]),
            "--out",
            str(out),
            "--at",
            AS_OF,
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_of"] == AS_OF and doc["engine"] == "duckdb"
    assert [a["siren"] for a in doc["authorities"]] == ["200000001", "200000002"]
    tx = doc["authorities"][1]["indicators"][0]
    assert set(tx) == {"id", "value", "ci_low", "ci_high", "n", "status"}
    assert (tx["id"], tx["value"], tx["n"], tx["status"]) == ("tx", 0.2, 10, "insufficient_data")
    assert [i["n"] for i in doc["pooled"]["indicators"]] == [40, 5, 4]


def test_a_member_exported_twice_counts_once(members, tmp_path):
    later = tmp_path / "later"
    export_parquet(members["B"][0], later, "200000002", {"name": "Bourg-en-Amont", "kind": "commune"})
    res = consolidate([members["parquet"], later], members["plan"], tmp_path / "t.duckdb", as_of=WHEN)
    assert _by_id(res.pooled)["tx"]["n"] == 40  # not 50
    b = next(m for m in res.members if m.authority == "200000002")
    assert b.folder == str(later.resolve()) and len(b.superseded) == 1
    assert any("export le plus récent retenu" in w for w in res.warnings)


def test_years_outside_the_evaluation_are_not_read(members, tmp_path):
    """Partition pruning: with --at, a year of requests too old to matter is never opened."""
    folder = tmp_path / "parquet"
    shutil.copytree(members["parquet"], folder)
    bad = folder / "usage_events" / "year=2015" / "authority=200000001"
    bad.mkdir(parents=True)
    (bad / "part_broken.parquet").write_bytes(b"not parquet")
    res = consolidate([folder], members["plan"], tmp_path / "t.duckdb", as_of=WHEN)
    assert _by_id(res.pooled)["tx"]["n"] == 40
    with pytest.raises(duckdb.Error):  # without a date every year is read, the broken file with them
        consolidate([folder], members["plan"], tmp_path / "u.duckdb")


def test_bad_input_is_refused_and_nothing_is_written(members, tmp_path):
    out = tmp_path / "t.duckdb"
    with pytest.raises(ConsolidationError, match="n'est pas un export Baromètre"):
        consolidate([tmp_path], members["plan"], out, as_of=WHEN)
    other = tmp_path / "other"
    shutil.copytree(members["parquet"], other)
    path = manifest_path(other, "200000002")
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "schema_version": doc["schema_version"] - 1}))
    with pytest.raises(ConsolidationError, match="versions de schéma différentes"):
        consolidate([members["parquet"], other], members["plan"], out, as_of=WHEN)
    nobody = territory_plan(tmp_path, (indicator("web", "take_up", services=("urbanisme",)),))
    with pytest.raises(ConsolidationError, match=r"« web » .* aucun membre"):
        consolidate([members["parquet"]], nobody, out, as_of=WHEN)
    assert (
        not out.exists()
        and not list(tmp_path.glob("*.tmp-*"))
        and not list(tmp_path.glob(".t.duckdb.work-*"))
    )


def test_a_refused_consolidation_keeps_the_previous_output(members, tmp_path):
    out = tmp_path / "t.duckdb"
    consolidate([members["parquet"]], members["plan"], out, as_of=WHEN)
    before = out.read_bytes()
    nobody = territory_plan(tmp_path, (indicator("web", "take_up", services=("urbanisme",)),))
    assert main(["consolidate", str(members["parquet"]), "--plan", str(nobody), "--out", str(out)]) != 0
    assert out.read_bytes() == before


def test_ingest_refuses_a_consolidated_warehouse(result, members, tmp_path, capsys):
    _, out = result
    csv = tmp_path / "x.csv"
    csv.write_text("a;b\n1;2\n")
    assert main(["ingest", str(csv), "--warehouse", str(out), "--data-dir", str(tmp_path)]) != 0
    assert "entrepôt consolidé" in capsys.readouterr().err


def test_members_evaluated_in_parallel_processes_give_the_same_documents(members, tmp_path):
    folder = tmp_path / "quatre"
    for i, key in enumerate(("A", "B", "A", "B")):
        export_parquet(members[key][0], folder, f"21000000{i}", {"name": f"Membre {i}"})
    serial = consolidate([folder], members["plan"], tmp_path / "s.duckdb", as_of=WHEN, jobs=1)
    parallel = consolidate([folder], members["plan"], tmp_path / "p.duckdb", as_of=WHEN, jobs=2)
    assert parallel.member_docs == serial.member_docs and parallel.pooled == serial.pooled
    assert _by_id(parallel.pooled)["tx"]["n"] == 80


def test_workers_do_not_rerun_the_parents_main_script(members, tmp_path, monkeypatch):
    """Under a test runner or a Streamlit script, ``__main__`` is not the CLI: spawned workers must not run it."""
    import sys
    import types

    script = tmp_path / "boom.py"
    script.write_text("raise RuntimeError('the parent script ran again in a worker')\n")
    main_module = types.ModuleType("__main__")
    main_module.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main_module)
    folder = tmp_path / "quatre"
    for i, key in enumerate(("A", "B", "A", "B")):
        export_parquet(members[key][0], folder, f"21000000{i}", {"name": f"Membre {i}"})
    res = consolidate([folder], members["plan"], tmp_path / "p.duckdb", as_of=WHEN, jobs=2)
    assert _by_id(res.pooled)["tx"]["n"] == 80
