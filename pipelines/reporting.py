"""French console output for the CLI (tables of ingest reports and indicators)."""

from __future__ import annotations

from pathlib import Path

from dashboard.formatting import fmt_value


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def print_ingest_summary(reports, warehouse: Path) -> None:
    if not reports:
        print("Aucun fichier à importer.")
        return
    rows = [
        [Path(r.path).name[:50], r.status_label, r.dataset or "—", str(r.rows_read), str(r.rows_loaded), str(r.rows_rejected)]
        for r in reports
    ]
    print(_table(["Fichier", "Statut", "Table(s)", "Lues", "Chargées", "Écartées"], rows))
    for r in reports:
        if r.status in ("refused", "partial") or r.unknown_services:
            print(f"\n• {Path(r.path).name} : {r.message}")
    print(f"\nEntrepôt : {warehouse}")


def print_kpi_table(doc: dict) -> None:
    rows = []
    for ind in doc["indicators"]:
        rows.append([
            ind["label"][:45],
            fmt_value(ind["value"], ind["unit"]),
            fmt_value(ind.get("baseline_value"), ind["unit"]),
            fmt_value(ind["target_value"], ind["unit"]),
            str(ind.get("n", "")),
            ind.get("status_label", ind.get("status", "")) or "",
        ])
    print(f"Indicateurs au {doc['as_of']}")
    print(_table(["Indicateur", "Valeur", "Référence", "Cible", "n", "Statut"], rows))
