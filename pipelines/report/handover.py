"""The handover pack, « Bilan et continuité du plan » (``barometre handover``): for a new team after an
election, or a supra-communal partner, what the plan decided (axes, targets, budget, funders), where
each indicator stands (value, interval, status, significance of its change, one page each with the
funder pack's charts), the commitments still running (actions not finished, their funding and end
dates), what was delivered (each deliverable done on time, late or ahead, or overdue), the next review
per the plan's cadence, and the diagnostic's maturity change. Same rules as
the funder pack: same charts, XLSX/CSV beside the PDF, formulas neutralised, manifest with hashes,
reproducible with ``--at``.

Decisions: the indicator pages are the funder pack's (every indicator, every linked action) with its
series chart against the trajectory, without the breakdown by service (detail for a funder, not a
bilan: it kept the pack over 10 s on the demo, ``benchmarks/bench_report.py``); the
next review is the first review of the plan whose period has not ended at the date of the pack,
else the next anniversary of the plan's start at the review cadence, within the plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl

from pipelines.french import fmt_date, fmt_eur, fmt_int, fmt_value
from pipelines.indicators import STATUS_RULE, evaluate
from pipelines.plan import ACTION_STATUSES, Plan
from pipelines.plan_links import DELIVERABLE_STATUSES
from pipelines.present import action_links
from pipelines.report import frames
from pipelines.report.content import (
    CHART_WIDTH,
    Tick,
    _action_rows,
    _actions_table,
    _authority,
    _funder_section,
    _method,
    _range,
    _revision_method,
    _status_word,
    _tables,
    revisions_table,
    slug,
)
from pipelines.report.diagnostic import diagnostic_part
from pipelines.report.model import Pack, Part
from pipelines.report.sources import collect_sources

RUNNING = ("a_venir", "en_cours", "suspendue")


def _frame(rows: list[dict], columns: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=columns, orient="row") if rows else pl.DataFrame(schema=columns)


def decided_part(plan: Plan) -> Part:
    """Axes, targets and the budget by funder, as the plan states them."""
    axes = {a.id: a.label for a in plan.axes}
    budget = sum(a.budget for a in plan.actions)
    by_funder: dict[str, float] = {}
    for a in plan.actions:
        for f in a.funding:
            by_funder[f.funder] = by_funder.get(f.funder, 0.0) + f.amount
    paragraphs = [
        f"Plan « {plan.title} », du {fmt_date(plan.start)} au {fmt_date(plan.end)}, revu tous les "
        f"{plan.review_cadence_years} ans.",
        "Axes : " + " ; ".join(a.label for a in plan.axes) + "."
        if plan.axes
        else "Le plan ne nomme pas d'axe.",
        f"Budget des {len(plan.actions)} actions : {fmt_eur(budget)}"
        + (
            " ; financements inscrits : "
            + ", ".join(f"{k} {fmt_eur(v)}" for k, v in sorted(by_funder.items()))
            + "."
            if by_funder
            else "."
        ),
    ]
    table = _frame(
        [
            [
                ind.label,
                axes.get(ind.axis or "", "—"),
                "calculée sur les données"
                if ind.baseline_value is None
                else fmt_value(ind.baseline_value, ind.unit),
                fmt_value(ind.target_value, ind.unit),
                fmt_date(ind.target_date),
            ]
            for ind in plan.indicators
        ],
        dict.fromkeys(["Indicateur", "Axe", "Référence", "Cible", "Échéance"], pl.String),
    )
    data = _frame(
        [
            [ind.id, ind.label, ind.axis, ind.unit, ind.baseline_value, ind.target_value, ind.target_date]
            for ind in plan.indicators
        ],
        {
            "Identifiant": pl.String,
            "Indicateur": pl.String,
            "Axe": pl.String,
            "Unité": pl.String,
            "Référence saisie": pl.Float64,
            "Cible": pl.Float64,
            "Échéance": pl.Date,
        },
    )
    return Part("Ce qui a été décidé", "decisions", tuple(paragraphs), table, data)


def commitments_part(plan: Plan, when: dt.date) -> Part:
    """Actions not finished at ``when``: their end date, budget and funding lines still to honour."""
    running = [a for a in plan.actions if a.status in RUNNING]
    late = [a for a in running if a.end and a.end < when]
    paragraphs = [
        f"{len(running)} action{'s' if len(running) > 1 else ''} en cours, à venir ou suspendue"
        f"{'s' if len(running) > 1 else ''} au {fmt_date(when)}"
        + (
            f", dont {len(late)} dont l'échéance est passée ({', '.join(a.id for a in late)})."
            if late
            else "."
        )
    ]
    table = _frame(
        [
            [
                f"{a.id} · {a.label}",
                ACTION_STATUSES.get(a.status, a.status),
                fmt_date(a.end) if a.end else "—",
                fmt_eur(a.budget),
                " ; ".join(f"{f.funder} {fmt_eur(f.amount)}" for f in a.funding) or "—",
            ]
            for a in running
        ],
        dict.fromkeys(["Action", "Statut", "Échéance", "Budget", "Financements"], pl.String),
    )
    data = _frame(
        [[a.id, a.label, a.status, a.end, a.budget, f.funder, f.amount] for a in running for f in a.funding]
        + [[a.id, a.label, a.status, a.end, a.budget, None, None] for a in running if not a.funding],
        {
            "Action": pl.String,
            "Libellé": pl.String,
            "Statut": pl.String,
            "Échéance": pl.Date,
            "Budget": pl.Float64,
            "Financeur": pl.String,
            "Montant": pl.Float64,
        },
    )
    return Part("Engagements en cours", "engagements", tuple(paragraphs), table, data)


def delivered_part(plan: Plan, when: dt.date) -> Part:
    """Every deliverable with its status at ``when`` (overdue first, then late, pending…, done ahead or
    on time): see :func:`pipelines.present.action_links.deliverables_frame`."""
    frame = action_links.deliverables_frame(plan, when)
    # the PDF's font has no emoji: the status in words only (the app shows the icons)
    words = {k: w for k, (_, w) in DELIVERABLE_STATUSES.items()}
    table = action_links.deliverables_table(frame).select(
        pl.Series("Statut", [words[k] for k in frame["status"].to_list()], dtype=pl.String),
        "Livrable",
        pl.col("Action").str.split(" · ").list.first(),
        "Échéance",
        "Livré le",
        "Écart",
    )
    data = frame.select(
        pl.col("action_id").alias("Action"),
        pl.col("label").alias("Livrable"),
        pl.col("due").alias("Échéance"),
        pl.col("done").alias("Livré le"),
        pl.col("status")
        .replace_strict({k: w for k, (_, w) in DELIVERABLE_STATUSES.items()}, return_dtype=pl.String)
        .alias("Statut"),
        pl.col("days_late").alias("Écart (jours, négatif : avance)"),
        pl.col("owner").alias("Responsable"),
        pl.col("evidence").alias("Preuve"),
    )
    return Part(
        "Ce qui a été livré",
        "livrables",
        (action_links.deliverables_summary(frame, when),),
        table,
        data,
    )


def gained_part(warehouse: Path, plan: Plan, when: dt.date) -> Part:
    """What the plan gained so far (:mod:`pipelines.indicators.gains`): each gain with its interval,
    its formula applied to its inputs, and its value per year."""
    from pipelines.indicators.gains import gains
    from pipelines.present import gains as words

    doc = gains(warehouse, plan, when)
    paragraphs = [words.period_sentence(doc), *doc.get("assumptions", [])]
    rows = [
        [
            item["id"],
            item["label"],
            item["unit"],
            year["year"],
            year["value"],
            year["ci_low"],
            year["ci_high"],
        ]
        for item in doc["items"]
        for year in item.get("per_year", [])
    ] + [
        [item["id"], item["label"], item["unit"], None, item["value"], item["ci_low"], item["ci_high"]]
        for item in doc["items"]
    ]
    data = _frame(
        rows,
        {
            "Gain": pl.String,
            "Libellé": pl.String,
            "Unité": pl.String,
            "Année (vide : depuis le début du plan)": pl.Int64,
            "Valeur": pl.Float64,
            "IC 95 % bas": pl.Float64,
            "IC 95 % haut": pl.Float64,
        },
    )
    return Part("Ce que le plan a rapporté", "gains", tuple(paragraphs), words.summary_table(doc), data)


def next_review(plan: Plan, when: dt.date) -> tuple[str, dt.date, dt.date] | None:
    """(name, start, end) of the next review (see the module docstring), None past the plan's end."""
    for review in sorted(plan.reviews, key=lambda r: r.end):
        if review.end > when:
            return review.name, review.start, review.end
    year = plan.start.year
    while True:
        year += plan.review_cadence_years
        try:
            date = plan.start.replace(year=year)
        except ValueError:  # 29 February
            date = plan.start.replace(year=year, day=28)
        if date > plan.end:
            return None
        if date >= when:
            return "Revue selon la cadence du plan", date, date


def next_review_part(plan: Plan, when: dt.date) -> Part:
    found = next_review(plan, when)
    if found is None:
        text = f"Le plan se termine le {fmt_date(plan.end)} : aucune revue ne reste à tenir."
    elif found[1] == found[2]:
        text = f"Prochaine revue : vers le {fmt_date(found[1])} (cadence de {plan.review_cadence_years} ans)."
    else:
        text = f"Prochaine revue : « {found[0]} », période observée du {fmt_date(found[1])} au {fmt_date(found[2])}."
    columns = dict.fromkeys(["Revue", "Début", "Fin"], pl.String)
    table = _frame([[r.name, fmt_date(r.start), fmt_date(r.end)] for r in plan.reviews], columns)
    data = _frame(
        [[r.name, r.start, r.end] for r in plan.reviews],
        {"Revue": pl.String, "Début": pl.Date, "Fin": pl.Date},
    )
    return Part("Prochaine revue", "revues", (text,), table, data)


def _summary(rows: list[dict]) -> pl.DataFrame:
    out = [
        [
            r["label"],
            fmt_value(r["value"], r["unit"], sentence=True),
            _range(r["ci_low"], r["ci_high"], r["unit"]),
            fmt_int(r["n"]),
            fmt_value(r["target_value"], r["unit"], sentence=True),
            _status_word(r.get("status_label")),
            (r.get("change") or {}).get("sentence") or "—",
        ]
        for r in rows
    ]
    cols = [
        "Indicateur",
        "Valeur",
        "Intervalle à 95 %",
        "n",
        "Cible",
        "Statut",
        "Évolution depuis la référence",
    ]
    return _frame(out, dict.fromkeys(cols, pl.String))


def handover_content(warehouse: Path, plan: Plan, as_of: dt.date | None, tick: Tick) -> Pack:
    doc = evaluate(warehouse, plan, as_of)
    tick("Calcul des indicateurs")
    when = dt.date.fromisoformat(doc["as_of"])
    rows = doc["indicators"]
    actions = _action_rows(plan, None)
    sections = []
    for number, row in enumerate(rows, start=1):
        section = _funder_section(warehouse, plan, row, number, when, actions, breakdown=False)
        facts = tuple(
            ("Actions liées", v) if k == "Actions financées liées" else (k, v) for k, v in section.facts
        )
        sections.append(dataclasses.replace(section, facts=facts))
        tick(f"Indicateur : {row['label']}")
    parts = (
        decided_part(plan),
        delivered_part(plan, when),
        gained_part(warehouse, plan, when),
        commitments_part(plan, when),
        next_review_part(plan, when),
    )
    tick("Décisions, engagements et revues")
    diagnostic = diagnostic_part(warehouse, plan, when, CHART_WIDTH)
    tick("Diagnostic")
    sources = collect_sources(warehouse, plan.path, _tables(rows))
    counts: dict[str, int] = {}
    for r in rows:
        word = _status_word(r.get("status_label")) or "sans statut"
        counts[word] = counts.get(word, 0) + 1
    standing = ", ".join(f"{n} {word.lower()}" for word, n in counts.items())
    review = next_review(plan, when)
    cover = (
        ("Collectivité", _authority(plan)),
        ("Plan", f"{plan.title} ({fmt_date(plan.start)} – {fmt_date(plan.end)})"),
        ("Situation au", fmt_date(when)),
        ("Indicateurs", f"{len(rows)} : {standing}" if rows else "aucun"),
        ("Actions", f"{len(plan.actions)}, budget {fmt_eur(sum(a.budget for a in plan.actions))}"),
        ("Prochaine revue", f"{review[0]} ({fmt_date(review[1])})" if review else "aucune"),
    )
    intro = (
        "Ce bilan s'adresse à une nouvelle équipe ou à un partenaire : ce que le plan a décidé, où en est chacun de ses "
        f"{len(rows)} indicateurs au {fmt_date(when)} (valeur des 12 derniers mois, intervalle de confiance à 95 %, statut au "
        "regard de la trajectoire et significativité de l'évolution depuis la référence), les engagements qui courent "
        "encore, la prochaine revue et, quand il existe, le chemin parcouru depuis le diagnostic."
    )
    actions_data = frames.actions_data(actions, None)
    return Pack(
        kind="handover",
        stem=f"bilan-continuite-{slug(plan.authority['name'])}-{when.isoformat()}",
        title="Bilan et continuité du plan",
        authority=plan.authority["name"],
        plan_title=plan.title,
        as_of=when,
        cover=cover,
        intro=intro,
        summary=_summary(rows),
        summary_data=frames.summary_data(rows),
        sections=tuple(sections),
        actions=_actions_table(actions, None),
        actions_data=actions_data,
        actions_chart=None,
        method=_method(rows, doc.get("status_rule") or STATUS_RULE, "funder")
        + _revision_method(warehouse, plan, when),
        sources=sources,
        meta={"period_start": doc["period_start"], "period_end": doc["period_end"]},
        diagnostic=diagnostic,
        parts=parts,
        revisions=revisions_table(plan, when),
    )
