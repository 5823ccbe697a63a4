"""French numbers, dates and units — the one formatter of Baromètre: ``1 234,5``, ``45,2 %``,
``27/11/2026``, ``oct. 2026``.

Everything a user reads goes through here: the app's pages, tables and charts, the PDF and XLSX of
the funder pack, the CLI's console tables and the sentences of ``barometre kpi`` (status reasons,
changes since the baseline).

Why it sits at the bottom of ``pipelines/`` and not in the presentation layer (``pipelines/present``):
the indicator engine itself words its results — a status comes with its reason (« Valeur de 63,1 %
pour 60,0 % attendus au 31/10/2026. ») and a change with its sentence, both part of the
``barometre kpi --json`` document — and the indicators layer sits below the presentation layer, so
it may not import it. Moving those sentences up into the presentation layer would change the
engine's public document; keeping the formatter low lets both layers share one implementation.
This module imports nothing from Baromètre.

Two forms of the same numbers, both kept as they have always been printed:

- the display form (default), for tables and charts: short units (``23,6 j``, ``3,0 pts``, a count
  of cases without unit) and the typographic minus (``−1,5``);
- the sentence form (``sentence=True``), for the sentences of ``barometre kpi``, the PDF's values
  and the review: units in words with the French plural from 2 on (``1,2 jour``, ``23,6 jours``,
  ``1 234 dossiers``), a plain hyphen for minus and never ``-0,0``.
"""

from __future__ import annotations

import datetime as dt
import math

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
NBSP_WIDE = "\u00a0"  # no-break space, before units and signs (%, €, j)
MINUS = "\u2212"  # typographic minus of the display form
MISSING = "—"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

SHORT_UNITS = {"jours": "j", "points": "pts", "dossiers": ""}  # display form; "" = no unit shown
WORD_UNITS = {"jours": ("jour", "jours"), "points": ("point", "points"), "dossiers": ("dossier", "dossiers")}


def missing(x: object) -> bool:
    """None or NaN: shown as ``—``."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float | None, decimals: int = 1, *, sentence: bool = False) -> str:
    """``1234.56`` → ``1 234,6`` (narrow no-break space, decimal comma); ``None`` → ``—``.

    Display form: ``−3,25`` (typographic minus). Sentence form: ``-3,25``, and a value that rounds
    to zero is ``0,0``, never ``-0,0``."""
    if missing(x):
        return MISSING
    if sentence and round(x, decimals) == 0:
        x = 0.0
    text = f"{x:,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return MINUS + text[1:] if text.startswith("-") and not sentence else text


def fmt_int(x: float | None) -> str:
    """A count: ``41 276``."""
    return fmt_number(x, 0)


def fmt_pct(x: float | None, decimals: int = 1, *, sentence: bool = False) -> str:
    """A fraction (0–1) as a French percentage: ``45,2 %``."""
    return MISSING if missing(x) else f"{fmt_number(100 * x, decimals, sentence=sentence)}{NBSP_WIDE}%"


def fmt_eur(x: float | None) -> str:
    """An amount in euros, without cents: ``250 000 €``."""
    return MISSING if missing(x) else f"{fmt_number(x, 0)}{NBSP_WIDE}€"


def unit_word(unit: str, shown: float) -> str:
    """``jour``/``jours``…: singular below 2 (French plural), for the value as shown."""
    singular, plural = WORD_UNITS[unit]
    return singular if shown < 2 else plural


def fmt_value(x: float | None, unit: str, *, sentence: bool = False) -> str:
    """A measure value with its plan unit (``%``, ``jours``, ``/10``, ``points``, ``dossiers``).

    Display form: ``63,1 %``, ``23,6 j``, ``7,2 / 10``, ``3,0 pts``, ``1 234``. Sentence form:
    ``63,1 %``, ``23,6 jours``, ``7,2 / 10``, ``3,0 points``, ``1 234 dossiers``."""
    if missing(x):
        return MISSING
    if unit == "%":
        return fmt_pct(x, sentence=sentence)
    if unit == "€":
        return f"{fmt_number(x, 2, sentence=sentence)}{NBSP_WIDE}€"
    if unit == "/10":
        return f"{fmt_number(x, 1, sentence=sentence)}{NBSP_WIDE}/{NBSP_WIDE}10"
    if unit not in WORD_UNITS:
        return fmt_number(x, 1, sentence=sentence)
    decimals = 0 if unit == "dossiers" else 1
    number = fmt_number(x, decimals, sentence=sentence)
    if sentence:
        shown = abs(x) if unit == "dossiers" else abs(round(x, 1))
        return f"{number}{NBSP_WIDE}{unit_word(unit, shown)}"
    return f"{number}{NBSP_WIDE}{SHORT_UNITS[unit]}" if SHORT_UNITS[unit] else number


def fmt_delta(x: float | None, unit: str) -> str:
    """A signed change in the indicator's unit (display form); rates change by percentage points."""
    if missing(x):
        return MISSING
    sign = "+" if x > 0 else ""
    if unit == "%":
        return f"{sign}{fmt_number(100 * x, 1)}{NBSP_WIDE}pt{'s' if abs(100 * x) >= 2 else ''}"
    return f"{sign}{fmt_value(x, unit)}"


def fmt_interval(low: float | None, high: float | None, unit: str, *, sentence: bool = False) -> str:
    """``61,2 % – 65,0 %``, or ``—`` when the interval is unknown."""
    if missing(low) or missing(high):
        return MISSING
    return f"{fmt_value(low, unit, sentence=sentence)} – {fmt_value(high, unit, sentence=sentence)}"


def as_date(d: dt.date | dt.datetime | str | None) -> dt.date | None:
    """A date from a date, a datetime or ISO text (its first 10 characters)."""
    if d is None:
        return None
    if isinstance(d, str):
        return dt.date.fromisoformat(d[:10])
    return d.date() if isinstance(d, dt.datetime) else d


def fmt_date(d: dt.date | str | None) -> str:
    """``27/11/2026``."""
    return MISSING if d is None else as_date(d).strftime("%d/%m/%Y")


def fmt_datetime(d: dt.datetime | str | None) -> str:
    """``27/11/2026 à 14:03``."""
    if d is None:
        return MISSING
    if isinstance(d, str):
        d = dt.datetime.fromisoformat(d)
    if not isinstance(d, dt.datetime):
        return fmt_date(d)
    return f"{d:%d/%m/%Y} à {d:%H:%M}"


def fmt_month(d: dt.date | str | None, short: bool = False) -> str:
    """``octobre 2026`` (or ``oct. 2026``)."""
    if d is None:
        return MISSING
    d = as_date(d)
    return f"{(SHORT_MONTHS if short else MONTHS)[d.month - 1]} {d.year}"


def fmt_p_value(p: float | None) -> str:
    """``< 0,001`` or ``= 0,032`` (after a « p » the caller writes)."""
    if missing(p):
        return MISSING
    return f"<{NBSP_WIDE}0,001" if p < 0.001 else f"={NBSP_WIDE}{fmt_number(p, 3)}"


def fmt_p(p: float) -> str:
    """``p = 0,012`` or ``p < 0,001``."""
    return f"p{NBSP_WIDE}{fmt_p_value(p)}"
