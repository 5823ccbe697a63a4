"""Formula neutralising: a service label `=HYPERLINK(...)` in the data comes out inert in XLSX and CSV;
numbers, negative ones included, stay numbers."""

from __future__ import annotations

import io

import openpyxl
import polars as pl

from pipelines.report.workbook import csv_bytes
from tests.pipelines.report.conftest import FORMULA


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def test_formula_in_a_service_label_is_a_string_cell_in_xlsx(small):
    cells = _cells(small.file(".xlsx"))
    hits = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert hits, "the service label should be in the services block"
    for cell in hits:
        assert cell.data_type == "s" and cell.value == FORMULA
        assert cell.quotePrefix  # Excel keeps it text even once the cell is edited
    assert not [c for c in cells if c.data_type == "f"]


def test_formula_in_a_service_label_is_prefixed_in_csv(small):
    path = next((small.out / "donnees").glob("*-services.csv"))
    df = pl.read_csv(io.BytesIO(path.read_bytes()[3:]), separator=";", decimal_comma=True)
    assert f"'{FORMULA}" in df["Service"].to_list()
    assert FORMULA not in df["Service"].to_list()
    assert "État civil" in df["Service"].to_list()


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers():
    df = pl.DataFrame(
        {
            "texte": ["=1+1", "+33 6", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "ok", "−5 (signe moins)"],
            "valeur": [-1.5, 2.0, -3.25, 0.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    text = csv_bytes(df).decode("utf-8-sig")
    back = pl.read_csv(io.StringIO(text), separator=";", decimal_comma=True)
    assert back["texte"].to_list()[:6] == ["'=1+1", "'+33 6", "'-x", "'@SUM(A1)", "'\tcmd", "'\rcmd"]
    assert back["texte"].to_list()[6:] == ["ok", "−5 (signe moins)"]
    assert back["valeur"].dtype == pl.Float64 and back["valeur"].to_list()[0] == -1.5
    assert (
        "\n-1,5;" not in text and ";-1,5\n" in text
    )  # a negative number is written bare, not quoted or prefixed


def test_negative_numbers_stay_numbers_in_the_review_workbook(review_report):
    wb = openpyxl.load_workbook(review_report.file(".xlsx"))
    ws = wb["Synthèse"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Indicateur")
    col = [c.value for c in header].index("Écart à la référence")
    rows = {r[0].value: r[col] for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value}
    cell = rows["Délai médian de délivrance des cartes d'identité et passeports"]
    assert cell.data_type == "n" and cell.value < 0
    csv = (review_report.out / "donnees" / "synthese.csv").read_bytes().decode("utf-8-sig")
    assert ";-18," in csv and ";'-" not in csv
