"""Revisions in the numbers and the reports, on the demo (its data, its plan): ``kpi --json`` lists
every revision and judges each indicator on the trajectory in force; the funder pack lists every
revision on its method page and draws the original trajectory beside the revised one."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.plan import load_plan
from pipelines.report.content import review_content
from tests.pipelines.report.conftest import flat, kpi_json, pdf_text, run_cli

DECISION = "Délibération n° 2026-045 du 15/12/2026"


@pytest.fixture(scope="module")
def early(demo, tmp_path_factory):
    """The demo plan with its revision of taux-demat dated 2026-06-01: in force at 2026-10-31."""
    text = demo.plan.read_text(encoding="utf-8")
    assert text.count("{ date = 2026-12-15, decision") == 1
    path = tmp_path_factory.mktemp("early") / "plan.toml"
    path.write_text(
        text.replace("{ date = 2026-12-15, decision", "{ date = 2026-06-01, decision"), encoding="utf-8"
    )
    return path


def test_kpi_at_the_demo_date_is_unchanged_and_a_later_date_uses_the_revision(demo):
    now = {i["id"]: i for i in kpi_json(demo.warehouse, demo.plan, "2026-10-31")["indicators"]}
    demat = now["taux-demat"]
    assert (demat["target_value"], demat["target_date"]) == (0.70, "2028-12-31")
    assert demat["target_revisions"] == [
        {
            "date": "2026-12-15",
            "decision": DECISION,
            "reason": "Revue à mi-parcours : la dématérialisation progresse plus vite que prévu, la cible est relevée.",
            "target_value": 0.75,
            "target_date": "2028-12-31",
            "previous_target_value": 0.70,
            "previous_target_date": "2028-12-31",
        }
    ]
    assert all(i["target_revisions"] == [] for k, i in now.items() if k != "taux-demat")
    later = {i["id"]: i for i in kpi_json(demo.warehouse, demo.plan, "2026-12-31")["indicators"]}
    assert later["taux-demat"]["target_value"] == 0.75


def test_the_revision_in_force_changes_target_and_progress_only_of_its_indicator(demo, early):
    before = {i["id"]: i for i in kpi_json(demo.warehouse, demo.plan, "2026-10-31")["indicators"]}
    after = {i["id"]: i for i in kpi_json(demo.warehouse, early, "2026-10-31")["indicators"]}
    a, b = after["taux-demat"], before["taux-demat"]
    assert a["target_value"] == 0.75 and b["target_value"] == 0.70
    value, base = a["value"], a["baseline_value"]
    assert a["progress_pct"] == pytest.approx(max(0.0, min(100.0, 100 * (value - base) / (0.75 - base))))
    assert b["progress_pct"] == pytest.approx(max(0.0, min(100.0, 100 * (value - base) / (0.70 - base))))
    # the revised milestones up to 2026-12-31 are the original ones: the same expected value at 2026-10-31
    # (0.48 at 2025-12-31 → 0.60 at 2026-12-31: 304 days of 365)
    assert a["expected_now"] == pytest.approx(0.48 + 0.12 * 304 / 365) == b["expected_now"]
    for key in before:
        if key != "taux-demat":
            assert {k: v for k, v in after[key].items()} == before[key]


def test_the_review_report_lists_every_revision(demo, early):
    plan = load_plan(early)
    pack = review_content(demo.warehouse, plan, "Revue à mi-parcours", dt.date(2026, 10, 31), lambda _: None)
    assert pack.revisions is not None and pack.revisions.height == 1
    row = pack.revisions.row(0, named=True)
    assert row["Indicateur"] == "Part des démarches faites en ligne" and row["Décision"] == DECISION
    assert flat(row["Cible"]) == "70,0 % au 31/12/2028 → 75,0 % au 31/12/2028"
    assert row[next(c for c in pack.revisions.columns if c.startswith("Au "))] == "en vigueur"
    assert any(m.startswith("Révisions du plan") and "1 révision" in m for m in pack.method)
    demat = next(s for s in pack.sections if s.id == "taux-demat")
    assert ("Cible au 31/12/2028", "75,0\u00a0%") in demat.facts
    series = demat.charts[-1].figure.summary
    assert "trajectoire initiale, avant révision de la cible (70,0" in series


def test_the_funder_pack_prints_the_revisions_table(demo, early, tmp_path):
    code, _, err = run_cli(
        "report",
        "--funder",
        "feder",
        "--out",
        str(tmp_path),
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(early),
        "--at",
        "2026-10-31",
    )
    assert code == 0, err
    text = pdf_text(next(tmp_path.glob("*.pdf")))
    assert "Révisions des cibles" in text and flat(DECISION) in text
    assert "Trajectoire initiale" in (
        next(tmp_path.glob("graphiques/01-taux-demat-serie.svg")).read_text(encoding="utf-8")
    )
