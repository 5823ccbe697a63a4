"""A funder's pack shows both medians of a delay indicator on its page, each with its population
(the DSIL funds the demo's urbanisme delay, measured on the cohort, and the identity-card delay)."""

from __future__ import annotations

import datetime as dt

from pipelines.indicators.delays import median_lines
from pipelines.plan import load_plan
from pipelines.report.content import funder_content
from tests.pipelines.report.conftest import kpi_json


def test_dsil_pack_pages_show_both_medians(demo):
    plan = load_plan(demo.plan)
    pack = funder_content(demo.warehouse, plan, "DSIL", dt.date(2026, 10, 31), lambda _: None)
    by_id = {ind["id"]: ind for ind in kpi_json(demo.warehouse, demo.plan)["indicators"]}
    sections = {s.id: s for s in pack.sections}
    for ind_id in ("delai-urbanisme", "delai-cni"):
        facts = dict(sections[ind_id].facts)
        lines = median_lines(by_id[ind_id])
        assert lines[0][0] == (
            "Médiane des dossiers déposés dans la période (Kaplan–Meier)"
            if ind_id == "delai-urbanisme"
            else "Médiane des dossiers décidés dans la période"
        )
        for label, text in lines:
            assert facts[label] == text
        assert "[IC bootstrap 95 % :" in sections[ind_id].sentences[0]
