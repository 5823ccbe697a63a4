"""The PDF, read back with pypdf: every indicator the funder's actions target, with the numbers of
`barometre kpi --json` written the French way; the cover, the actions, the sources and the version."""

from __future__ import annotations

import pytest

from pipelines import __version__
from pipelines.french import fmt_eur, fmt_int, fmt_number, fmt_value
from pipelines.report import fonts
from tests.pipelines.report.conftest import flat, pdf_text


def _linked(plan, funder: str) -> list[str]:
    ids = {i for a in plan.actions if any(f.funder == funder for f in a.funding) for i in a.indicators}
    return [ind.id for ind in plan.indicators if ind.id in ids]


def test_pdf_shows_every_linked_indicator_with_its_kpi_values(feder):
    text = pdf_text(feder.file(".pdf"))
    linked = _linked(feder.plan, "FEDER")
    assert linked == ["taux-demat", "respect-delais", "satisfaction-moyenne", "part-satisfaits"]
    by_id = {ind["id"]: ind for ind in feder.kpi["indicators"]}
    for ind_id in linked:
        ind = by_id[ind_id]
        unit = ind["unit"]
        expected = [
            ind["label"],
            ind["value_label"],
            f"{fmt_value(ind['ci_low'], unit, sentence=True)} – {fmt_value(ind['ci_high'], unit, sentence=True)}",
            fmt_int(ind["n"]),
            fmt_value(ind["baseline_value"], unit, sentence=True),
            fmt_value(ind["target_value"], unit, sentence=True),
            f"{fmt_number(ind['progress_pct'], 0, sentence=True)} %",
            ind["status_label"].capitalize(),
            ind["change"]["sentence"],
        ]
        for item in expected:
            assert flat(item) in text, f"{ind_id}: « {item} » absent du PDF"


def test_pdf_cover_actions_sources_and_version(feder):
    text = pdf_text(feder.file(".pdf"))
    for item in (
        "Dossier financeur : FEDER",
        feder.plan.authority["name"],
        feder.plan.title,
        "Situation au 31/10/2026",
        f"Baromètre {__version__}",
        "Actions financées",
        "Méthode et sources",
        "Fichiers de données utilisés",
    ):
        assert flat(item) in text
    for action in ("A1", "A4", "A6", "A8"):
        assert f"{action} · " in text
    assert flat(fmt_eur(120000)) in text and flat(fmt_eur(250000)) in text  # A1: FEDER amount and budget
    assert "A2 · " not in text  # an action FEDER does not fund
    joined = text.replace(" ", "")
    import duckdb

    con = duckdb.connect(str(feder.warehouse), read_only=True)
    try:
        hashes = [
            r[0] for r in con.execute("select sha256 from ingest_files where status = 'loaded'").fetchall()
        ]
    finally:
        con.close()
    assert hashes and all(h in joined for h in hashes)


def test_pdf_metadata_is_french_and_dated_from_the_data(feder):
    from pypdf import PdfReader

    reader = PdfReader(str(feder.file(".pdf")))
    assert reader.metadata.title == "Dossier financeur : FEDER"
    assert reader.metadata.creation_date.date().isoformat() == feder.kpi["as_of"]
    assert len(reader.pages) >= 2 + 4 + 2  # cover, summary, one page (or more) per indicator, actions, method


def test_review_pdf_compares_both_periods_for_every_indicator(review_report):
    text = pdf_text(review_report.file(".pdf"))
    assert "Revue du plan : Revue à mi-parcours" in text
    assert "du 01/01/2023 au 31/12/2023" in text and "du 01/11/2025 au 31/10/2026" in text
    from pipelines.indicators import review

    doc = review(review_report.warehouse, review_report.plan, "Revue à mi-parcours")
    for row in doc["indicators"]:
        for item in (row["label"], row["baseline_label"], row["value_label"], row["sentence"]):
            assert flat(item) in text, f"{row['id']}: « {item} » absent du PDF"


def test_missing_font_is_a_french_error(monkeypatch):
    monkeypatch.setattr(fonts, "CANDIDATES", (lambda: None,))
    fonts.pdf_font.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match="fonts-dejavu-core"):
            fonts.pdf_font()
    finally:
        fonts.pdf_font.cache_clear()


@pytest.mark.skipif(fonts._dejavu() is None, reason="DejaVu Sans (fonts-dejavu-core) absent")
def test_dejavu_fallback_writes_a_readable_pdf(small, tmp_path, monkeypatch):
    from pipelines.report import build_funder_pack

    monkeypatch.setattr(fonts, "CANDIDATES", (fonts._dejavu,))
    fonts.pdf_font.cache_clear()
    try:
        result = build_funder_pack(small.warehouse, small.plan, "Région Test", tmp_path)
    finally:
        fonts.pdf_font.cache_clear()
    text = pdf_text(result.pdf)
    assert (
        "Portail « usagers » à 100 000 €" in text
        and small.kpi["indicators"][0]["value_label"].replace("\u00a0", " ") in text
    )
