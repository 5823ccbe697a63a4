"""French words of the survey indicators' method (issue 17): raw and weighted values side by side,
which one is the headline, and the questionnaire note — for the app's cards and Indicateur page and
for the reports (one source, so that they say the same)."""

from __future__ import annotations

from pipelines.french import fmt_int, fmt_interval, fmt_number, fmt_value


def weighting_line(ind: dict) -> str | None:
    """``Redressée par canal (valeur en tête) : 45,0 % · brute : 60,0 % (52,1 % – 67,4 %), 10 réponses ·
    effectif équivalent 8`` — None for an unweighted indicator."""
    w = ind.get("weighting")
    if not w:
        return None
    unit = ind["unit"]
    raw = (
        f"brute : {fmt_value(w['raw_value'], unit)} ({fmt_interval(w['raw_ci_low'], w['raw_ci_high'], unit)}), "
        f"{fmt_int(w['raw_n'])} réponses"
    )
    if w["headline"] != "weighted":
        return f"Valeur brute en tête, non redressée : {w.get('note') or ''}".strip()
    return (
        f"Redressée {w['label']} sur la répartition des demandes (valeur en tête) : "
        f"{fmt_value(w['weighted_value'], unit)} · {raw} · effectif équivalent (Kish) "
        f"{fmt_number(w['effective_n'], 0)}"
    )


def report_facts(ind: dict) -> list[tuple[str, str]]:
    """Rows of an indicator's facts table in the reports: headline, raw value, effective size, questionnaire."""
    out: list[tuple[str, str]] = []
    w = ind.get("weighting")
    unit = ind["unit"]
    if w:
        if w["headline"] == "weighted":
            out.append(("Valeur en tête", f"redressée {w['label']} sur la répartition des demandes"))
            out.append(
                (
                    "Valeur brute (répondants, non redressée)",
                    f"{fmt_value(w['raw_value'], unit, sentence=True)} "
                    f"({fmt_interval(w['raw_ci_low'], w['raw_ci_high'], unit, sentence=True)} ; n = {fmt_int(w['raw_n'])})",
                )
            )
            out.append(("Effectif équivalent (Kish)", fmt_number(w["effective_n"], 0, sentence=True)))
        else:
            out.append(("Valeur en tête", "brute : " + (w.get("note") or "non redressée")))
    note = (ind.get("quality") or {}).get("instrument_note")
    if note:
        out.append(("Questionnaire", note))
    return out


def survey_method_facts(spec) -> list[str]:
    """Method facts of a plan indicator (``pipelines.plan.Indicator``): its weighting and questionnaire."""
    from pipelines.indicators.instruments import label
    from pipelines.indicators.weighting import LABELS

    out = []
    if getattr(spec, "weighting", None):
        out.append(
            f"Redressement : {LABELS[spec.weighting]}, sur la répartition des demandes de la période "
            "(valeur redressée en tête, valeur brute à côté)"
        )
    if getattr(spec, "instrument", None):
        out.append(f"Questionnaire : {label(spec.instrument)} uniquement")
    return out
