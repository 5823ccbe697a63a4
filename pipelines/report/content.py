"""Assemble a pack: numbers from :mod:`pipelines.indicators` (the same calls as ``barometre kpi`` and
the app), charts from :mod:`pipelines.present.charts` (the app's builders), French texts for the PDF.

Nothing here writes files. Values are worded by :mod:`pipelines.french` in its sentence form, the
words of ``barometre kpi`` (``63,1 %``, ``23,6 jours``); amounts and counts in its display form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipelines.errors import UnknownFunder
from pipelines.french import fmt_date, fmt_eur, fmt_int, fmt_number, fmt_p, fmt_pct, fmt_value
from pipelines.indicators import STATUS_RULE, Filters, breakdown, evaluate, review, series, trajectory
from pipelines.indicators.delays import median_lines as delay_median_lines
from pipelines.indicators.query import DATASETS, dataset_of
from pipelines.indicators.views import CHANNEL_LABELS
from pipelines.indicators.wording import CI_METHODS, amount, period_label
from pipelines.plan import ACTION_STATUSES, MEASURES, Indicator, Plan, revision_rows
from pipelines.plan_history import latest_warnings
from pipelines.present import action_links, charts, plan_charts, roadmap_frames
from pipelines.present.action_links import overdue_table, policy_summary
from pipelines.present.survey_words import report_facts
from pipelines.report import frames
from pipelines.report.diagnostic import diagnostic_part
from pipelines.report.feder import feder_parts
from pipelines.report.model import Chart, Pack, PolicyPart, Section
from pipelines.report.sources import Sources, collect_sources
from pipelines.warehouse import read_connection

CHART_WIDTH = (
    720  # px, axes and labels included (the builders fit the width): printed 180 mm wide, PNG at scale 2
)
WIDE_CHART_WIDTH = 900  # printed 180 mm wide too, so with smaller text
Tick = Callable[[str], None]


def slug(text: str) -> str:
    """``État (France Services)`` → ``etat-france-services`` (file names)."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", flat).strip("-") or "dossier"


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def resolve_funder(plan: Plan, name: str) -> str:
    """The plan's spelling of ``name`` (case and spacing ignored), else :class:`UnknownFunder`."""
    known = plan.funders()
    for funder in known:
        if _norm(funder) == _norm(name):
            return funder
    listed = (
        ", ".join(f"« {f} »" for f in known) if known else "aucun (aucune action n'a de ligne « funding »)"
    )
    raise UnknownFunder(f"Financeur « {name} » inconnu : financeurs du plan : {listed}.")


def _range(low: float | None, high: float | None, unit: str) -> str:
    return (
        "—"
        if low is None or high is None
        else f"{fmt_value(low, unit, sentence=True)} – {fmt_value(high, unit, sentence=True)}"
    )


def _signed(delta: float | None, unit: str) -> str:
    if delta is None:
        return "—"
    sign = "+" if delta > 0 else "−" if delta < 0 else ""
    return f"{sign}{amount(delta, unit)}"


def _status_word(label: str | None) -> str:
    return (label or "statut non calculé")[:1].upper() + (label or "statut non calculé")[1:]


def _scope(plan: Plan, ind: Indicator) -> str:
    services = {s["slug"]: s["label"] for s in plan.services}
    parts = []
    if ind.scope["services"]:
        parts.append("services : " + ", ".join(services.get(s, s) for s in ind.scope["services"]))
    if ind.scope["channels"]:
        parts.append("canaux : " + ", ".join(CHANNEL_LABELS.get(c, c) for c in ind.scope["channels"]))
    if ind.scope["communes"]:
        parts.append("communes : " + ", ".join(ind.scope["communes"]))
    if ind.scope["age_bands"]:
        parts.append("âges : " + ", ".join(ind.scope["age_bands"]))
    return " ; ".join(parts) or "tous services et canaux"


def _subtitle(plan: Plan, ind: Indicator) -> str:
    way = "plus haut = mieux" if ind.direction == "increase" else "plus bas = mieux"
    return f"{MEASURES[ind.measure][0]} ({way}) · périmètre : {_scope(plan, ind)}"


def _n_text(n: int | None, minimum: int) -> str:
    text = fmt_int(n)
    if n is not None and n < minimum:
        text += f" (sous le minimum de {fmt_int(minimum)} fixé par le plan : valeur indicative)"
    return text


def _projection(row: dict) -> dict | None:
    if row.get("projection") is None:
        return None
    return {
        "date": row["target_date"],
        "value": row["projection"],
        "low": row.get("projection_low"),
        "high": row.get("projection_high"),
    }


def _series_chart(
    warehouse: Path, plan: Plan, row: dict, number: int, until: dt.date | None, projection: dict | None
) -> Chart:
    ind = plan.indicator(row["id"])
    s = series(warehouse, plan, ind.id, Filters(end=until) if until else None)
    traj = trajectory(plan, ind.id, row.get("baseline_value"), row.get("period_end"))
    initial = trajectory(plan, ind.id, row.get("baseline_value"))
    fig = charts.series_figure(
        s,
        traj,
        label=ind.label,
        unit=ind.unit,
        min_sample=ind.min_sample,
        projection=projection,
        title=[ind.label, "évolution mensuelle"],
        width=CHART_WIDTH,
        height=220,
        original=initial,
    )
    data = frames.series_data(s, traj, projection, unit=ind.unit, min_sample=ind.min_sample)
    return Chart(
        f"{number:02d}-{slug(ind.id)}-serie",
        "Évolution mensuelle, trajectoire du plan et projection",
        fig,
        data,
    )


def _breakdown_chart(warehouse: Path, plan: Plan, row: dict, number: int, as_of: dt.date) -> Chart:
    ind = plan.indicator(row["id"])
    b = breakdown(warehouse, plan, ind.id, "service", as_of=as_of)
    period = f"du {fmt_date(dt.date.fromisoformat(row['period_start']))} au {fmt_date(dt.date.fromisoformat(row['period_end']))}"
    fig = charts.breakdown_figure(
        b,
        by="service",
        unit=ind.unit,
        label=ind.label,
        min_sample=ind.min_sample,
        title=[ind.label, f"par service, {period}"],
        width=CHART_WIDTH,
    )
    data = frames.breakdown_data(b, unit=ind.unit, min_sample=ind.min_sample)
    return Chart(f"{number:02d}-{slug(ind.id)}-services", f"Par service, {period}", fig, data)


# what the « Diagnostic » part reads: the answers, inventory, territory and consultations, and the
# requests, cases and responses behind the priorities' components
DIAGNOSTIC_TABLES = {
    "usage_events",
    "processing_cases",
    "survey_responses",
    "maturity_answers",
    "equipment",
    "territory",
    "consultation_items",
}


def _tables(rows: list[dict]) -> set[str]:
    """Warehouse tables feeding these indicators and the Diagnostic part (for the list of source files)."""
    return {DATASETS[dataset_of(r["measure"])] for r in rows} | DIAGNOSTIC_TABLES


def _action_rows(plan: Plan, funder: str | None) -> list[dict]:
    phases = {p.id: p.label for p in plan.phases}
    out = []
    for a in plan.actions:
        mine = sum(f.amount for f in a.funding if f.funder == funder) if funder else None
        if funder and not any(f.funder == funder for f in a.funding):
            continue
        out.append(
            {
                "id": a.id,
                "label": a.label,
                "phase": phases.get(a.phase or "", a.phase),
                "start": a.start,
                "end": a.end,
                "status": ACTION_STATUSES.get(a.status, a.status),
                "budget": a.budget,
                "amount": mine,
                "funding": [(f.funder, f.amount) for f in a.funding],
                "indicators": list(a.indicators),
            }
        )
    return sorted(out, key=lambda r: -(r["amount"] or 0)) if funder else out


def _actions_table(rows: list[dict], funder: str | None) -> pl.DataFrame:
    def when(r: dict) -> str:
        start, end = r["start"], r["end"]
        return f"{start:%m/%Y} – {end:%m/%Y}" if start and end else "—"

    out = []
    for r in rows:
        row = {
            "Action": f"{r['id']} · {r['label']}",
            "Période": when(r),
            "Statut": r["status"],
            "Budget": fmt_eur(r["budget"]),
        }
        if funder:
            row[f"Montant {funder}"] = fmt_eur(r["amount"])
            row["Part"] = fmt_pct(r["amount"] / r["budget"], 0) if r["budget"] else "—"
        else:
            row["Financements"] = (
                " ; ".join(f"{name} {fmt_eur(value)}" for name, value in r["funding"]) or "—"
            )
        row["Indicateurs"] = ", ".join(r["indicators"]) or "—"
        out.append(row)
    cols = [
        "Action",
        "Période",
        "Statut",
        "Budget",
        *([f"Montant {funder}", "Part"] if funder else ["Financements"]),
        "Indicateurs",
    ]
    return (
        pl.DataFrame(out, schema=dict.fromkeys(cols, pl.String), orient="row")
        if out
        else pl.DataFrame(schema=dict.fromkeys(cols, pl.String))
    )


def _method(rows: list[dict], status_rule: str, kind: str) -> tuple[str, ...]:
    intervals = sorted(
        {f"{MEASURES[r['measure']][0]} : {r.get('ci_method') or CI_METHODS[r['measure']]}" for r in rows}
    )
    tests = sorted({t for r in rows if (t := (r.get("change") or r).get("test"))})
    period = (
        (
            "Chaque valeur porte sur les 12 mois complets qui précèdent la date de situation (moyenne glissante, qui efface "
            "les effets de saison) ; la référence, sur la période de référence fixée par le plan."
        )
        if kind == "funder"
        else (
            "Chaque indicateur est calculé sur la période de référence et sur la période de revue fixées par le plan, en mois complets ; "
            "une revue en cours est lue sur les mois déjà observés."
        )
    )
    return (
        period,
        "Statut. " + status_rule,
        "Progression vers la cible : 100 × (valeur − référence) ÷ (cible − référence), dans le sens de l'indicateur, bornée entre 0 et 100 %.",
        "Incertitude : chaque valeur est donnée avec son intervalle de confiance à 95 % et son effectif n. "
        + (" ; ".join(intervals) + "." if intervals else ""),
        "Évolution depuis la référence : elle est dite significative quand le test donne p < 0,05 (moins d'une chance sur 20 "
        "qu'un écart aussi grand tienne au seul hasard de l'échantillon) ; pour une médiane ou un 9e décile de délai, quand "
        "l'intervalle bootstrap à 95 % de l'écart exclut 0 (pas de valeur p)"
        + (f" ; tests employés : {', '.join(tests)}." if tests else "."),
        "Fichiers joints : chaque graphique en PNG et SVG (graphiques/), les données de chaque graphique en XLSX (une feuille par "
        "indicateur) et en CSV (donnees/ ; UTF-8 avec BOM, séparateur point-virgule, virgule décimale, dates AAAA-MM-JJ : ils "
        "s'ouvrent tels quels dans un tableur réglé en français). Un texte de cellule commençant par = + - @ est écrit comme "
        "texte, jamais comme formule. manifest.json donne l'empreinte SHA-256 de chaque fichier du dossier.",
    )


def revisions_table(plan: Plan, when: dt.date) -> pl.DataFrame:
    """Every dated revision of the plan's indicators (French strings): indicator, date, decision,
    reason, old → new target, and where it stands at the date of the pack."""
    labels = {i.id: i for i in plan.indicators}
    in_force = {
        i.id: max((r.date for r in i.revisions if r.date <= when), default=None) for i in plan.indicators
    }
    rows = []
    for r in revision_rows(plan):
        ind = labels[r["indicator_id"]]
        state = (
            "à venir"
            if r["date"] > when
            else ("en vigueur" if in_force[ind.id] == r["date"] else "remplacée depuis")
        )
        rows.append(
            {
                "Indicateur": ind.label,
                "Date": fmt_date(r["date"]),
                "Décision": r["decision"],
                "Motif": r["reason"] or "—",
                "Cible": f"{fmt_value(r['previous_target_value'], ind.unit, sentence=True)} au "
                f"{fmt_date(r['previous_target_date'])} → {fmt_value(r['target_value'], ind.unit, sentence=True)} au "
                f"{fmt_date(r['target_date'])}",
                f"Au {fmt_date(when)}": state,
            }
        )
    columns = ["Indicateur", "Date", "Décision", "Motif", "Cible", f"Au {fmt_date(when)}"]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


def _revision_method(warehouse: Path, plan: Plan, when: dt.date) -> tuple[str, ...]:
    """The method's lines on revisions: the rule, and every change of the plan made without one."""
    count = sum(len(i.revisions) for i in plan.indicators)
    lines = [
        "Révisions du plan : une cible ou des jalons ne se modifient que par une révision datée, avec la référence de "
        "sa décision ; la trajectoire d'origine est conservée. Chaque indicateur est jugé sur la trajectoire en vigueur "
        f"au {fmt_date(when)} (la dernière révision datée de ce jour ou d'avant). "
        + (
            f"{count} révision{'s' if count > 1 else ''} : voir le tableau « Révisions des cibles »."
            if count
            else "Aucune révision à ce jour."
        )
    ]
    ids = {i.id for i in plan.indicators}
    with read_connection(warehouse) as con:
        lines += [f"Attention : {w}" for ind_id, w in latest_warnings(con) if ind_id in ids]
    return tuple(lines)


def _sources_lines(sources: Sources) -> tuple[tuple[str, str], ...]:
    files = len(sources.files)
    return (
        (
            "Données",
            f"{files} fichier{'s' if files > 1 else ''} importé{'s' if files > 1 else ''} ; empreinte {sources.fingerprint[:16]}…",
        ),
        ("Logiciel", f"Baromètre {sources.versions['barometre']}"),
    )


# ---------------------------------------------------------------------------- funder pack


def funder_content(warehouse: Path, plan: Plan, funder: str, as_of: dt.date | None, tick: Tick) -> Pack:
    """The pack of one funder: its actions, the indicators they target, their charts and data."""
    funder = resolve_funder(plan, funder)
    actions = _action_rows(plan, funder)
    linked = {i for a in actions for i in a["indicators"]}
    targets = dataclasses.replace(plan, indicators=tuple(i for i in plan.indicators if i.id in linked))
    doc = evaluate(warehouse, targets, as_of)
    tick("Calcul des indicateurs")
    when = dt.date.fromisoformat(doc["as_of"])
    sections = []
    for number, row in enumerate(doc["indicators"], start=1):
        sections.append(_funder_section(warehouse, plan, row, number, when, actions))
        tick(f"Indicateur : {row['label']}")
    rows = doc["indicators"]
    total, budget = sum(a["amount"] for a in actions), sum(a["budget"] for a in actions)
    funding = roadmap_frames.funder_rows(plan, funder)
    chart = plan_charts.funder_figure(
        funding, funder=funder, title=f"Actions financées par {funder}", width=CHART_WIDTH
    )
    actions_data = frames.actions_data(actions, funder)
    sources = collect_sources(warehouse, plan.path, _tables(rows))
    period = f"12 mois du {fmt_date(dt.date.fromisoformat(doc['period_start']))} au {fmt_date(when)}"
    share = f" sur un budget de {fmt_eur(budget)} ({fmt_pct(total / budget, 0)})" if budget else ""
    cover = (
        ("Collectivité", _authority(plan)),
        ("Plan", f"{plan.title} ({fmt_date(plan.start)} – {fmt_date(plan.end)})"),
        ("Financeur", funder),
        (
            "Actions financées",
            f"{len(actions)} action{'s' if len(actions) > 1 else ''} : {fmt_eur(total)}{share}",
        ),
        ("Indicateurs suivis", str(len(rows))),
        ("Situation au", f"{fmt_date(when)} ({period})"),
        *_sources_lines(sources),
    )
    intro = (
        (
            f"Ce dossier présente les {len(rows)} indicateur{'s' if len(rows) > 1 else ''} du plan visé{'s' if len(rows) > 1 else ''} par "
            f"les actions financées par {funder} ({fmt_eur(total)}). Chaque valeur porte sur les {period}, avec son intervalle de "
            "confiance à 95 % et son effectif (n) ; elle est comparée à la référence et à la trajectoire fixée par le plan."
        )
        if rows
        else f"Les actions financées par {funder} ({fmt_eur(total)}) ne sont reliées à aucun indicateur du plan."
    )
    return Pack(
        kind="funder",
        stem=f"dossier-{slug(funder)}-{when.isoformat()}",
        title=f"Dossier financeur : {funder}",
        authority=plan.authority["name"],
        plan_title=plan.title,
        as_of=when,
        cover=cover,
        intro=intro,
        summary=_funder_summary(rows),
        summary_data=frames.summary_data(rows),
        sections=tuple(sections),
        actions=_actions_table(actions, funder),
        actions_data=actions_data,
        actions_chart=Chart("financement", f"Actions financées par {funder}", chart, actions_data),
        method=_method(rows, doc.get("status_rule") or STATUS_RULE, "funder")
        + _revision_method(warehouse, targets, when),
        revisions=revisions_table(targets, when),
        sources=sources,
        meta={"funder": funder, "period_start": doc["period_start"], "period_end": doc["period_end"]},
        diagnostic=diagnostic_part(warehouse, plan, when, CHART_WIDTH),
        overdue=overdue_table(plan, when, {a["id"] for a in actions}),
        parts=feder_parts(warehouse, plan, funder, when),  # FEDER common indicators RCO14, RCR11
    )


def _authority(plan: Plan) -> str:
    siren = plan.authority.get("siren")
    return f"{plan.authority['name']} (SIREN {siren})" if siren else plan.authority["name"]


def _funder_section(
    warehouse: Path,
    plan: Plan,
    row: dict,
    number: int,
    when: dt.date,
    actions: list[dict],
    breakdown: bool = True,
) -> Section:
    """One indicator's page: facts, sentences, its series chart and (``breakdown``) its chart by service."""
    ind = plan.indicator(row["id"])
    unit = ind.unit
    projection = _projection(row)
    base_period = period_label(
        dt.date.fromisoformat(row["baseline_start"]), dt.date.fromisoformat(row["baseline_end"])
    )
    base = fmt_value(row["baseline_value"], unit, sentence=True)
    if row.get("baseline_source") == "computed":
        base += f" ({_range(row.get('baseline_ci_low'), row.get('baseline_ci_high'), unit)} ; n = {fmt_int(row.get('baseline_n'))})"
    elif row.get("baseline_value") is not None:
        base += " (valeur saisie dans le plan)"
    facts = [
        (
            f"Valeur, {fmt_date(dt.date.fromisoformat(row['period_start']))} – {fmt_date(when)}",
            fmt_value(row["value"], unit, sentence=True),
        ),
        ("Intervalle de confiance à 95 %", _range(row.get("ci_low"), row.get("ci_high"), unit)),
        ("Effectif (n)", _n_text(row.get("n"), ind.min_sample)),
        *delay_median_lines(row),
        (f"Référence ({base_period})", base),
        (f"Cible au {fmt_date(row['target_date'])}", fmt_value(row["target_value"], unit, sentence=True)),
        (
            f"Attendu en moyenne sur la période, au {fmt_date(when)} (trajectoire)",
            fmt_value(row.get("expected_period", row.get("expected_now")), unit, sentence=True),
        ),
        (
            "Progression vers la cible",
            "—"
            if row.get("progress_pct") is None
            else f"{fmt_number(row['progress_pct'], 0, sentence=True)}\u00a0%",
        ),
        ("Écart à la référence", _signed(row["change"].get("delta"), unit)),
        *report_facts(row),  # issue 17: weighted headline, raw value, questionnaire
    ]
    if projection:
        facts.append(
            (
                f"Projection au {fmt_date(row['target_date'])}",
                f"{fmt_value(projection['value'], unit, sentence=True)} "
                f"({_range(projection.get('low'), projection.get('high'), unit)})",
            )
        )
    funded = [a["id"] for a in actions if ind.id in a["indicators"]]
    facts.append(("Actions financées liées", ", ".join(funded)))
    sentences = (row["change"]["sentence"], row.get("status_reason") or "")
    charts_ = (_series_chart(warehouse, plan, row, number, when, projection),)
    if breakdown:
        charts_ += (_breakdown_chart(warehouse, plan, row, number, when),)
    return Section(
        number,
        ind.id,
        ind.label,
        _subtitle(plan, ind),
        row.get("status") or "",
        _status_word(row.get("status_label")),
        tuple(facts),
        tuple(s for s in sentences if s),
        ind.methodology,
        charts_,
    )


def _funder_summary(rows: list[dict]) -> pl.DataFrame:
    out = [
        {
            "Indicateur": r["label"],
            "Valeur": fmt_value(r["value"], r["unit"], sentence=True),
            "Intervalle à 95 %": _range(r["ci_low"], r["ci_high"], r["unit"]),
            "n": fmt_int(r["n"]),
            "Référence": fmt_value(r["baseline_value"], r["unit"], sentence=True),
            "Cible": fmt_value(r["target_value"], r["unit"], sentence=True),
            "Progression": "—"
            if r.get("progress_pct") is None
            else f"{fmt_number(r['progress_pct'], 0, sentence=True)}\u00a0%",
            "Statut": _status_word(r.get("status_label")),
        }
        for r in rows
    ]
    cols = ["Indicateur", "Valeur", "Intervalle à 95 %", "n", "Référence", "Cible", "Progression", "Statut"]
    return (
        pl.DataFrame(out, schema=dict.fromkeys(cols, pl.String), orient="row")
        if out
        else pl.DataFrame(schema=dict.fromkeys(cols, pl.String))
    )


# ---------------------------------------------------------------------------- review report


def review_content(
    warehouse: Path, plan: Plan, review_name: str | None, as_of: dt.date | None, tick: Tick
) -> Pack:
    """The periodic review: every indicator, baseline period against review period, with the tests."""
    doc = review(warehouse, plan, review_name, as_of)
    tick("Calcul de la revue")
    end = dt.date.fromisoformat(doc["end"])
    observed = any(r.get("n") for r in doc["indicators"])
    complete = doc.get("complete", True)
    # the date the review was read at: its end once complete, else the last month observed (or the date asked)
    when = end if complete or observed else min(as_of or end, end)
    state = (
        "complète"
        if complete
        else f"en cours : lue sur les mois observés, jusqu'au {fmt_date(end)}"
        if observed
        else "pas encore de données sur la période de revue"
    )
    base_label = _period(doc["baseline_start"], doc["baseline_end"], "Référence")
    review_label = _period(doc["start"], doc["end"], "Revue")
    sections = []
    for number, row in enumerate(doc["indicators"], start=1):
        sections.append(_review_section(warehouse, plan, row, number, doc, base_label, review_label, when))
        tick(f"Indicateur : {row['label']}")
    rows = doc["indicators"]
    actions = _action_rows(plan, None)
    actions_data = frames.actions_data(actions, None)
    funding = roadmap_frames.funding_frame(plan)
    chart = None
    if funding.height:
        # wider than the others: its legend (one entry per funder) is laid out on one line
        fig = plan_charts.funding_figure(
            funding, title="Financement des actions du plan", width=WIDE_CHART_WIDTH
        )
        chart = Chart("financement", "Financement des actions du plan", fig, actions_data)
    sources = collect_sources(warehouse, plan.path, _tables(rows))
    significant = sum(1 for r in rows if r.get("significant"))
    cover = (
        ("Collectivité", _authority(plan)),
        ("Plan", f"{plan.title} ({fmt_date(plan.start)} – {fmt_date(plan.end)})"),
        ("Revue", doc["name"]),
        ("Période de référence", _dates(doc["baseline_start"], doc["baseline_end"])),
        ("Période de revue", _dates(doc["start"], doc["end"])),
        ("État de la revue", state),
        ("Lue au", fmt_date(when)),
        ("Indicateurs", f"{len(rows)}, dont {significant} en évolution significative"),
        *_sources_lines(sources),
    )
    intro = (
        f"Cette revue compare, pour chacun des {len(rows)} indicateurs du plan, la période de référence et la période de revue, "
        "avec l'intervalle de confiance à 95 % et l'effectif (n) de chaque valeur, le test de l'évolution et le statut au regard "
        "de la trajectoire fixée par le plan."
    )
    return Pack(
        kind="review",
        stem=f"revue-{slug(doc['name'])}-{when.isoformat()}",
        title=f"Revue du plan : {doc['name']}",
        authority=plan.authority["name"],
        plan_title=plan.title,
        as_of=when,
        cover=cover,
        intro=intro,
        summary=_review_summary(rows),
        summary_data=frames.summary_data(rows, value_key="review_value"),
        sections=tuple(sections),
        actions=_actions_table(actions, None),
        actions_data=actions_data,
        actions_chart=chart,
        method=_method(rows, STATUS_RULE, "review") + _revision_method(warehouse, plan, when),
        revisions=revisions_table(plan, when),
        sources=sources,
        meta={
            "review": doc["name"],
            "baseline_start": doc["baseline_start"],
            "baseline_end": doc["baseline_end"],
            "review_start": doc["start"],
            "review_end": doc["end"],
            "review_complete": complete,
        },
        diagnostic=diagnostic_part(warehouse, plan, when, CHART_WIDTH),
        overdue=overdue_table(plan, when),
        policies=_policy_part(plan),
    )


def _policy_part(plan: Plan) -> PolicyPart | None:
    if not plan.actions:
        return None
    return PolicyPart(
        policy_summary(plan), action_links.policy_figure(plan).table, action_links.policy_matrix_data(plan)
    )


def _period(start: str | None, end: str | None, word: str) -> str:
    """``Référence 2023``, ``Revue 11/2025 – 10/2026``: short enough for a chart's axis."""
    if not start or not end:
        return f"{word} (pas de données)"
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return f"{word} {period_label(first, last)}"
    return f"{word} {first:%m/%Y} – {last:%m/%Y}"


def _dates(start: str | None, end: str | None) -> str:
    if not start or not end:
        return "pas de données"
    return f"du {fmt_date(dt.date.fromisoformat(start))} au {fmt_date(dt.date.fromisoformat(end))}"


def _review_section(
    warehouse: Path,
    plan: Plan,
    row: dict,
    number: int,
    doc: dict,
    base_label: str,
    review_label: str,
    end: dt.date | None,
) -> Section:
    ind = plan.indicator(row["id"])
    unit = ind.unit
    base = f"{fmt_value(row['baseline_value'], unit, sentence=True)}"
    if row.get("baseline_source") == "computed":
        base += f" ({_range(row.get('baseline_ci_low'), row.get('baseline_ci_high'), unit)} ; n = {fmt_int(row.get('baseline_n'))})"
    elif row.get("baseline_value") is not None:
        base += " (valeur saisie dans le plan)"
    facts = (
        (base_label, base),
        (
            review_label,
            "pas de données sur la période"
            if row.get("review_value") is None
            else f"{fmt_value(row['review_value'], unit, sentence=True)} ({_range(row.get('ci_low'), row.get('ci_high'), unit)} ; "
            f"n = {_n_text(row.get('n'), ind.min_sample)})",
        ),
        ("Évolution", _signed(row.get("delta"), unit)),
        (
            "Test",
            f"{row['test']}, {fmt_p(row['p_value'])}"
            if row.get("test") and row.get("p_value") is not None
            else row.get("test") or "—",  # a bootstrap interval: no p-value, the interval is in the sentence
        ),
        (
            "Évolution significative (seuil de 5 %)",
            "—" if row.get("significant") is None else ("oui" if row["significant"] else "non"),
        ),
        (
            "Attendu en moyenne sur la période de revue (trajectoire)",
            fmt_value(row.get("expected_period", row.get("expected")), unit, sentence=True),
        ),
        (f"Cible au {fmt_date(row['target_date'])}", fmt_value(row["target_value"], unit, sentence=True)),
    )
    base_text, review_text = base_label.split(" ", 1)[0], review_label.split(" ", 1)[0]
    fig = charts.review_figure(row, baseline_label=base_label, review_label=review_label, width=CHART_WIDTH)
    title = f"{base_text} et {review_text.lower()} : valeurs et intervalles à 95 %, cible en pointillés"
    compare = Chart(
        f"{number:02d}-{slug(ind.id)}-revue", title, fig, frames.review_data(row, doc), heading=title
    )
    charts_ = (compare, _series_chart(warehouse, plan, row, number, end, None))
    sentences = (row.get("sentence") or "", row.get("status_reason") or "")
    return Section(
        number,
        ind.id,
        ind.label,
        _subtitle(plan, ind),
        row.get("status") or "",
        _status_word(row.get("status_label")),
        facts,
        tuple(s for s in sentences if s),
        ind.methodology,
        charts_,
    )


def _review_summary(rows: list[dict]) -> pl.DataFrame:
    out = [
        {
            "Indicateur": r["label"],
            "Référence": fmt_value(r["baseline_value"], r["unit"], sentence=True),
            "Revue": fmt_value(r["review_value"], r["unit"], sentence=True),
            "Intervalle à 95 %": _range(r["ci_low"], r["ci_high"], r["unit"]),
            "n": fmt_int(r["n"]),
            "Évolution": _signed(r.get("delta"), r["unit"]),
            "Significative": "—" if r.get("significant") is None else ("oui" if r["significant"] else "non"),
            "Cible": fmt_value(r["target_value"], r["unit"], sentence=True),
            "Statut": _status_word(r.get("status_label")),
        }
        for r in rows
    ]
    cols = [
        "Indicateur",
        "Référence",
        "Revue",
        "Intervalle à 95 %",
        "n",
        "Évolution",
        "Significative",
        "Cible",
        "Statut",
    ]
    return (
        pl.DataFrame(out, schema=dict.fromkeys(cols, pl.String), orient="row")
        if out
        else pl.DataFrame(schema=dict.fromkeys(cols, pl.String))
    )
