"""French number and date formats: ``1 234,5``, ``45,2 %``, ``27/11/2026``, ``oct. 2026``.

Also :func:`md_escape`, for any text that comes from data (labels, file names, messages) and is
placed inside Markdown: it is shown literally, never run as Markdown, HTML, a link or a directive.
"""

from __future__ import annotations

import datetime as dt
import math
import re

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
NBSP_WIDE = "\u00a0"  # no-break space, before units and signs (%, €, j)
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


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float | None, decimals: int = 1) -> str:
    if _missing(x):
        return "—"
    text = f"{x:,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def fmt_int(x: float | None) -> str:
    """A count: ``41 276``."""
    return fmt_number(x, 0)


def fmt_pct(x: float | None, decimals: int = 1) -> str:
    """A fraction (0–1) as a French percentage."""
    return "—" if _missing(x) else f"{fmt_number(100 * x, decimals)}{NBSP_WIDE}%"


def fmt_eur(x: float | None) -> str:
    """An amount in euros, without cents: ``250 000 €``."""
    return "—" if _missing(x) else f"{fmt_number(x, 0)}{NBSP_WIDE}€"


def fmt_value(x: float | None, unit: str) -> str:
    if _missing(x):
        return "—"
    if unit == "%":
        return fmt_pct(x)
    if unit == "jours":
        return f"{fmt_number(x, 1)}{NBSP_WIDE}j"
    if unit == "/10":
        return f"{fmt_number(x, 1)}{NBSP_WIDE}/{NBSP_WIDE}10"
    if unit == "dossiers":
        return fmt_number(x, 0)
    if unit == "points":
        return f"{fmt_number(x, 1)}{NBSP_WIDE}pts"
    return fmt_number(x, 1)


def fmt_delta(x: float | None, unit: str) -> str:
    """A signed change in the indicator's unit; rates change by percentage points."""
    if _missing(x):
        return "—"
    sign = "+" if x > 0 else ""
    if unit == "%":
        return f"{sign}{fmt_number(100 * x, 1)}{NBSP_WIDE}pt{'s' if abs(100 * x) >= 2 else ''}"
    return f"{sign}{fmt_value(x, unit)}"


def fmt_interval(low: float | None, high: float | None, unit: str) -> str:
    """``61,2 % – 65,0 %``, or ``—`` when the interval is unknown."""
    if _missing(low) or _missing(high):
        return "—"
    return f"{fmt_value(low, unit)} – {fmt_value(high, unit)}"


def _as_date(d: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(d, str):
        return dt.date.fromisoformat(d[:10])
    return d.date() if isinstance(d, dt.datetime) else d


def fmt_date(d: dt.date | str | None) -> str:
    if d is None:
        return "—"
    return _as_date(d).strftime("%d/%m/%Y")


def fmt_datetime(d: dt.datetime | str | None) -> str:
    """``27/11/2026 à 14:03``."""
    if d is None:
        return "—"
    if isinstance(d, str):
        d = dt.datetime.fromisoformat(d)
    if not isinstance(d, dt.datetime):
        return fmt_date(d)
    return f"{d:%d/%m/%Y} à {d:%H:%M}"


def fmt_month(d: dt.date | str | None, short: bool = False) -> str:
    """``octobre 2026`` (or ``oct. 2026``)."""
    if d is None:
        return "—"
    d = _as_date(d)
    return f"{(SHORT_MONTHS if short else MONTHS)[d.month - 1]} {d.year}"


def fmt_p_value(p: float | None) -> str:
    """``< 0,001`` or ``= 0,032``."""
    if _missing(p):
        return "—"
    return f"<{NBSP_WIDE}0,001" if p < 0.001 else f"={NBSP_WIDE}{fmt_number(p, 3)}"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=@&^\"'])")


def md_escape(text: object) -> str:
    """Text from data, made inert inside Markdown.

    Every Markdown/HTML-significant ASCII character is backslash-escaped (so ``[x](http://…)``,
    ``<b>``, ``:red[…]``, ``$…$`` and bare ``www.``/``https://`` autolinks all print as written),
    and line breaks become spaces so one value cannot start a heading or a list.
    """
    if text is None:
        return "—"
    flat = re.sub(r"[\r\n\t\v\f]+", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", flat)
