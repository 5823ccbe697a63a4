"""French wording of indicator values, intervals and changes (decimal comma, narrow no-break space).

Kept here rather than in the dashboard so that the CLI, the app and the reports print the same words.
"""

from __future__ import annotations

import datetime as dt
import math

NBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP_WIDE = "\u00a0"  # before « % » and units

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
}

# (unit of a change in words, singular, plural, factor applied to the raw difference)
CHANGE_UNITS = {
    "%": ("point", "points", 100.0),
    "jours": ("jour", "jours", 1.0),
    "/10": ("point sur 10", "points sur 10", 1.0),
    "points": ("point", "points", 1.0),
    "dossiers": ("dossier", "dossiers", 1.0),
}


def fmt_number(x: float | None, decimals: int = 1) -> str:
    """``1234.56`` → ``1 234,6`` (narrow no-break space, decimal comma); ``None`` → ``—``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if round(x, decimals) == 0:
        x = 0.0  # no « -0,0 »
    return f"{x:,.{decimals}f}".replace(",", NBSP).replace(".", ",")


def fmt_value(x: float | None, unit: str) -> str:
    """A measure value with its unit: ``63,1 %``, ``23,6 jours``, ``7,2 / 10``, ``1 234 dossiers``."""
    if x is None:
        return "—"
    if unit == "%":
        return f"{fmt_number(100 * x)}{NBSP_WIDE}%"
    if unit == "jours":
        return f"{fmt_number(x)}{NBSP_WIDE}{'jour' if abs(round(x, 1)) < 2 else 'jours'}"
    if unit == "/10":
        return f"{fmt_number(x)}{NBSP_WIDE}/{NBSP_WIDE}10"
    if unit == "dossiers":
        return f"{fmt_number(x, 0)}{NBSP_WIDE}{'dossier' if abs(x) < 2 else 'dossiers'}"
    if unit == "points":
        return f"{fmt_number(x)}{NBSP_WIDE}{'point' if abs(round(x, 1)) < 2 else 'points'}"
    return fmt_number(x)


def fmt_date(d: dt.date | None) -> str:
    return "—" if d is None else d.strftime("%d/%m/%Y")


def fmt_p(p: float) -> str:
    """``p = 0,012`` or ``p < 0,001``."""
    return f"p{NBSP_WIDE}<{NBSP_WIDE}0,001" if p < 0.001 else f"p{NBSP_WIDE}={NBSP_WIDE}{fmt_number(p, 3)}"


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
    return f"{fmt_number(value, decimals)}{NBSP_WIDE}{word}".rstrip()


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
