"""The files of a pack: charts as PNG and SVG, data as XLSX (one sheet per indicator) and CSV, the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import xml.etree.ElementTree as ET

import openpyxl
import polars as pl

from pipelines.report.workbook import sheet_names

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_every_chart_as_png_and_svg(feder):
    pngs = sorted((feder.out / "graphiques").glob("*.png"))
    svgs = sorted((feder.out / "graphiques").glob("*.svg"))
    # series and services per indicator, the diagnostic's maturity chart (the demo has maturity waves)
    # and the funding chart
    assert len(pngs) == len(svgs) == 2 * 4 + 2
    assert "diagnostic-maturite" in [p.stem for p in pngs]
    assert [p.stem for p in pngs] == [s.stem for s in svgs]
    for png in pngs:
        data = png.read_bytes()
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert data.startswith(PNG_MAGIC) and width >= 1200 and height >= 150  # 720 px at scale 2
    for svg in svgs:
        root = ET.fromstring(svg.read_text(encoding="utf-8"))
        assert root.tag.endswith("svg")
    series = (feder.out / "graphiques" / "01-taux-demat-serie.svg").read_text(encoding="utf-8")
    assert "janv. 2024" in series and "Jan 2024" not in series  # French month names
    assert "Valeur mesurée" in series and "Trajectoire attendue" in series


def test_xlsx_has_one_sheet_per_indicator_with_french_headers(feder):
    wb = openpyxl.load_workbook(feder.file(".xlsx"))
    names = wb.sheetnames
    assert names[:3] == ["Synthèse", "Indicateurs communs FEDER…", "Diagnostic"]  # RCO14, RCR11 (issue 17)
    assert names[-2:] == ["Actions", "Sources"]
    indicator_sheets = names[3:-2]
    assert len(indicator_sheets) == 4 and len(set(names)) == len(names) and all(len(n) <= 31 for n in names)
    labels = [
        ind["label"]
        for ind in feder.kpi["indicators"]
        if ind["id"] in {"taux-demat", "respect-delais", "satisfaction-moyenne", "part-satisfaits"}
    ]
    for name in indicator_sheets:
        ws = wb[name]
        assert ws["A1"].value in labels
        rows = list(ws.iter_rows(values_only=True))
        headers = [r for r in rows if r and r[0] == "Date"]
        assert (
            headers
            and headers[0][:3] == ("Date", "Série", headers[0][2])
            and headers[0][2].startswith("Valeur (")
        )
        assert any(r and r[0] == "Service" for r in rows)  # the breakdown block
    summary = wb["Synthèse"]
    header_row = next(r for r in summary.iter_rows() if r[0].value == "Indicateur")
    first = summary[header_row[0].row + 1]
    assert first[0].value == "Part des démarches faites en ligne"
    value = first[[c.value for c in header_row].index("Valeur")]
    assert value.data_type == "n" and abs(value.value - 100 * feder.kpi["indicators"][0]["value"]) < 1e-9


def test_csv_files_parse_as_french_spreadsheet_csv(feder):
    files = sorted((feder.out / "donnees").glob("*.csv"))
    assert {f.stem for f in files} >= {
        "synthese",
        "sources",
        "financement",
        "01-taux-demat-serie",
        "01-taux-demat-services",
    }
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
        df = pl.read_csv(io.BytesIO(raw[3:]), separator=";", decimal_comma=True, infer_schema_length=None)
        assert df.height > 0
    series = pl.read_csv(feder.out / "donnees" / "01-taux-demat-serie.csv", separator=";", decimal_comma=True)
    assert series.columns[:3] == ["Date", "Série", "Valeur (%)"] and series["Valeur (%)"].dtype == pl.Float64


def test_manifest_lists_every_file_with_its_sha256(feder):
    manifest = json.loads((feder.out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {str(p.relative_to(feder.out)) for p in feder.out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(listed) == on_disk
    for rel, entry in listed.items():
        assert hashlib.sha256((feder.out / rel).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["funder"] == "FEDER" and manifest["as_of"] == feder.kpi["as_of"]
    assert len(manifest["sources"]["warehouse"]["fingerprint_sha256"]) == 64
    # the indicators' tables, and those the Diagnostic part reads (no web audience in the demo)
    assert {f["dataset"] for f in manifest["sources"]["files"]} == {
        "usage_events",
        "processing_cases",
        "survey_responses",
        "maturity_answers",
        "equipment",
        "territory",
        "consultation_items",
    }


def test_rebuilding_in_a_folder_replaces_the_previous_pack_only(small, tmp_path):
    from pipelines.report import build_funder_pack

    (tmp_path / "notes.txt").write_text("à garder")
    first = build_funder_pack(small.warehouse, small.plan, "FEDER", tmp_path)
    second = build_funder_pack(small.warehouse, small.plan, "Région Test", tmp_path)
    assert not first.pdf.exists() and second.pdf.exists()
    assert (tmp_path / "notes.txt").read_text() == "à garder"
    on_disk = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert on_disk == {*second.files, "notes.txt"}


def test_sheet_names_are_valid_unique_and_short():
    names = sheet_names(
        [
            "01 Délai médian de délivrance des cartes d'identité",
            "Synthèse",
            "a/b:c*d?[e]",
            "x" * 40,
            "x" * 40,
        ],
        taken=("Synthèse",),
    )
    assert all(len(n) <= 31 for n in names) and len({n.casefold() for n in names}) == len(names)
    assert names[0] == "01 Délai médian de délivrance…"
    assert names[1] == "Synthèse (2)" and not any(ch in names[2] for ch in "[]:*?/\\")
