"""The funder pack and the review report list the deliverables overdue at their date (demo plan,
read at 31/10/2026): in the PDF's actions part, the Actions sheet and ``donnees/livrables-en-retard.csv``;
the review report also carries the actions × public policies matrix."""

from __future__ import annotations

import polars as pl

from tests.pipelines.report.conftest import flat, pdf_text


def _csv(built) -> pl.DataFrame:
    raw = (built.out / "donnees" / "livrables-en-retard.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return pl.read_csv(raw[3:], separator=";")


def test_funder_pack_lists_its_actions_overdue_deliverables(feder):
    text = pdf_text(feder.file(".pdf"))
    assert "Livrables en retard au 31/10/2026" in text
    # FEDER funds A1, A4, A6, A8: only A4's « Deux conseillers numériques » (due 30/09/2026) is overdue,
    # 31 days late; A2's and A7's overdue deliverables are not FEDER's
    assert flat("Deux conseillers numériques") in text
    assert (
        "Procédure de complétude en ligne" not in text
        and "Parcours de formation des instructeurs" not in text
    )
    overdue = _csv(feder)
    assert overdue["Livrable"].to_list() == ["Deux conseillers numériques"]
    assert overdue["Échéance"].to_list() == ["30/09/2026"] and overdue["Retard"].to_list() == ["31 jours"]


def test_review_report_lists_every_overdue_deliverable(review_report):
    text = pdf_text(review_report.file(".pdf"))
    assert "Livrables en retard au 31/10/2026" in text
    overdue = _csv(review_report)
    # by due date: A7 31/03/2026 (214 days), A2 30/06/2026 (123), A4 30/09/2026 (31)
    assert overdue["Livrable"].to_list() == [
        "Parcours de formation des instructeurs",
        "Procédure de complétude en ligne",
        "Deux conseillers numériques",
    ]
    assert overdue["Retard"].to_list() == ["214 jours", "123 jours", "31 jours"]
    for label in overdue["Livrable"]:
        assert flat(label) in text


def test_review_report_carries_the_policy_matrix(review_report):
    text = pdf_text(review_report.file(".pdf"))
    assert "Articulation avec les autres politiques publiques" in text
    assert flat("1 action en silo (aucune autre politique servie) : A7 · Formation des agents") in text
    raw = (review_report.out / "donnees" / "actions-politiques-publiques.csv").read_bytes()
    matrix = pl.read_csv(raw[3:], separator=";", decimal_comma=True)
    # by hand from the demo plan: Solidarités et inclusion = A1 250 000 + A4 210 000 + A6 140 000
    assert matrix["Solidarités et inclusion (€)"].sum() == 600_000
    assert matrix.filter(pl.col("En silo") == "oui")["Action"].to_list() == ["A7"]


def test_funder_pack_has_no_policy_part(feder):
    assert not (feder.out / "donnees" / "actions-politiques-publiques.csv").exists()
