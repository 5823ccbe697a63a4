"""``barometre ingest``: JSON summary and exit codes (0 taken, 1 refused, 1 with --strict on rejected rows)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.pipelines.ingest.conftest import ROOT_DIR

KEYS = {
    "path",
    "sha256",
    "source",
    "dataset",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "status",
    "message",
}


def _run(zone, *args: str) -> tuple[int, object, str]:
    cmd = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "ingest",
        str(zone.data),
        "--data-dir",
        str(zone.data),
        "--warehouse",
        str(zone.warehouse),
        *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT_DIR, timeout=300)
    payload = json.loads(out.stdout) if "--json" in args else out.stdout
    return out.returncode, payload, out.stderr


def test_json_summary_and_exit_0_when_every_file_is_taken(zone):
    zone.add(
        "dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv", "registre_accueil_mairie_2025-T1.csv"
    )
    code, reports, _ = _run(zone, "--json")
    assert code == 0  # a rejected row is reported, not an error
    assert all(set(r) >= KEYS for r in reports)
    by = {r["path"].rsplit("/", 1)[-1]: r for r in reports}
    ds = by["dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv"]
    assert (ds["status"], ds["source"], ds["rows_read"], ds["rows_loaded"], ds["rows_rejected"]) == (
        "loaded",
        "demarches-simplifiees",
        25,
        25,
        0,
    )
    assert len(ds["sha256"]) == 64
    assert by["registre_accueil_mairie_2025-T1.csv"]["rows_rejected"] == 1


def test_strict_fails_on_rejected_rows(zone):
    zone.add("registre_accueil_mairie_2025-T1.csv")
    code, _, _ = _run(zone, "--json", "--strict")
    assert code == 1


def test_exit_1_when_a_file_is_refused_and_a_french_table_otherwise(zone):
    zone.add("export_avis_xwiki_2023.csv", "matomo_Exporter_Referrers_day_2025-05-08_fr.csv")
    code, text, _ = _run(zone)
    assert code == 1
    assert "Fichier" in text and "Statut" in text and "refusé" in text and "chargé" in text
    assert "No data available" in text
    code, reports, _ = _run(zone, "--json")  # a second run skips what was taken; the refusal is tried again
    assert code == 1
    assert {r["status"] for r in reports} == {"skipped", "refused"}


def test_missing_path_is_a_one_line_french_error(zone):
    cmd = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "ingest",
        str(zone.data / "absent.csv"),
        "--warehouse",
        str(zone.warehouse),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT_DIR, timeout=120)
    assert out.returncode == 1
    assert out.stderr.strip().startswith("Erreur : Chemin introuvable")
