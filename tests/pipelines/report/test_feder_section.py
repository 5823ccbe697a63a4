"""The FEDER pack's section « Indicateurs communs FEDER (RCO14, RCR11) » (issue 17 §4): a page of the
PDF, a sheet of the workbook and a CSV, with the figures of ``kpi --json``'s ``funder_indicators``;
absent from the pack of a funder that is not the FEDER."""

from __future__ import annotations

import csv
import io

import openpyxl

from tests.pipelines.report.conftest import pdf_text, run_cli

TITLE = "Indicateurs communs FEDER (RCO14, RCR11)"


def test_feder_pack_has_the_common_indicators_section(small, tmp_path):
    out = tmp_path / "feder"
    code, _, err = run_cli(
        "report",
        "--funder",
        "FEDER",
        "--out",
        str(out),
        "--warehouse",
        str(small.warehouse),
        "--plan",
        str(small.plan.path),
    )
    assert code == 0, err
    entry = next(e for e in small.kpi["funder_indicators"] if e["funder"] == "FEDER")
    rco14 = next(i for i in entry["indicators"] if i["code"] == "RCO14")
    rcr11 = next(i for i in entry["indicators"] if i["code"] == "RCR11")
    # the small plan's A1 names no institution: the authority itself
    assert rco14["value"] == 1 and rco14["institutions"] == ["Commune de Test-sur-Mer"]
    text = pdf_text(next(out.glob("*.pdf")))
    assert TITLE in text and "RCO14" in text and "RCR11" in text
    assert rco14["label"] in text
    rows = list(
        csv.DictReader(
            io.StringIO((out / "donnees" / "indicateurs-communs-feder.csv").read_text("utf-8-sig")),
            delimiter=";",
        )
    )
    assert [(r["code"], int(r["annee"]), int(r["valeur"])) for r in rows] == [
        *[("RCO14", y["year"], y["value"]) for y in rco14["by_year"]],
        *[("RCR11", y["year"], y["value"]) for y in rcr11["by_year"]],
    ]
    wb = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert "Indicateurs communs FEDER…" in wb.sheetnames


def test_other_funder_pack_has_no_feder_section(small):
    assert not (small.out / "donnees" / "indicateurs-communs-feder.csv").exists()
    assert TITLE not in pdf_text(small.file(".pdf"))
