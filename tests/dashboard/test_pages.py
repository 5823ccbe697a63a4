"""Every page under AppTest on the demo: French content, no exception, choices kept across pages."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.french import fmt_eur, fmt_value
from pipelines.plan import load_plan
from tests.dashboard.conftest import PAGES, assert_clean, open_app, texts, unescape


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_in_french(demo_env, page):
    at = open_app(page)
    assert_clean(at)
    assert at.title[0].value == PAGES[page]
    assert "None" not in texts(at) and "nan" not in texts(at).split()


def test_indicator_page_has_series_breakdowns_and_method(demo_env, kpi_json):
    at = open_app("indicator")
    assert_clean(at)
    first = kpi_json["indicators"][0]
    shown = texts(at)
    assert first["label"] in shown
    assert first["change"]["sentence"] in shown  # significance, in words
    assert [t.label for t in at.tabs] == ["Par service", "Par canal", "Par commune", "Par tranche d'âge"]
    assert first["methodology"] in shown
    assert "Incertitude : intervalle de confiance à 95 % de Wilson" in shown
    assert (
        first["change_1y"]["sentence"] in shown
    )  # the change over one year beside the change since the baseline
    assert "Nature des données : Les demandes et les dossiers viennent de registres complets" in shown
    # every chart: a one-sentence summary and its table one click away
    expanders = [e.label for e in at.expander]
    assert expanders.count("Voir les données du graphique") >= 5
    summaries = [unescape(c.value) for c in at.caption]
    assert any(c.startswith(f"{first['label']} : ") and c.endswith(".") for c in summaries)


def test_indicator_choice_and_filters_survive_page_changes(demo_env):
    at = open_app("indicator")
    at.selectbox(key="w:indicator").select("delai-urbanisme").run()
    at.multiselect(key="w:channels").select("online").run()
    at.toggle(key="w:custom").set_value(True).run()
    at.select_slider(key="w:period").set_range(dt.date(2024, 1, 1), dt.date(2024, 12, 1)).run()
    at.switch_page("app_pages/roadmap.py").run()  # a page without filters
    at.switch_page("app_pages/overview.py").run()
    assert at.multiselect(key="w:channels").value == ["online"]
    assert at.select_slider(key="w:period").value == (dt.date(2024, 1, 1), dt.date(2024, 12, 1))
    at.switch_page("app_pages/indicator.py").run()
    assert_clean(at)
    assert at.selectbox(key="w:indicator").value == "delai-urbanisme"
    assert at.multiselect(key="w:channels").value == ["online"]
    clear = [b for b in at.button if b.label == "Effacer les filtres"]
    clear[0].click().run()
    assert at.multiselect(key="w:channels").value == []


def test_review_page_compares_baseline_and_review_for_every_indicator(demo_env, kpi_json):
    at = open_app("review")
    assert_clean(at)
    assert at.selectbox(key="w:review").value == "Revue à mi-parcours"
    table = at.table[0].value
    labels = [unescape(x) for x in table[table.columns[0]].tolist()]
    assert labels == [i["label"] for i in kpi_json["indicators"]]
    assert "significative" in " ".join(unescape(x) for x in table[table.columns[8]].tolist())
    at.selectbox(key="w:review").select("Revue finale").run()
    assert_clean(at)
    assert any("pas encore couverte" in w.value for w in at.warning)


def test_roadmap_page_shows_budget_and_actions(demo_env):
    plan = load_plan(demo_env.plan)
    at = open_app("roadmap")
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Actions"] == str(len(plan.actions))
    assert metrics["Budget total"] == fmt_eur(sum(a.budget for a in plan.actions))
    actions = at.table[0].value
    assert len(actions) == len(plan.actions)
    assert "Suspendue" in " ".join(actions[actions.columns[1]].tolist())


def test_funders_page_lists_the_funders_actions_and_indicators(demo_env, kpi_json):
    plan = load_plan(demo_env.plan)
    at = open_app("funders")
    assert_clean(at)
    at.selectbox(key="w:funder").select("FEDER").run()
    feder = [(a, f.amount) for a in plan.actions for f in a.funding if f.funder == "FEDER"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Montant engagé"] == fmt_eur(sum(x for _, x in feder))
    assert metrics["Actions financées"] == str(len(feder))
    linked = at.table[0].value
    ids = {i for a, _ in feder for i in a.indicators}
    by_id = {i["id"]: i for i in kpi_json["indicators"]}
    assert sorted(unescape(x) for x in linked[linked.columns[0]]) == sorted(by_id[i]["label"] for i in ids)
    assert any("Dossier du financeur" in s.value for s in at.subheader)
    at.switch_page("app_pages/overview.py").run()
    at.switch_page("app_pages/funders.py").run()
    assert at.selectbox(key="w:funder").value == "FEDER"


def test_data_page_shows_history_and_freshness(demo_env):
    at = open_app("data")
    assert_clean(at)
    history = at.dataframe[0].value
    # the three canonical CSVs, then the diagnostic files of pipelines/demo/diagnostic.py
    canonical = {"processing_cases.csv", "survey_responses.csv", "usage_events.csv"}
    assert canonical <= set(history["Fichier"])
    assert {"maturite-2024-02-15.xlsx", "results-survey482913.csv"} <= set(history["Fichier"])
    assert set(history["Statut"]) == {"✔ chargé"}
    assert {m.label for m in at.metric} == {"Demandes", "Dossiers", "Réponses aux questionnaires"}
    assert any("Aucune ligne écartée" in s.value for s in at.success)
    assert at.file_uploader[0].label == "Fichiers à importer"


def test_values_are_formatted_in_french(demo_env, kpi_json):
    at = open_app("indicator")
    first = kpi_json["indicators"][0]
    assert at.metric[0].value == fmt_value(first["value"], first["unit"])
    assert "," in at.metric[0].value and "." not in at.metric[0].value
