"""Vue d'ensemble: one card per indicator, the same numbers as ``barometre kpi --json``, filters that
change them exactly as ``evaluate(filters=…)`` does, and the statuses explained."""

from __future__ import annotations

import datetime as dt
import re

from pipelines.french import fmt_int, fmt_interval, fmt_value
from pipelines.indicators import Filters, evaluate
from pipelines.plan import load_plan
from tests.dashboard.conftest import assert_clean, open_app, texts


def card_values(at) -> list[str]:
    """The value shown on each card, in plan order (a greyed value is wrapped in ``:gray[…]``)."""
    values = [m.value for m in at.metric if m.label.startswith("Valeur actuelle")]
    return [re.sub(r"^:gray\[(.*)\]$", r"\1", v) for v in values]


def test_overview_shows_every_indicator_with_target_status_and_freshness(demo_env, kpi_json):
    at = open_app()
    assert_clean(at)
    shown = texts(at)
    for ind in kpi_json["indicators"]:
        assert ind["label"] in shown
        assert f"Cible **{fmt_value(ind['target_value'], ind['unit'])}**" in shown
        assert f"n = {fmt_int(ind['n'])}" in shown  # n and interval beside the value
        assert fmt_interval(ind["ci_low"], ind["ci_high"], ind["unit"]) in shown
    assert "Qualité : 0 ligne écartée" in shown and "données jusqu'au 31/10/2026" in shown
    assert "Comment lire les statuts" in [e.label for e in at.expander]
    assert "Évaluation au 31/10/2026" in shown


def test_card_values_equal_the_kpi_command(demo_env, kpi_json):
    at = open_app()
    expected = [fmt_value(ind["value"], ind["unit"]) for ind in kpi_json["indicators"]]
    assert card_values(at) == expected


def test_status_is_a_word_and_a_count_never_a_colour_alone(demo_env, kpi_json):
    at = open_app()
    words = {
        "on_track": "En bonne voie",
        "at_risk": "À surveiller",
        "off_track": "En retard",
        "insufficient_data": "Données insuffisantes",
    }
    counts: dict[str, int] = {}
    for ind in kpi_json["indicators"]:
        counts[words[ind["status"]]] = counts.get(words[ind["status"]], 0) + 1
    header = {m.label: m.value for m in at.metric if m.label in words.values()}
    assert header == {w: f"{n} indicateur{'s' if n > 1 else ''}" for w, n in counts.items()}
    for ind in kpi_json["indicators"]:  # the engine's reason is printed under each badge
        assert ind["status_reason"].split(" pour ")[0] in texts(at)


def test_service_filter_changes_values_like_evaluate(demo_env):
    at = open_app()
    before = card_values(at)
    at.multiselect(key="w:services").select("etat-civil").run()
    assert_clean(at)
    doc = evaluate(demo_env.warehouse, load_plan(demo_env.plan), filters=Filters(services=("etat-civil",)))
    after = card_values(at)
    assert after == [fmt_value(i["value"], i["unit"]) for i in doc["indicators"]]
    assert after != before
    assert "services : État civil" in texts(at)


def test_period_filter_equals_evaluate_over_that_period(demo_env):
    at = open_app()
    at.toggle(key="w:custom").set_value(True).run()
    at.select_slider(key="w:period").set_range(dt.date(2025, 1, 1), dt.date(2025, 6, 1)).run()
    assert_clean(at)
    doc = evaluate(
        demo_env.warehouse,
        load_plan(demo_env.plan),
        filters=Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30)),
    )
    assert card_values(at) == [fmt_value(i["value"], i["unit"]) for i in doc["indicators"]]
    assert "du janvier 2025 à juin 2025" in texts(at)


def test_detail_button_opens_the_indicator_page(demo_env, kpi_json):
    at = open_app()
    second = kpi_json["indicators"][1]
    at.button(key=f"detail-{second['id']}").click().run()
    assert_clean(at)
    assert at.title[0].value == "Indicateur"
    assert at.selectbox(key="w:indicator").value == second["id"]


def test_overview_without_warehouse_says_what_to_do(tmp_path, monkeypatch, demo):
    monkeypatch.setenv("BAROMETRE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    monkeypatch.setenv("BAROMETRE_PLAN", str(demo.plan))
    at = open_app()
    assert not at.exception
    assert any("barometre ingest" in w.value for w in at.warning)


def test_status_help_gives_each_status_with_its_icon():
    from pipelines.present.status_words import STATUSES, status_help

    text = status_help()
    for s in STATUSES.values():
        assert f":{s.badge}[{s.icon}] **{s.label}** :" in text
    assert "progression" in text and "intervalle à 95" in text


def test_cards_show_the_change_over_one_year_and_the_averaged_trajectory(demo_env, kpi_json):
    """Issue 17: the first question an elected official asks, on every card, tested as in ``kpi --json``;
    the expected value shown is the one the status compares with (the trajectory averaged over the period)."""
    at = open_app()
    shown = texts(at)
    for ind in kpi_json["indicators"]:
        assert ind["change_1y"]["sentence"] in shown
        assert "depuis l'an dernier sur les mêmes mois" in ind["change_1y"]["sentence"]
        assert f"attendu en moyenne sur la période {fmt_value(ind['expected_period'], ind['unit'])}" in shown
        assert ind["months_with_data"] == 12 and ind["window_note"] is None  # the demo's windows are complete
