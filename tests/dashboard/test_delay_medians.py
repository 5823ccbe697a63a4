"""Both medians of a delay indicator, each labelled with its population, on the overview cards and
the Indicateur page (the demo's urbanisme delay is on the cohort basis, its identity-card delay on
the decided-cases basis)."""

from __future__ import annotations

from pipelines.indicators.delays import median_lines
from tests.dashboard.conftest import assert_clean, open_app, texts

DECIDED = "Médiane des dossiers décidés dans la période"
COHORT = "Médiane des dossiers déposés dans la période (Kaplan–Meier)"


def test_kpi_json_headline_follows_delay_basis(kpi_json):
    by_id = {ind["id"]: ind for ind in kpi_json["indicators"]}
    cohort, decided = by_id["delai-urbanisme"], by_id["delai-cni"]
    assert cohort["delay_basis"] == "cohort" and decided["delay_basis"] == "decided"
    d = cohort["details"]
    assert (cohort["value"], cohort["ci_low"], cohort["ci_high"], cohort["n"]) == (
        d["km_median"],
        d["km_median_ci_low"],
        d["km_median_ci_high"],
        d["km_n"],
    )
    assert d["km_median_ci_low"] <= d["km_median"] <= d["km_median_ci_high"]
    assert decided["value"] == decided["details"]["median"]
    for ind in (cohort, decided):  # a median's change: bootstrap interval, no p-value
        assert ind["change"]["p_value"] is None
        assert "[IC bootstrap 95 % :" in ind["change"]["sentence"]
    assert median_lines(cohort)[0][0] == COHORT and median_lines(decided)[0][0] == DECIDED


def test_overview_cards_and_indicator_page_show_both_medians(demo_env, kpi_json):
    at = open_app()
    assert_clean(at)
    shown = texts(at)
    assert shown.count(DECIDED) == 2 and shown.count(COHORT) == 2  # two delay medians in the demo plan
    for ind in kpi_json["indicators"]:
        for i, (label, text) in enumerate(median_lines(ind)):  # the headline's population in bold
            assert (f"**{label}** : {text}" if i == 0 else f"{label} : {text}") in shown
    urbanisme = next(ind for ind in kpi_json["indicators"] if ind["id"] == "delai-urbanisme")
    at.query_params["id"] = "delai-urbanisme"
    at.switch_page("app_pages/indicator.py").run()
    assert_clean(at)
    page = texts(at)
    cohort_line, decided_line = median_lines(urbanisme)
    assert (
        f"**{cohort_line[0]}** : {cohort_line[1]}" in page
        and f"{decided_line[0]} : {decided_line[1]}" in page
    )
    assert "Valeur principale : médiane des dossiers déposés dans la période (Kaplan-Meier" in page
    assert "Brookmeyer-Crowley" in page  # the interval's method among the method facts
