"""Every page of the app on the consolidated warehouse of the demo territory: the pooled indicators on
the usual pages, « Territoire » listed second, no exception, French only."""

from __future__ import annotations

import json

import duckdb
import pytest

from dashboard.navigation import TERRITORY_PAGE
from pipelines.french import fmt_value
from pipelines.plan import load_plan
from tests.dashboard.conftest import PAGES, assert_clean, open_app, texts
from tests.dashboard.test_overview_page import card_values


@pytest.fixture
def territory_env(territory_demo, monkeypatch):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(territory_demo.warehouse))
    monkeypatch.setenv("BAROMETRE_PLAN", str(territory_demo.plan))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(territory_demo.warehouse.parent))
    monkeypatch.setenv("BAROMETRE_MODE", "analyst")
    return territory_demo


@pytest.mark.parametrize("page", [*PAGES, "territory"])
def test_every_page_runs_on_the_consolidated_warehouse(territory_env, page):
    at = open_app(page)
    assert_clean(at)
    assert at.title[0].value == (TERRITORY_PAGE[1] if page == "territory" else PAGES[page])
    assert "None" not in texts(at) and "nan" not in texts(at).split()
    assert "ne contient encore aucune demande" not in texts(at)  # the members' aggregates are data


def test_overview_shows_the_pooled_figures(territory_env):
    con = duckdb.connect(str(territory_env.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select indicator_id, value, unit from territory_results where scope = 'pooled'"
        ).fetchall()
        meta = json.loads(con.execute("select value from meta where key = 'consolidated'").fetchall()[0][0])
    finally:
        con.close()
    pooled = {r[0]: fmt_value(r[1], r[2]) for r in rows}
    at = open_app("overview")
    assert card_values(at) == [pooled[ind.id] for ind in load_plan(territory_env.plan).indicators]
    assert meta["engine"] == "duckdb" and meta["territory"].startswith("Syndicat mixte")
