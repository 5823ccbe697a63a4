"""French words of weighted survey indicators and of questionnaire notes (issue 17)."""

from __future__ import annotations

from pipelines.present.survey_words import report_facts, weighting_line

WEIGHTED = {
    "unit": "%",
    "weighting": {
        "label": "par canal",
        "headline": "weighted",
        "raw_value": 0.6,
        "raw_ci_low": 0.5,
        "raw_ci_high": 0.7,
        "raw_n": 10,
        "weighted_value": 0.45,
        "effective_n": 8.0,
    },
    "quality": {"instrument_note": "Comparaison fragile : questionnaires mélangés sur la période (…)."},
}


def test_report_facts_name_the_headline_the_raw_value_and_the_questionnaire():
    facts = dict(report_facts(WEIGHTED))
    assert facts["Valeur en tête"] == "redressée par canal sur la répartition des demandes"
    assert facts["Valeur brute (répondants, non redressée)"] == (
        "60,0\u00a0% (50,0\u00a0% – 70,0\u00a0% ; n = 10)"
    )
    assert facts["Effectif équivalent (Kish)"] == "8"
    assert facts["Questionnaire"].startswith("Comparaison fragile")
    assert report_facts({"unit": "%", "weighting": None, "quality": {}}) == []


def test_weighting_line():
    line = weighting_line(WEIGHTED)
    assert line.startswith("Redressée par canal sur la répartition des demandes (valeur en tête) : 45")
    assert "brute : 60" in line and "10 réponses" in line and line.endswith("effectif équivalent (Kish) 8")
    assert weighting_line({"unit": "%"}) is None


def test_workbook_summary_has_the_raw_value_and_the_effective_size():
    from pipelines.report.frames import summary_data

    row = WEIGHTED | {"id": "sat", "label": "Satisfaits", "value": 0.45, "change": {}}
    plain = {"id": "moy", "label": "Note", "unit": "/10", "value": 7.0, "change": {}}
    table = summary_data([row, plain])
    assert table["Valeur"].to_list() == [45.0, 7.0]
    assert table["Valeur brute (non redressée)"].to_list() == [60.0, None]
    assert table["Effectif équivalent (Kish)"].to_list() == [8.0, None]
