"""Calendar-month arithmetic, the one implementation for the indicators (periods, marts, trends) and
the app's period filter. A month is written as its first day."""

from __future__ import annotations

import calendar
import datetime as dt


def month_floor(d: dt.date) -> dt.date:
    """The first day of the month of ``d``."""
    return d.replace(day=1)


def add_months(d: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after (or before) the month of ``d``."""
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(d: dt.date) -> dt.date:
    """The last day of the month of ``d``."""
    return add_months(d, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The months from that of ``first`` to that of ``last``, both included (empty if ``last`` is earlier)."""
    out, month = [], month_floor(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_position(d: dt.date) -> float:
    """A date on a continuous month axis (January 2024 starts at 2024 × 12)."""
    return d.year * 12 + d.month - 1 + (d.day - 1) / calendar.monthrange(d.year, d.month)[1]
