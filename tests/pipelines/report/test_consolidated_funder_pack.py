"""The consolidated funder pack: ``barometre report --funder`` on a consolidated warehouse covers the
funded actions of every member (:mod:`pipelines.consolidate.members_plan`); on a one-authority
warehouse the pack is unchanged.

The consolidated warehouse is built here by :func:`build_fixture_consolidated_warehouse` (a real
ingested warehouse plus the consolidation's tables, as the contract of issue 16 writes them), until it
can be swapped for the real ``barometre consolidate``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.consolidate.members_plan import plan_with_members
from pipelines.plan import load_plan
from tests.pipelines.report.conftest import pdf_text, run_cli, write_small

TERRITORY_PLAN = """\
[authority]
name = "Syndicat mixte de test"
kind = "syndicat mixte"

[plan]
title = "Schéma numérique de test"
start = 2024-01-01
end = 2027-12-31

[[phases]]
id = "pilote"
label = "Pilote"
start = 2024-01-01
end = 2025-12-31

[[indicators]]
id = "taux"
label = "Part des démarches en ligne"
measure = "take_up"
unit = "%"
direction = "increase"
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 0.8, date = 2027-12-31 }
min_sample = 50

[[actions]]
id = "T1"
label = "Plateforme mutualisée"
phase = "pilote"
budget = 50000
funding = [ { funder = "FEDER", amount = 40000 }, { funder = "Région", amount = 10000 } ]
indicators = ["taux"]
"""

# (authority, name) and the members' plan rows, as the consolidation copies them
MEMBERS = [("999000001", "Ville de Test-sur-Mer"), ("999000002", "Commune de Petit-Test")]
ACTIONS = [
    # authority, action_id, label, phase, start, end, status, budget, indicators
    (
        "999000001",
        "A1",
        "Portail citoyen",
        "pilote",
        "2024-01-01",
        "2025-12-31",
        "en_cours",
        35000.0,
        ["taux", "delai-local"],
    ),
    ("999000002", "A1", "Permanence numérique", "deploiement", None, None, "terminee", 10000.0, ["taux"]),
    ("999000002", "A2", "Archivage électronique", None, None, None, "a_venir", 5000.0, []),
]
FUNDING = [
    ("999000001", "A1", "FEDER", 25000.0),
    ("999000001", "A1", "DSIL", 10000.0),
    ("999000002", "A1", "FEDER", 7500.0),
    ("999000002", "A1", "Fonds propres", 2500.0),
    ("999000002", "A2", "Fonds propres", 5000.0),
]
DELIVERABLES = [
    ("999000001", "A1", 1, "Portail ouvert", "2024-06-30", None, "", "Direction du numérique"),
]


def build_fixture_consolidated_warehouse(directory: Path) -> tuple[Path, Path]:
    """A consolidated warehouse by hand: a real ingested warehouse (the pooled data) with the
    consolidation's ``meta`` key, ``territory_members`` and the members' plan tables; and the
    territory plan. To be swapped for ``barometre consolidate`` once it is on main."""
    warehouse, _ = write_small(directory)
    plan = directory / "territoire.toml"
    plan.write_text(TERRITORY_PLAN, encoding="utf-8")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "insert or replace into meta values ('consolidated', ?)",
            [json.dumps({"as_of": "2025-12-31", "engine": "duckdb", "territory": "Syndicat mixte de test"})],
        )
        con.execute(
            "create table territory_members (authority varchar, name varchar, kind varchar, population bigint, "
            "size_band varchar, peer_group varchar, communes varchar[], export_path varchar, "
            "exported_at timestamp, schema_version integer, superseded varchar[])"
        )
        for siren, name in MEMBERS:
            con.execute(
                "insert into territory_members (authority, name, kind) values (?, ?, 'commune')",
                [siren, name],
            )
        con.execute(
            "create table member_plan_actions as select * exclude (action_id), '' as authority, "
            "action_id from plan_actions where false"
        )
        for siren, aid, label, phase, start, end, status, budget, indicators in ACTIONS:
            con.execute(
                'insert into member_plan_actions (authority, action_id, label, axis, phase, start, "end", '
                "status, budget, deliverables, indicators) values (?, ?, ?, null, ?, ?, ?, ?, ?, [], ?)",
                [siren, aid, label, phase, start, end, status, budget, indicators],
            )
        con.execute(
            "create table member_plan_funding as select *, '' as authority from plan_funding where false"
        )
        con.executemany(
            "insert into member_plan_funding (authority, action_id, funder, amount) values (?, ?, ?, ?)",
            FUNDING,
        )
        con.execute(
            "create table member_plan_deliverables as select *, '' as authority from plan_deliverables where false"
        )
        con.executemany(
            "insert into member_plan_deliverables (authority, action_id, position, label, due, done, evidence, owner) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            DELIVERABLES,
        )
    finally:
        con.close()
    return warehouse, plan


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory) -> tuple[Path, Path]:
    return build_fixture_consolidated_warehouse(tmp_path_factory.mktemp("consolidated"))


def _actions_csv(out: Path) -> pl.DataFrame:
    raw = (out / "donnees" / "financement.csv").read_bytes()
    return pl.read_csv(io.BytesIO(raw[3:]), separator=";", decimal_comma=True, infer_schema_length=None)


def test_plan_with_members_adds_every_member_action(consolidated):
    warehouse, plan_path = consolidated
    plan = plan_with_members(load_plan(plan_path), warehouse)
    by_id = {a.id: a for a in plan.actions}
    assert list(by_id) == ["T1", "999000002:A1", "999000002:A2", "999000001:A1"]  # members by name
    city = by_id["999000001:A1"]
    assert city.label == "Ville de Test-sur-Mer — Portail citoyen"
    assert [(f.funder, f.amount) for f in city.funding] == [("FEDER", 25000.0), ("DSIL", 10000.0)]
    assert city.indicators == ("taux",)  # « delai-local » is not an indicator of the territory plan
    assert city.phase == "pilote" and city.start == dt.date(2024, 1, 1) and city.status == "en_cours"
    assert [(d.label, d.due, d.done) for d in city.links.deliverables] == [
        ("Portail ouvert", dt.date(2024, 6, 30), None)
    ]
    assert by_id["999000002:A1"].phase is None  # « deploiement » is no phase of the territory plan
    assert plan.funders() == ["DSIL", "FEDER", "Fonds propres", "Région"]


def test_consolidated_feder_pack_lists_the_members_funded_actions(consolidated, tmp_path):
    warehouse, plan_path = consolidated
    code, _, err = run_cli(
        "report",
        "--funder",
        "feder",
        "--out",
        str(tmp_path),
        "--warehouse",
        str(warehouse),
        "--plan",
        str(plan_path),
    )
    assert code == 0, err
    actions = _actions_csv(tmp_path)
    amounts = dict(zip(actions["Action"], actions["Montant FEDER (€)"], strict=True))
    # the territory's own action and the two members' FEDER actions, not the unfunded A2
    assert amounts == {"T1": 40000.0, "999000001:A1": 25000.0, "999000002:A1": 7500.0}
    assert sum(amounts.values()) == 40000 + 25000 + 7500 == 72500
    text = pdf_text(tmp_path / next(p.name for p in tmp_path.glob("*.pdf")))
    assert "Ville de Test-sur-Mer — Portail citoyen" in text
    assert "Commune de Petit-Test — Permanence numérique" in text
    assert "3 actions : 72 500 €" in text
    assert "Portail ouvert" in text  # the member's overdue deliverable


def test_one_authority_pack_is_unchanged(tmp_path):
    warehouse, plan_path = write_small(tmp_path / "one")
    plan = load_plan(plan_path)
    assert plan_with_members(plan, warehouse) is plan
    code, _, err = run_cli(
        "report", "--funder", "FEDER", "--out", str(tmp_path / "pack"), "--warehouse", str(warehouse),
        "--plan", str(plan_path),
    )  # fmt: skip
    assert code == 0, err
    actions = _actions_csv(tmp_path / "pack")
    assert actions["Action"].to_list() == ["A1"] and actions["Montant FEDER (€)"].to_list() == [40000.0]


def test_funders_page_shows_and_builds_the_consolidated_pack(consolidated, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP, texts

    warehouse, plan_path = consolidated
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(plan_path))
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("app_pages/funders.py").run()
    assert not at.exception
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Financeur")).set_value("FEDER").run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value.replace("\u202f", " ").replace("\u00a0", " ") for m in at.metric}
    assert metrics["Montant engagé"] == "72 500 €" and metrics["Actions financées"] == "3"
    shown = texts(at)
    assert "Portail ouvert (999000001:A1 · Ville de Test-sur-Mer — Portail citoyen" in shown  # overdue
    at.button(key="pack-build").click().run()
    assert not at.exception and not at.error
    actions = next(df.value for df in at.dataframe if list(df.value.columns) == ["Fichier", "Taille"])
    assert "donnees/financement.csv" in actions["Fichier"].tolist()
