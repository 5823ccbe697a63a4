"""The packs' « Diagnostic » part: digital maturity at the diagnostic wave (the first) against the
latest wave on or before the date of the pack, theme by theme for all respondents, with the
intervals and respondents; then the first priorities of the ranking and the blind spots. Built
from the document of ``barometre diagnostic`` (:mod:`pipelines.diagnostic.document`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipelines.diagnostic.document import diagnostic
from pipelines.french import fmt_date, fmt_int, fmt_number
from pipelines.plan import Plan
from pipelines.present import diagnostic_charts
from pipelines.present.diagnostic import sentence
from pipelines.report.model import Chart, DiagnosticPart

PRIORITIES_SHOWN = 3


def _score(m: dict | None) -> str:
    if m is None:
        return "—"
    ci = "" if m["ci_low"] is None else f" [{fmt_number(m['ci_low'], 1)} – {fmt_number(m['ci_high'], 1)}]"
    return f"{fmt_number(m['score'], 1)}{ci} (n = {fmt_int(m['n'])})"


def maturity_pairs(doc: dict) -> tuple[str | None, str | None, list[tuple[dict, dict | None]]]:
    """(first wave, latest wave, [(theme row at the first wave, at the latest or None)]), all respondents."""
    pooled = [m for m in doc["maturity"] if m["group"] == "all"]
    waves = sorted({m["wave"] for m in pooled})
    if not waves:
        return None, None, []
    first, last = waves[0], waves[-1]
    at = {(m["theme"], m["wave"]): m for m in pooled}
    pairs = [(m, at.get((m["theme"], last)) if last != first else None) for m in pooled if m["wave"] == first]
    return first, last, pairs


def diagnostic_part(warehouse: Path, plan: Plan, as_of: dt.date | None, width: int) -> DiagnosticPart:
    doc = diagnostic(warehouse, plan, as_of)
    first, last, pairs = maturity_pairs(doc)
    paragraphs = []
    if first is None:
        paragraphs.append(
            "Aucune autoévaluation de maturité numérique n'est chargée dans l'entrepôt : le diagnostic de maturité "
            "reste à conduire (questionnaire aux élus et aux agents)."
        )
    elif last == first:
        paragraphs.append(
            f"Maturité numérique au diagnostic (vague du {fmt_date(first)}), score de 0 à 5 par thème pour l'ensemble "
            "des répondants, avec son intervalle de confiance à 95 % ; aucune vague plus récente pour mesurer le chemin parcouru."
        )
    else:
        paragraphs.append(
            f"Maturité numérique au diagnostic (vague du {fmt_date(first)}) et aujourd'hui (vague du {fmt_date(last)}) : "
            "score de 0 à 5 par thème pour l'ensemble des répondants, avec son intervalle de confiance à 95 % et le nombre "
            "de répondants."
        )
    paragraphs += [sentence(c["sentence"]) for c in doc["maturity_changes"] if c["group"] == "all"]
    services = doc["priorities"]["services"][:PRIORITIES_SHOWN]
    if services:
        paragraphs.append(
            "Priorités des services selon le diagnostic : "
            + " ; ".join(
                f"{s['rank']}. {s['label']} ({'actions ' + ', '.join(s['actions']) if s['actions'] else 'aucune action'})"
                for s in services
            )
            + "."
        )
    paragraphs += [spot["message"] for spot in doc["blind_spots"]]
    table = pl.DataFrame(
        [
            {
                "Thème": a["label"],
                "Au diagnostic": _score(a),
                "Aujourd'hui": _score(b),
                "Évolution": "—" if b is None else fmt_number(b["score"] - a["score"], 1, sentence=True),
            }
            for a, b in pairs
        ],
        schema=dict.fromkeys(["Thème", "Au diagnostic", "Aujourd'hui", "Évolution"], pl.String),
    )
    rows = []
    for a, b in pairs:
        for when, m in (("diagnostic", a), ("aujourd'hui", b)):
            if m is not None:
                rows.append(
                    {
                        "Thème": a["label"],
                        "Vague": dt.date.fromisoformat(m["wave"]),
                        "Moment": when,
                        "Score (0–5)": m["score"],
                        "IC 95 % bas": m["ci_low"],
                        "IC 95 % haut": m["ci_high"],
                        "Répondants": m["n"],
                    }
                )
    data = pl.DataFrame(
        rows,
        schema={
            "Thème": pl.String,
            "Vague": pl.Date,
            "Moment": pl.String,
            "Score (0–5)": pl.Float64,
            "IC 95 % bas": pl.Float64,
            "IC 95 % haut": pl.Float64,
            "Répondants": pl.Int64,
        },
    )
    chart = None
    if pairs:
        frame = diagnostic_charts.maturity_frame(doc, group="all").filter(
            pl.col("series").is_in([f"Vague du {fmt_date(w)}" for w in {first, last}])
        )
        figure = diagnostic_charts.maturity_figure(
            frame, legend="Vague", title="Maturité numérique par thème", width=width
        )
        chart = Chart("diagnostic-maturite", "Maturité numérique par thème", figure, data)
    return DiagnosticPart(tuple(paragraphs), table, data, chart)
