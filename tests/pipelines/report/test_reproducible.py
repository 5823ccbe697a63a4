"""Same warehouse, plan and date: the same numbers, the same charts, byte for byte."""

from __future__ import annotations

import json

from pipelines.report import build_funder_pack, zip_pack


def test_same_inputs_give_identical_files(feder, tmp_path):
    again = build_funder_pack(feder.warehouse, feder.plan, "FEDER", tmp_path)
    first = {str(p.relative_to(feder.out)): p.read_bytes() for p in feder.out.rglob("*") if p.is_file()}
    second = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    svgs = [name for name in first if name.endswith(".svg")]
    assert svgs and all(first[n] == second[n] for n in svgs)
    for name in first:
        if name.endswith((".csv", ".xlsx", ".pdf", ".png")):
            assert first[name] == second[name], name
    assert json.loads(first["manifest.json"]) == json.loads(second["manifest.json"])
    assert zip_pack(again) == zip_pack(again)


def test_at_date_fixes_the_numbers(small, tmp_path):
    """Built at an earlier date, the pack carries that date and the numbers of `kpi --at` that date."""
    from tests.pipelines.report.conftest import kpi_json, pdf_text, run_cli

    code, _, err = run_cli(
        "report",
        "--funder",
        "FEDER",
        "--at",
        "2025-06-30",
        "--out",
        str(tmp_path),
        "--warehouse",
        str(small.warehouse),
        "--plan",
        str(small.plan.path),
    )
    assert code == 0, err
    kpi = kpi_json(small.warehouse, small.plan.path, "2025-06-30")
    text = pdf_text(next(tmp_path.glob("*.pdf")))
    assert kpi["as_of"] == "2025-06-30" and "Situation au 30/06/2025" in text
    assert kpi["indicators"][0]["value_label"].replace("\u00a0", " ") in text
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == "2025-06-30"
