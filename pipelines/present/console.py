"""The CLI's console output, in French: the table of an ingest run and the ``barometre kpi`` table."""

from __future__ import annotations

from pathlib import Path

from pipelines.french import fmt_date, fmt_number, fmt_value
from pipelines.present.survey_words import weighting_line

UNKNOWN_COLUMNS = {"channel": "Canal", "status": "Statut", "outcome": "Issue"}


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def print_ingest_summary(reports, warehouse: Path) -> None:
    """One line per file (status, source, tables, rows), then the reason of every refusal, the
    notes of partial loads, and the totals."""
    if not reports:
        print("Aucun fichier à importer.")
        return
    rows = [
        [
            Path(r.path).name[:50],
            r.status_label,
            (r.source or "—")[:34],
            r.dataset or "—",
            str(r.rows_read),
            str(r.rows_loaded),
            str(r.rows_rejected),
        ]
        for r in reports
    ]
    print(_table(["Fichier", "Statut", "Source", "Table(s)", "Lues", "Chargées", "Écartées"], rows))
    for r in reports:
        if r.status in ("refused", "partial", "warning") or r.unknown_services or ";" in r.message:
            print(f"\n• {Path(r.path).name} ({r.status_label}) : {r.message}")
        for group in getattr(r, "unknown_values", None) or []:
            n = group["rows"]
            label = UNKNOWN_COLUMNS.get(group["column"], group["column"])
            print(f'    {label} : "{group["value"]}" — {n} ligne{"s" if n > 1 else ""}')
        if getattr(r, "mapping_file", None) and getattr(r, "unknown_values", None):
            print(f"    → à compléter : {r.mapping_file}, puis relancez « barometre ingest »")
    taken = [r for r in reports if r.status in ("loaded", "partial")]
    refused = [r for r in reports if r.status == "refused"]
    skipped = [r for r in reports if r.status == "skipped"]
    print(
        f"\n{len(taken)} fichier(s) importé(s), {len(skipped)} déjà importé(s), {len(refused)} refusé(s) ; "
        f"{sum(r.rows_loaded for r in taken)} ligne(s) chargée(s), {sum(r.rows_rejected for r in taken)} écartée(s)."
    )
    if any(r.rows_rejected for r in taken):
        print(
            "Les lignes écartées et leur raison sont dans la table rejected_rows de l'entrepôt (page « Données » de l'application)."
        )
    print(f"Entrepôt : {warehouse}")


def print_kpi_table(doc: dict) -> None:
    """The ``barometre kpi`` table: value and interval, baseline, expected, target, progress, status; then the changes."""
    rows = []
    for ind in doc["indicators"]:
        unit = ind["unit"]
        ci = (
            f"[{fmt_value(ind['ci_low'], unit)} ; {fmt_value(ind['ci_high'], unit)}]"
            if ind.get("ci_low") is not None
            else ""
        )
        progress = (
            "—"
            if ind.get("progress_pct") is None
            else f"{fmt_number(ind['progress_pct'], 0, sentence=True)}\u00a0%"
        )
        rows.append(
            [
                ind["label"][:45],
                fmt_value(ind["value"], unit),
                ci,
                fmt_value(ind.get("baseline_value"), unit),
                fmt_value(
                    ind.get("expected_period", ind.get("expected_now")), unit
                ),  # what the status compares with
                fmt_value(ind["target_value"], unit),
                progress,
                fmt_number(ind.get("n"), 0, sentence=True),
                ind.get("status_label", ind.get("status", "")) or "",
            ]
        )
    print(
        f"Indicateurs du {fmt_date(doc.get('period_start'))} au {fmt_date(doc['as_of'])} (12 mois glissants)"
    )
    print(
        _table(
            [
                "Indicateur",
                "Valeur",
                "IC 95 %",
                "Référence",
                "Attendu",
                "Cible",
                "Progression",
                "n",
                "Statut",
            ],
            rows,
        )
    )
    print()
    for ind in doc["indicators"]:
        print(f"• {ind['label']} : {ind['change']['sentence']}")
        if ind.get("change_1y"):  # the change over one year, beside the change since the baseline
            print(f"  {ind['change_1y']['sentence']}")
    for ind in doc["indicators"]:  # issue 17: the weighted headline and the raw value beside it
        line = weighting_line(ind)
        if line:
            print(f"• {ind['label']} : {line}")


def print_diagnostic(doc: dict) -> None:
    """The ``barometre diagnostic`` summary: maturity (all respondents), the two rankings, the blind spots."""
    from pipelines.present.diagnostic import (
        communes_table,
        maturity_table,
        score_rule,
        sentence,
        services_table,
    )

    def show(title: str, frame) -> None:
        print(title)
        if frame.is_empty():
            print("  (aucune donnée)")
        else:
            print(_table(frame.columns, [list(r) for r in frame.rows()]))
        print()

    print(f"Diagnostic au {fmt_date(doc['as_of'])}")
    print()
    show("Maturité numérique par thème (tous répondants)", maturity_table(doc))
    for change in doc.get("maturity_changes", []):
        if change["group"] == "all":
            print(f"• {sentence(change['sentence'])}")
    for gap in doc.get("group_gaps", []):
        print(f"• {sentence(gap['sentence'])}")
    if doc.get("maturity_changes") or doc.get("group_gaps"):
        print()
    show("Priorités : services", services_table(doc))
    show("Priorités : communes", communes_table(doc))
    print(score_rule(doc))
    print()
    if doc["blind_spots"]:
        print("Angles morts :")
        for spot in doc["blind_spots"]:
            print(f"• {spot['message']}")
    else:
        print("Aucun angle mort : chaque priorité du haut du classement est visée par une action du plan.")
