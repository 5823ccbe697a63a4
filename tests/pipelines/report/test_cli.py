"""`barometre report` and `barometre review`: exit codes, one-line French errors, progress on stderr."""

from __future__ import annotations

import re

from tests.pipelines.report.conftest import pdf_text, run_cli


def test_unknown_funder_exits_1_listing_the_known_funders(demo, tmp_path):
    code, _, err = run_cli(
        "report",
        "--funder",
        "Bpifrance",
        "--out",
        str(tmp_path / "x"),
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(demo.plan),
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur : Financeur « Bpifrance » inconnu")
    for funder in ("DSIL", "FEDER", "Fonds propres", "État (France Services)"):
        assert f"« {funder} »" in lines[0]
    assert not (tmp_path / "x").exists()  # nothing written


def test_funder_names_match_whatever_the_case(demo):
    from pipelines.plan import load_plan
    from pipelines.report import resolve_funder

    plan = load_plan(demo.plan)
    assert resolve_funder(plan, "feder") == "FEDER"
    assert resolve_funder(plan, "  fonds   PROPRES ") == "Fonds propres"
    assert resolve_funder(plan, "état (france services)") == "État (France Services)"


def test_report_prints_progress_and_the_files(feder):
    assert (feder.out / "manifest.json").exists()


def test_report_progress_lines_on_stderr(small, tmp_path):
    code, out, err = run_cli(
        "report",
        "--funder",
        "FEDER",
        "--out",
        str(tmp_path),
        "--warehouse",
        str(small.warehouse),
        "--plan",
        str(small.plan.path),
    )
    assert code == 0
    steps = [tuple(map(int, m.groups())) for m in re.finditer(r"^\[(\d+)/(\d+)\]", err, re.MULTILINE)]
    assert steps[0][0] == 1 and steps[-1][0] == steps[-1][1] == len(steps)
    assert "Document PDF" in err
    assert "Dossier financeur : FEDER" in out and "dossier-feder-" in out


def test_review_command_writes_the_report(review_report):
    pdf = review_report.file(".pdf")
    assert pdf.name.startswith("revue-revue-a-mi-parcours-")
    assert review_report.file(".xlsx").exists()


def test_unknown_review_exits_1(demo, tmp_path):
    code, _, err = run_cli(
        "review",
        "--name",
        "Revue imaginaire",
        "--out",
        str(tmp_path),
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(demo.plan),
    )
    assert code == 1 and "Revue « Revue imaginaire » inconnue" in err and "« Revue à mi-parcours »" in err


def test_missing_warehouse_exits_1(demo, tmp_path):
    code, _, err = run_cli(
        "report",
        "--funder",
        "FEDER",
        "--out",
        str(tmp_path / "x"),
        "--warehouse",
        str(tmp_path / "absent.duckdb"),
        "--plan",
        str(demo.plan),
    )
    assert code == 1 and err.startswith("Erreur : L'entrepôt") and len(err.strip().splitlines()) == 1


def test_review_still_running_says_so(small, tmp_path):
    """Read on 30/06/2025, the 2025 review of the small plan has six months of data: the report says it is running."""
    code, _, err = run_cli(
        "review",
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
    text = pdf_text(next(tmp_path.glob("*.pdf")))
    assert "Revue du plan : Revue à mi-parcours" in text
    assert "en cours : lue sur les mois observés, jusqu'au 30/06/2025" in text
