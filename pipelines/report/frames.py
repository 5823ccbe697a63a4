"""The numbers behind each chart and table of a pack, as Polars frames with French headers.

These are what the XLSX sheets and CSV files hold: numbers stay numbers (never pre-formatted text),
dates stay dates. Rates are written in percent (63.1, not 0.631) so that a sheet reads like the
PDF; each value column names its unit in its header (``Valeur (%)``, ``Valeur (jours)``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.french import fmt_eur

UNIT_WORDS = {"%": "%", "jours": "jours", "/10": "sur 10", "points": "points", "dossiers": "dossiers"}


def scale(unit: str) -> float:
    """Factor from the engine's value to the exported one (fractions → percent)."""
    return 100.0 if unit == "%" else 1.0


def scaled(x: float | None, unit: str) -> float | None:
    return None if x is None else x * scale(unit)


def value_headers(unit: str) -> tuple[str, str, str]:
    word = UNIT_WORDS.get(unit, unit)
    return f"Valeur ({word})", f"Borne basse à 95 % ({word})", f"Borne haute à 95 % ({word})"


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("oui" if flag else "non")


def _date(text: str | dt.date | None) -> dt.date | None:
    if text is None or isinstance(text, dt.date):
        return text
    return dt.date.fromisoformat(text[:10])


def series_data(
    series: pl.DataFrame, trajectory: pl.DataFrame, projection: dict | None, *, unit: str, min_sample: int
) -> pl.DataFrame:
    """Monthly values with their 95 % interval and n, then the plan's trajectory points and the projection."""
    value, low, high = value_headers(unit)
    k = scale(unit)
    rows = [
        {
            "Date": r["month"],
            "Série": "Valeur mensuelle mesurée",
            value: scaled(r["value"], unit),
            low: scaled(r["ci_low"], unit),
            high: scaled(r["ci_high"], unit),
            "n": r["n"],
            "Effectif suffisant": _yes_no((r["n"] or 0) >= min_sample),
        }
        for r in series.sort("month").iter_rows(named=True)
    ]
    rows += [
        {
            "Date": r["date"],
            "Série": f"Trajectoire du plan : {r['kind']}",
            value: r["expected"] * k,
            low: None,
            high: None,
            "n": None,
            "Effectif suffisant": "",
        }
        for r in trajectory.sort("date").iter_rows(named=True)
    ]
    if projection and projection.get("value") is not None:
        rows.append(
            {
                "Date": _date(projection["date"]),
                "Série": "Projection au rythme récent",
                value: scaled(projection["value"], unit),
                low: scaled(projection.get("low"), unit),
                high: scaled(projection.get("high"), unit),
                "n": None,
                "Effectif suffisant": "",
            }
        )
    schema = {
        "Date": pl.Date,
        "Série": pl.String,
        value: pl.Float64,
        low: pl.Float64,
        high: pl.Float64,
        "n": pl.Int64,
        "Effectif suffisant": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def breakdown_data(
    breakdown: pl.DataFrame, *, unit: str, min_sample: int, group: str = "Service"
) -> pl.DataFrame:
    """One row per group (largest n first): label, code, value, interval, n."""
    value, low, high = value_headers(unit)
    k = scale(unit)
    return breakdown.select(
        pl.col("label").alias(group),
        pl.col("key").alias("Code"),
        (pl.col("value") * k).alias(value),
        (pl.col("ci_low") * k).alias(low),
        (pl.col("ci_high") * k).alias(high),
        pl.col("n").cast(pl.Int64),
        pl.when(pl.col("n").fill_null(0) >= min_sample)
        .then(pl.lit("oui"))
        .otherwise(pl.lit("non"))
        .alias("Effectif suffisant"),
    )


def review_data(row: dict, review: dict) -> pl.DataFrame:
    """Baseline period, review period and target of one indicator (the review chart's points)."""
    unit = row["unit"]
    value, low, high = value_headers(unit)
    rows = [
        {
            "Période": "Référence",
            "Début": _date(row.get("baseline_start") or review.get("baseline_start")),
            "Fin": _date(row.get("baseline_end") or review.get("baseline_end")),
            value: scaled(row.get("baseline_value"), unit),
            low: scaled(row.get("baseline_ci_low"), unit),
            high: scaled(row.get("baseline_ci_high"), unit),
            "n": row.get("baseline_n"),
        },
        {
            "Période": "Revue",
            "Début": _date(review.get("start")),
            "Fin": _date(review.get("end")),
            value: scaled(row.get("review_value"), unit),
            low: scaled(row.get("ci_low"), unit),
            high: scaled(row.get("ci_high"), unit),
            "n": row.get("n"),
        },
        {
            "Période": "Cible",
            "Début": None,
            "Fin": None,
            value: scaled(row.get("target_value"), unit),
            low: None,
            high: None,
            "n": None,
        },
    ]
    schema = {
        "Période": pl.String,
        "Début": pl.Date,
        "Fin": pl.Date,
        value: pl.Float64,
        low: pl.Float64,
        high: pl.Float64,
        "n": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


SUMMARY_SCHEMA = {
    "Indicateur": pl.String,
    "Identifiant": pl.String,
    "Unité": pl.String,
    "Valeur": pl.Float64,
    "Borne basse à 95 %": pl.Float64,
    "Borne haute à 95 %": pl.Float64,
    "n": pl.Int64,
    "Référence": pl.Float64,
    "Écart à la référence": pl.Float64,
    "p": pl.Float64,
    "Significatif": pl.String,
    "Cible": pl.Float64,
    "Date cible": pl.Date,
    "Attendu en moyenne sur la période": pl.Float64,
    "Progression vers la cible (%)": pl.Float64,
    "Statut": pl.String,
    "Évolution": pl.String,
    # issue 17: a weighted survey indicator's raw value and Kish's effective size beside the headline
    "Valeur brute (non redressée)": pl.Float64,
    "Effectif équivalent (Kish)": pl.Float64,
}


def summary_data(rows: list[dict], *, value_key: str = "value") -> pl.DataFrame:
    """One row per indicator, values in the indicator's unit (rates in percent, gaps in points)."""
    out = []
    for r in rows:
        unit = r["unit"]
        change = r.get("change") or r  # evaluate() nests the test; review() flattens it
        out.append(
            {
                "Indicateur": r["label"],
                "Identifiant": r["id"],
                "Unité": UNIT_WORDS.get(unit, unit),
                "Valeur": scaled(r.get(value_key), unit),
                "Borne basse à 95 %": scaled(r.get("ci_low"), unit),
                "Borne haute à 95 %": scaled(r.get("ci_high"), unit),
                "n": r.get("n"),
                "Référence": scaled(r.get("baseline_value"), unit),
                "Écart à la référence": scaled(change.get("delta"), unit),
                "p": change.get("p_value"),
                "Significatif": _yes_no(change.get("significant")),
                "Cible": scaled(r.get("target_value"), unit),
                "Date cible": _date(r.get("target_date")),
                "Attendu en moyenne sur la période": scaled(
                    r.get("expected_period", r.get("expected_now", r.get("expected"))), unit
                ),
                "Progression vers la cible (%)": r.get("progress_pct"),
                "Statut": (r.get("status_label") or "").capitalize(),
                "Évolution": change.get("sentence") or "",
                **_weighting_columns(r, unit),
            }
        )
    return (
        pl.DataFrame(out, schema=SUMMARY_SCHEMA, orient="row") if out else pl.DataFrame(schema=SUMMARY_SCHEMA)
    )


def _weighting_columns(r: dict, unit: str) -> dict:
    w = r.get("weighting") if r.get("weighting") and r["weighting"].get("headline") == "weighted" else None
    return {
        "Valeur brute (non redressée)": scaled(w["raw_value"], unit) if w else None,
        "Effectif équivalent (Kish)": w["effective_n"] if w else None,
    }


def actions_data(rows: list[dict], funder: str | None) -> pl.DataFrame:
    """One row per action: dates, status, budget, (the funder's amount and share), linked indicators."""
    schema = {
        "Action": pl.String,
        "Libellé": pl.String,
        "Phase": pl.String,
        "Début": pl.Date,
        "Fin": pl.Date,
        "Statut": pl.String,
        "Budget (€)": pl.Float64,
    }
    if funder:
        schema |= {f"Montant {funder} (€)": pl.Float64, "Part du budget (%)": pl.Float64}
    else:
        schema |= {"Financements": pl.String}
    schema |= {"Indicateurs visés": pl.String}
    out = []
    for r in rows:
        row = {
            "Action": r["id"],
            "Libellé": r["label"],
            "Phase": r["phase"],
            "Début": r["start"],
            "Fin": r["end"],
            "Statut": r["status"],
            "Budget (€)": r["budget"],
            "Indicateurs visés": ", ".join(r["indicators"]),
        }
        if funder:
            row[f"Montant {funder} (€)"] = r["amount"]
            row["Part du budget (%)"] = 100 * r["amount"] / r["budget"] if r["budget"] else None
        else:
            row["Financements"] = " ; ".join(f"{name} {fmt_eur(amount)}" for name, amount in r["funding"])
        out.append(row)
    return pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)


def sources_data(files: tuple) -> pl.DataFrame:
    """The ingested files behind the pack (``SourceFile`` records)."""
    schema = {
        "Fichier": pl.String,
        "Données": pl.String,
        "Source": pl.String,
        "Lignes chargées": pl.Int64,
        "Lignes écartées": pl.Int64,
        "Importé le": pl.Datetime("us"),
        "SHA-256": pl.String,
        "Chemin": pl.String,
    }
    rows = [
        {
            "Fichier": f.name,
            "Données": f.dataset,
            "Source": f.source,
            "Lignes chargées": f.rows_loaded,
            "Lignes écartées": f.rows_rejected,
            "Importé le": f.ingested_at,
            "SHA-256": f.sha256,
            "Chemin": f.path,
        }
        for f in files
    ]
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
