"""The « Territoire » page under AppTest, on the hand-built consolidated warehouse of
``tests/territory_warehouse.py``: the members × indicators table (pooled row first, statuses in words, a
member below the minimum sample shown as such), one funnel plot per rate indicator with its judgements,
the peer-group filter, the members list; and no such page for an authority's own warehouse."""

from __future__ import annotations

import json

import pytest

from dashboard.navigation import PAGES, TERRITORY_PAGE, page_list
from tests.dashboard.conftest import assert_clean, open_app, texts, unescape
from tests.territory_warehouse import build_territory_warehouse


@pytest.fixture
def territory_env(tmp_path, monkeypatch):
    warehouse, plan = build_territory_warehouse(tmp_path / "territoire")
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(plan))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(warehouse.parent))
    return warehouse


def table_rows(table) -> list[list[str]]:
    """A static table's cells as a reader sees them (they are escaped Markdown)."""
    return [[unescape(str(v)) for v in row] for row in table.value.itertuples(index=False)]


def table_header(table) -> list[str]:
    return [unescape(str(c)) for c in table.value.columns]


def test_page_shows_members_statuses_funnels_and_members(territory_env):
    at = open_app("territory")
    assert_clean(at)
    assert at.title[0].value == "Territoire"
    shown = texts(at)
    assert "Syndicat mixte Sorne Numérique (fictif)" in shown
    assert "Consolidation au 30/11/2026 de 5 membres (moteur DuckDB)." in shown

    status, members = at.table[0], at.table[-1]
    rows = table_rows(status)
    header = table_header(status)
    assert header[0] == "Membre" and header[1] == "Part des démarches faites en ligne"
    assert rows[0][0] == "Ensemble du territoire"  # the pooled row first
    assert rows[0][1] == "✔ En bonne voie · 60,0\u00a0% (n = 4\u202f000)"
    by_member = {r[0]: r for r in rows}
    assert by_member["Les Granges-Basses"][1] == "? échantillon insuffisant (n = 12 < 30)"
    assert by_member["Montrevel-la-Côte"][1] == "✖ En retard · 45,0\u00a0% (n = 400)"
    assert (
        by_member["Montrevel-la-Côte"][2] == "– Aucun dossier décidé sur la période."
    )  # no value: the reason
    assert by_member["Les Granges-Basses"][3] == "– Aucun titre délivré sur la période."
    assert by_member["Écrille-la-Forêt"][3] == "✔ En bonne voie · 19,0 j (n = 31)"  # not a rate: no funnel
    assert [r[0] for r in rows[1:]] == [  # French order: « Écrille » among the E
        "Communauté de communes des Coteaux",
        "Écrille-la-Forêt",
        "Les Granges-Basses",
        "Lons-sur-Sorne",
        "Montrevel-la-Côte",
    ]

    # one funnel per rate indicator (two of the three), none for the median delay
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 2
    assert charts[0]["description"].startswith("Part des démarches faites en ligne : les membres comparés")
    assert ["Ensemble du territoire", "Limites à 95 %", "Limites à 99,8 %"] in [
        layer["encoding"].get("color", {}).get("scale", {}).get("domain") for layer in charts[0]["layer"]
    ]
    assert (
        "Part des démarches faites en ligne : les membres comparés à la valeur de l'ensemble du territoire"
        in shown
    )
    assert (
        "1 sur 4 dans les limites, 1 au-dessus, 2 au-dessous ; 1 sous l'effectif minimum, non comparé."
        in shown
    )
    assert (
        "**Lons-sur-Sorne** : au-dessus des limites à 99,8\u00a0% : nettement mieux que l'ensemble du territoire"
        in shown
    )
    assert "au-dessous des limites à 95\u00a0% : plutôt moins bien" in shown  # the Coteaux, 0.57 < 0.57521
    assert "**Les Granges-Basses**" not in shown  # below the minimum sample: never judged
    assert "une petite commune n'est donc pas la « dernière » parce qu'elle est petite" in shown.lower()

    funnel_table = at.dataframe[0].value
    granges = funnel_table[funnel_table["Membre"] == "Les Granges-Basses"].iloc[0]
    assert granges["Lecture"] == "échantillon insuffisant (n = 12 < 30) : non comparé"
    assert granges["Limites à 95\u00a0%"] == "—"  # not compared: no limits shown

    member_rows = {r[0]: r for r in table_rows(members)}
    assert table_header(members) == [
        "Membre",
        "Nature",
        "Population",
        "Groupe de pairs",
        "Communes",
        "Export du",
        "Exports ignorés",
    ]
    coteaux = member_rows["Communauté de communes des Coteaux"]
    assert coteaux[1:4] == ["Intercommunalité", "24\u202f000", "Intercommunalité · 10 000 à 49 999 habitants"]
    assert coteaux[6] == "1 export plus ancien ignoré : /exports/coteaux-2026-10-01"


def test_peer_group_restricts_table_and_funnel_to_the_group(territory_env):
    at = open_app("territory")
    at.selectbox(key="territory:group").set_value("commune · moins de 2 000 habitants").run()
    assert_clean(at)
    rows = table_rows(at.table[0])
    assert [r[0] for r in rows] == ["Ensemble du territoire", "Écrille-la-Forêt", "Les Granges-Basses"]
    shown = texts(at)
    assert "comparés à la valeur de l'ensemble du territoire (tous les membres)" in shown
    # still against the whole territory's 60,0 %, not the group's own value
    assert (
        "(60,0\u00a0%) ; 1 sur 1 dans les limites, 0 au-dessus, 0 au-dessous ; 1 sous l'effectif minimum"
        in shown
    )
    assert len(at.table[-1].value) == 5  # the members list stays whole


def test_navigation_lists_territory_only_for_a_consolidation():
    assert page_list(False) == PAGES  # an authority's own warehouse: unchanged
    assert page_list(True)[:2] == (PAGES[0], TERRITORY_PAGE)
    assert page_list(True)[2:] == PAGES[1:]


@pytest.mark.parametrize(("members", "listed"), [(5, True), (1, False)])
def test_territory_page_only_for_two_members_or_more(tmp_path, monkeypatch, members, listed):
    from dashboard.navigation import is_territory

    warehouse, plan = build_territory_warehouse(tmp_path / "t", members=members)
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(plan))
    assert is_territory() is listed


def test_no_territory_page_for_an_authority_warehouse(demo_env):
    from dashboard.navigation import is_territory

    assert is_territory() is False
    at = open_app("overview")
    assert_clean(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # the router does not list it
        at.switch_page("app_pages/territory.py").run()


def test_no_territory_page_for_a_territory_of_one(tmp_path, monkeypatch):
    warehouse, plan = build_territory_warehouse(tmp_path / "t", members=1)
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(plan))
    at = open_app("overview")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/territory.py").run()


def test_page_on_a_real_consolidation(tmp_path, monkeypatch):
    """The page on what ``barometre consolidate`` writes (two members exported and consolidated by DuckDB, on the take-up):
    member B's 10 requests are under the take-up's minimum of 15, A's 30 are judged against the pool."""
    import datetime as dt

    from pipelines.consolidate.build import consolidate
    from pipelines.export import export_parquet
    from tests.pipelines.consolidate.conftest import TERRITORY_INDICATORS, territory_plan
    from tests.pipelines.indicators.conftest import build, request

    a, _ = build(
        tmp_path / "a",
        requests=[request("2025-05-10", "online" if i % 3 else "counter") for i in range(30)],
        indicators=TERRITORY_INDICATORS[:1],
    )
    b, _ = build(
        tmp_path / "b",
        requests=[request("2025-05-12", "online" if i < 2 else "counter") for i in range(10)],
        indicators=TERRITORY_INDICATORS[:1],
    )
    parquet = tmp_path / "parquet"
    export_parquet(a, parquet, "200000001", {"name": "Ville d'Aval", "kind": "commune"})
    export_parquet(b, parquet, "200000002", {"name": "Bourg-en-Amont", "kind": "commune"})
    plan, out = territory_plan(tmp_path, TERRITORY_INDICATORS[:1]), tmp_path / "territoire.duckdb"
    consolidate([parquet], plan, out, as_of=dt.date(2025, 5, 31))
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(out))
    monkeypatch.setenv("BAROMETRE_PLAN", str(plan))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(tmp_path))

    at = open_app("territory")
    assert_clean(at)
    rows = {r[0]: r for r in table_rows(at.table[0])}
    assert list(rows) == ["Ensemble du territoire", "Bourg-en-Amont", "Ville d'Aval"]
    tx = table_header(at.table[0]).index("Indicateur tx")
    assert rows["Bourg-en-Amont"][tx] == "? échantillon insuffisant (n = 10 < 15)"
    # pooled take-up: (20 + 2) online of 40 = 55,0 %; A: 20 of 30
    assert rows["Ensemble du territoire"][tx].endswith("· 55,0\u00a0% (n = 40)")
    assert rows["Ville d'Aval"][tx].endswith("· 66,7\u00a0% (n = 30)")
    assert len(at.get("vega_lite_chart")) == 1
    assert "1 sur 1 dans les limites, 0 au-dessus, 0 au-dessous ; 1 sous l'effectif minimum" in texts(at)
