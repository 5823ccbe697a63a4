"""French sentences of the indicator engine: how each interval is computed, periods in words, and
the change since the baseline (« Hausse significative de 12,3 points depuis 2023 (p < 0,001). »).

They are part of the ``barometre kpi --json`` document, so they are built here, in the indicators
layer; the numbers in them come from :mod:`pipelines.french` (sentence form), the one formatter.
"""

from __future__ import annotations

import datetime as dt

from pipelines.french import NBSP_WIDE, fmt_date, fmt_number, fmt_p

CI_METHODS = {
    "take_up": "intervalle de confiance à 95 % de Wilson",
    "assisted_share": "intervalle de confiance à 95 % de Wilson",
    "within_deadline": "intervalle de confiance à 95 % de Wilson",
    "satisfied_share": "intervalle de confiance à 95 % de Wilson",
    "delay_median": "intervalle à 95 % sans hypothèse sur la loi des délais (statistiques d'ordre, loi binomiale exacte)",
    "delay_p90": "intervalle à 95 % sans hypothèse sur la loi des délais (statistiques d'ordre, loi binomiale exacte)",
    "delay_mean": "intervalle de confiance à 95 % de Student",
    "satisfaction_mean": "intervalle de confiance à 95 % de Student",
    "nps": "intervalle de confiance à 95 % de Student sur les notes individuelles (+100 promoteur, 0 neutre, −100 détracteur)",
    "backlog": "comptage exhaustif des dossiers ouverts : pas d'intervalle",
    "completion_rate": "intervalle de confiance à 95 % de Wilson",
    "cost_per_transaction": "pas d'intervalle : les volumes sont des comptages exhaustifs et les coûts unitaires des hypothèses du plan, pas des échantillons",
}

# (unit of a change in words, singular, plural, factor applied to the raw difference)
CHANGE_UNITS = {
    "%": ("point", "points", 100.0),
    "jours": ("jour", "jours", 1.0),
    "/10": ("point sur 10", "points sur 10", 1.0),
    "points": ("point", "points", 1.0),
    "dossiers": ("dossier", "dossiers", 1.0),
    "€": ("euro", "euros", 1.0),
}


def period_label(start: dt.date, end: dt.date) -> str:
    """``2023`` for a calendar year, ``2022–2023`` for whole years, else ``la période du 01/01/2023 au 30/06/2023``."""
    if start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31:
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    return f"la période du {fmt_date(start)} au {fmt_date(end)}"


def amount(delta: float, unit: str) -> str:
    """``12,3 points``, ``1,2 jour``, ``0,4 point sur 10`` (French plural from 2 on)."""
    singular, plural, factor = CHANGE_UNITS.get(unit, ("", "", 1.0))
    value = abs(delta) * factor
    decimals = 0 if unit == "dossiers" else 1
    shown = round(value, decimals)
    word = singular if shown < 2 else plural
    return f"{fmt_number(value, decimals, sentence=True)}{NBSP_WIDE}{word}".rstrip()


def change_sentence(
    delta: float | None,
    unit: str,
    since: str,
    p_value: float | None,
    significant: bool | None,
    no_test_reason: str | None = None,
) -> str:
    """One sentence an evaluator can read: « Hausse significative de 12,3 points depuis 2023 (p < 0,001). »"""
    if delta is None:
        return no_test_reason or "Évolution non calculable."
    if round(abs(delta) * CHANGE_UNITS.get(unit, ("", "", 1.0))[2], 1) == 0:
        head = f"Stabilité depuis {since}"
    else:
        word = "Hausse" if delta > 0 else "Baisse"
        quality = "" if significant is None else (" significative" if significant else " non significative")
        head = f"{word}{quality} de {amount(delta, unit)} depuis {since}"
    if p_value is not None:
        return f"{head} ({fmt_p(p_value)})."
    return f"{head} ; {no_test_reason}" if no_test_reason else f"{head}."
