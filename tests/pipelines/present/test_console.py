"""The CLI's console tables: aligned columns, French numbers, every refusal with its reason."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from pipelines.present.console import print_ingest_summary, print_kpi_table


def report(name: str, status: str, label: str, loaded: int = 0, rejected: int = 0, message: str = ""):
    """What the ingest hands the console for one file (the attributes it reads)."""
    return SimpleNamespace(
        path=f"/data/{name}",
        status=status,
        status_label=label,
        source="demarches-simplifiees" if status != "refused" else None,
        dataset="processing_cases" if status != "refused" else None,
        rows_read=loaded + rejected,
        rows_loaded=loaded,
        rows_rejected=rejected,
        unknown_services=[],
        message=message,
    )


def test_ingest_summary_lists_files_reasons_and_totals(capsys):
    reports = [
        report(
            "dossiers.csv",
            "partial",
            "chargé, lignes écartées",
            loaded=10,
            rejected=2,
            message="2 lignes écartées",
        ),
        report("inconnu.csv", "refused", "refusé", message="Format de fichier non reconnu."),
    ]
    print_ingest_summary(reports, Path("/data/warehouse.duckdb"))
    out = capsys.readouterr().out
    header, rule, *rows = out.splitlines()[:4]
    assert header.startswith("Fichier") and set(rule.replace(" ", "")) == {"-"}
    assert len(rows) == 2 and rows[0].index("chargé") == header.index("Statut")
    assert "• inconnu.csv (refusé) : Format de fichier non reconnu." in out
    assert (
        "1 fichier(s) importé(s), 0 déjà importé(s), 1 refusé(s) ; 10 ligne(s) chargée(s), 2 écartée(s)."
        in out
    )
    assert "rejected_rows" in out and out.rstrip().endswith("Entrepôt : /data/warehouse.duckdb")


def test_ingest_summary_of_nothing(capsys):
    print_ingest_summary([], Path("/data/warehouse.duckdb"))
    assert capsys.readouterr().out == "Aucun fichier à importer.\n"


def test_kpi_table_in_french(capsys):
    indicator = {
        "label": "Délai médian",
        "unit": "jours",
        "value": 23.64,
        "ci_low": 21.0,
        "ci_high": 25.5,
        "baseline_value": 30.0,
        "expected_now": 24.0,
        "target_value": 20.0,
        "progress_pct": 63.6,
        "n": 1234,
        "status_label": "en bonne voie",
        "change": {"sentence": "Baisse significative de 6,4 jours depuis 2023."},
    }
    missing = indicator | {
        "label": "Sans données",
        "value": None,
        "ci_low": None,
        "progress_pct": None,
        "n": 0,
    }
    print_kpi_table({"period_start": "2025-11-01", "as_of": "2026-10-31", "indicators": [indicator, missing]})
    out = capsys.readouterr().out
    assert out.startswith("Indicateurs du 01/11/2025 au 31/10/2026 (12 mois glissants)\n")
    assert "23,6\u00a0j" in out and "[21,0\u00a0j ; 25,5\u00a0j]" in out and "64\u00a0%" in out
    assert "1\u202f234" in out
    no_data = next(line for line in out.splitlines() if line.startswith("Sans données"))
    assert "—" in no_data and "[" not in no_data
    assert "• Délai médian : Baisse significative de 6,4 jours depuis 2023." in out
    year = indicator | {
        "change_1y": {"sentence": "Baisse de 2,0 jours depuis l'an dernier sur les mêmes mois."}
    }
    print_kpi_table({"period_start": "2025-11-01", "as_of": "2026-10-31", "indicators": [year]})
    out = capsys.readouterr().out
    assert (
        "• Délai médian : Baisse significative de 6,4 jours depuis 2023.\n  Baisse de 2,0 jours depuis l'an dernier"
        in out
    )
