"""French number and date formats: ``1 234,5``, ``45,2 %``, ``27/11/2026``."""

from __future__ import annotations

import datetime as dt

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def fmt_number(x: float | None, decimals: int = 1) -> str:
    if x is None:
        return "—"
    text = f"{x:,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return text


def fmt_pct(x: float | None, decimals: int = 1) -> str:
    """A fraction (0–1) as a French percentage."""
    return "—" if x is None else f"{fmt_number(100 * x, decimals)}\u00a0%"


def fmt_value(x: float | None, unit: str) -> str:
    if x is None:
        return "—"
    if unit == "%":
        return fmt_pct(x)
    if unit == "jours":
        return f"{fmt_number(x, 1)}\u00a0j"
    if unit == "/10":
        return f"{fmt_number(x, 1)}\u00a0/\u00a010"
    if unit == "dossiers":
        return fmt_number(x, 0)
    return fmt_number(x, 1)


def fmt_date(d: dt.date | str | None) -> str:
    if d is None:
        return "—"
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return d.strftime("%d/%m/%Y")
