"""``barometre handover``: the « Bilan et continuité du plan » pack on the demo — its parts, the numbers of
``barometre kpi``, the next review, reproducibility — and the rules of the next review on plans written here."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from pipelines.french import fmt_eur
from pipelines.plan import load_plan
from pipelines.report.handover import next_review
from tests.pipelines.report.conftest import flat, kpi_json, pdf_text, run_cli

AT = "2026-10-31"


@pytest.fixture(scope="module")
def handover(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("handover")
    args = [
        "handover",
        "--at",
        AT,
        "--out",
        str(out),
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(demo.plan),
    ]
    code, _, err = run_cli(*args)
    assert code == 0, err
    return out


def test_the_pack_holds_decisions_standing_commitments_and_next_review(handover, demo):
    plan = load_plan(demo.plan)
    kpi = kpi_json(demo.warehouse, demo.plan, AT)
    text = pdf_text(next(handover.glob("*.pdf")))
    for part in (
        "Bilan et continuité du plan",
        "Ce qui a été décidé",
        "Ce que le plan a rapporté",
        "Engagements en cours",
        "Prochaine revue",
        "Diagnostic",
        "Méthode et sources",
    ):
        assert flat(part) in text
    for ind in kpi["indicators"]:  # where each indicator stands: label and its change in words
        assert flat(ind["label"]) in text
    # the budget of the plan, as the plan states it
    assert flat(fmt_eur(sum(a.budget for a in plan.actions))) in text
    # at 2026-10-31 the mid-term review ends: the next one is the final review
    assert flat("Prochaine revue : « Revue finale »") in text
    # the revisions so far (the demo's is decided for 15/12/2026: listed, not yet in force)
    revised = [r for i in plan.indicators for r in i.revisions]
    assert revised and all(flat(r.decision) in text for r in revised)
    running = [a.id for a in plan.actions if a.status in ("a_venir", "en_cours", "suspendue")]
    assert running and all(f"{a} · " in text for a in running)
    # what was delivered at 2026-10-31, by hand from the demo plan: 13 of 21 delivered, 5 after their
    # due date, 5 ahead; 3 overdue (A7, A2, A4)
    assert flat("Ce qui a été livré") in text
    assert (
        flat("13 livrés sur 21 livrables, dont 5 après l'échéance et 5 en avance ; 3 livrables en retard")
        in text
    )


def test_the_handover_csv_lists_every_deliverable(handover):
    import polars as pl

    raw = (handover / "donnees" / "livrables.csv").read_bytes()
    data = pl.read_csv(raw[3:], separator=";")
    assert data.height == 21
    assert data["Livrable"].head(3).to_list() == [
        "Parcours de formation des instructeurs",
        "Procédure de complétude en ligne",
        "Deux conseillers numériques",
    ]
    assert data["Écart (jours, négatif : avance)"].head(3).to_list() == [214, 123, 31]


def test_workbook_and_csv_beside_the_pdf_and_a_manifest(handover):
    wb = openpyxl.load_workbook(next(handover.glob("*.xlsx")))
    # decided, delivered, gained, still running, next review
    assert wb.sheetnames[:6] == [
        "Synthèse",
        "Ce qui a été décidé",
        "Ce qui a été livré",
        "Ce que le plan a rapporté",
        "Engagements en cours",
        "Prochaine revue",
    ]
    names = {p.name for p in (handover / "donnees").iterdir()}
    assert {
        "decisions.csv",
        "gains.csv",
        "engagements.csv",
        "revues.csv",
        "synthese.csv",
        "sources.csv",
    } <= names
    manifest = json.loads((handover / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "handover" and manifest["as_of"] == AT


def test_the_gains_are_those_of_barometre_gains(handover, demo):
    code, out, err = run_cli(
        "gains", "--json", "--at", AT, "--warehouse", str(demo.warehouse), "--plan", str(demo.plan)
    )
    assert code == 0, err
    doc = json.loads(out)
    import polars as pl

    data = pl.read_csv(handover / "donnees" / "gains.csv", separator=";", decimal_comma=True)
    total = data.filter(pl.col("Année (vide : depuis le début du plan)").is_null())
    for item in doc["items"]:
        (row,) = total.filter(pl.col("Gain") == item["id"]).to_dicts()
        if item["value"] is None:
            assert row["Valeur"] is None
        else:
            assert row["Valeur"] == pytest.approx(item["value"], rel=1e-9)


def test_the_same_date_gives_the_same_bytes(handover, demo, tmp_path):
    again = tmp_path / "again"
    code, _, err = run_cli(
        "handover",
        "--at",
        AT,
        "--out",
        str(again),
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(demo.plan),
    )
    assert code == 0, err
    first = json.loads((handover / "manifest.json").read_text(encoding="utf-8"))["files"]
    second = json.loads((again / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert first == second


PLAN = """\
[authority]
name = "Commune"

[plan]
title = "Plan"
start = 2024-03-01
end = 2032-12-31
review_cadence_years = 3
{reviews}
"""


@pytest.mark.parametrize(
    ("reviews", "when", "expected"),
    [
        # a planned review not yet over: that one
        (
            'reviews = [ { name = "R1", start = 2025-01-01, end = 2025-12-31 } ]',
            "2025-06-30",
            ("R1", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ),
        # every planned review over: the next anniversary at the cadence (2024-03-01 + 3 years)
        (
            'reviews = [ { name = "R1", start = 2025-01-01, end = 2025-12-31 } ]',
            "2026-01-15",
            ("Revue selon la cadence du plan", dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
        ),
        ("", "2027-03-02", ("Revue selon la cadence du plan", dt.date(2030, 3, 1), dt.date(2030, 3, 1))),
        ("", "2030-03-02", None),  # 2033-03-01 is past the plan's end
    ],
)
def test_next_review_rule(tmp_path, reviews, when, expected):
    path = tmp_path / "plan.toml"
    path.write_text(PLAN.format(reviews=reviews), encoding="utf-8")
    assert next_review(load_plan(path), dt.date.fromisoformat(when)) == expected
