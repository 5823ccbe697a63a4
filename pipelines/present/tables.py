"""Display tables (pure): French headers, French formats, statuses as icon + word — the review,
the ingest ledger and reports, the rejected rows (and their CSV), the indicators a funder's actions
target. The app shows them with ``st.dataframe``, so text from data stays plain text."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.french import fmt_datetime, fmt_delta, fmt_int, fmt_interval, fmt_p_value, fmt_value
from pipelines.present.formulas import neutralise_formulas
from pipelines.present.status_words import status_text

INGEST_STATUS = {
    "loaded": "✔ chargé",
    "partial": "⚠ chargé, lignes écartées",
    "refused": "✖ refusé",
    "skipped": "– déjà chargé",
    "superseded": "↻ relu depuis (correspondance modifiée)",
    "warning": "⚠ avertissement",  # the plan: a target or baseline changed without a revision
}
DATASET_NAMES = {
    "usage_events": "demandes",
    "processing_cases": "dossiers",
    "survey_responses": "questionnaires",
    "web_audience": "audience web",
    "maturity_answers": "autoévaluation de maturité",
    "equipment": "inventaire",
    "territory": "territoire",
    "consultation_items": "consultations",
}


def _names(datasets: str | None) -> str:
    if not datasets:
        return "—"
    return ", ".join(DATASET_NAMES.get(d.strip(), d.strip()) for d in datasets.split(","))


def _source(source: str | None) -> str:
    """``fichier-canonique`` → ``Fichier canonique``."""
    if not source:
        return "—"
    text = source.replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


def review_table(rows: list[dict]) -> pl.DataFrame:
    """One row per indicator: status first, then baseline and review side by side with n and interval."""
    out = []
    for r in rows:
        unit = r["unit"]
        significant = r.get("significant")
        test = (
            "non testée" if significant is None else "significative" if significant else "non significative"
        )
        out.append(
            {
                "Indicateur": r["label"],
                "Statut": status_text(r),
                "Référence": fmt_value(r.get("baseline_value"), unit),
                "Intervalle (réf.)": fmt_interval(r.get("baseline_ci_low"), r.get("baseline_ci_high"), unit),
                "n (réf.)": fmt_int(r.get("baseline_n")),
                "Revue": fmt_value(r.get("review_value"), unit),
                "Intervalle (revue)": fmt_interval(r.get("ci_low"), r.get("ci_high"), unit),
                "n (revue)": fmt_int(r.get("n")),
                "Évolution": f"{fmt_delta(r.get('delta'), unit)}, {test}"
                + (f" (p {fmt_p_value(r['p_value'])})" if r.get("p_value") is not None else ""),
                "Cible": fmt_value(r.get("target_value"), unit),
            }
        )
    return pl.DataFrame(out, schema=dict.fromkeys(out[0] if out else ["Indicateur"], pl.String))


def ingest_table(history: pl.DataFrame) -> pl.DataFrame:
    """The ledger: one row per file taken, refused or skipped."""
    rows = [
        {
            "Import": fmt_datetime(r["started_at"]),
            "Fichier": Path(r["path"]).name,
            "Source": _source(r["source"]),
            "Données": _names(r["dataset"]),
            "Statut": INGEST_STATUS.get(r["status"], r["status"]),
            "Lues": fmt_int(r["rows_read"]),
            "Chargées": fmt_int(r["rows_loaded"]),
            "Écartées": fmt_int(r["rows_rejected"]),
            "Message": r["message"] or "",
            "Dossier": str(Path(r["path"]).parent),
        }
        for r in history.iter_rows(named=True)
    ]
    cols = [
        "Import",
        "Fichier",
        "Source",
        "Données",
        "Statut",
        "Lues",
        "Chargées",
        "Écartées",
        "Message",
        "Dossier",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String))


def rejected_table(rejected: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows, file by file and line by line, with the French reason."""
    return rejected.select(
        pl.col("path")
        .map_elements(lambda p: Path(p).name if p else "—", return_dtype=pl.String)
        .alias("Fichier"),
        pl.col("line").alias("Ligne"),
        pl.col("col").fill_null("—").alias("Colonne"),
        pl.col("value").fill_null("").alias("Valeur lue"),
        pl.col("message").alias("Raison"),
        pl.col("chk").fill_null("").alias("Contrôle"),
    )


def report_table(reports: list) -> pl.DataFrame:
    """Per-file report of an ingest run (``FileReport`` objects)."""
    rows = [
        {
            "Fichier": Path(r.path).name,
            "Statut": INGEST_STATUS.get(r.status, r.status),
            "Données": _names(r.dataset),
            "Lues": fmt_int(r.rows_read),
            "Chargées": fmt_int(r.rows_loaded),
            "Nouvelles": fmt_int(r.rows_new),
            "Mises à jour": fmt_int(r.rows_updated),
            "Écartées": fmt_int(r.rows_rejected),
            "Message": r.message,
        }
        for r in reports
    ]
    cols = [
        "Fichier",
        "Statut",
        "Données",
        "Lues",
        "Chargées",
        "Nouvelles",
        "Mises à jour",
        "Écartées",
        "Message",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String))


def rejected_csv(rejected: pl.DataFrame) -> bytes:
    """The rejected rows as a CSV a French spreadsheet opens (``;``, UTF-8 with BOM), formulas neutralised."""
    table = neutralise_formulas(rejected_table(rejected).with_columns(pl.col("Ligne").cast(pl.String)))
    return ("\ufeff" + table.write_csv(separator=";")).encode("utf-8")


def linked_indicators_table(indicators: list[dict], funder_rows: pl.DataFrame) -> pl.DataFrame:
    """Indicators targeted by a funder's actions: current value, target, status, and which actions."""
    by_indicator: dict[str, list[str]] = {}
    for r in funder_rows.iter_rows(named=True):
        for i in r["indicators"] or []:
            by_indicator.setdefault(i, []).append(r["action_id"])
    rows = [
        {
            "Indicateur": ind["label"],
            "Valeur actuelle": fmt_value(ind.get("value"), ind["unit"]),
            "Intervalle à 95 %": fmt_interval(ind.get("ci_low"), ind.get("ci_high"), ind["unit"]),
            "n": fmt_int(ind.get("n")),
            "Référence": fmt_value(ind.get("baseline_value"), ind["unit"]),
            "Cible": fmt_value(ind.get("target_value"), ind["unit"]),
            "Statut": status_text(ind),
            "Actions": ", ".join(by_indicator.get(ind["id"], [])),
        }
        for ind in indicators
    ]
    cols = [
        "Indicateur",
        "Valeur actuelle",
        "Intervalle à 95 %",
        "n",
        "Référence",
        "Cible",
        "Statut",
        "Actions",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String))


def file_label(file_id: int, path: str | None) -> str:
    return f"n° {file_id} · {Path(path).name if path else 'fichier inconnu'}"


def rejected_reasons_table(summary: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows counted per file and reason."""
    return summary.select(
        pl.struct("file_id", "path")
        .map_elements(lambda r: file_label(r["file_id"], r["path"]), return_dtype=pl.String)
        .alias("Fichier"),
        pl.col("col").fill_null("—").alias("Colonne"),
        pl.col("rows").map_elements(fmt_int, return_dtype=pl.String).alias("Lignes"),
        pl.col("message").alias("Raison (exemple)"),
    )


def published_table(rows: list[dict]) -> pl.DataFrame:
    """A published review beside today's recomputation: value and status, then and now."""
    columns = [
        "Indicateur",
        "Valeur publiée",
        "Statut publié",
        "Valeur aujourd'hui",
        "Statut aujourd'hui",
        "Écart",
    ]
    out = []
    for r in rows:
        a, b = r["published"], r["today"]
        same = a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a))
        out.append(
            [
                r["label"],
                fmt_value(a, r["unit"]),
                r["status_published"] or "—",
                fmt_value(b, r["unit"]),
                r["status_today"] or "—",
                "identique" if same and r["status_published"] == r["status_today"] else "différent",
            ]
        )
    return pl.DataFrame(out, schema=dict.fromkeys(columns, pl.String), orient="row")
