"""Vocabularies and checks shared by the canonical models."""

from __future__ import annotations

import datetime as dt

import polars as pl

CHANNELS = ("online", "assisted", "counter", "phone", "mail", "email", "other")
OUTCOMES = ("completed", "abandoned", "rejected", "pending")
# ``decided``: a decision was taken but the file does not say which (« Traité », « Instruit »,
# « Clôturé »): it ends the case's clock (delays count it) and claims neither acceptance nor refusal
CASE_STATUSES = ("submitted", "in_review", "accepted", "rejected", "decided", "closed_without_decision")
# the statuses that are a decision: a delay runs from filing to decided_at
DECIDED_STATUSES = ("accepted", "rejected", "decided")

INSEE_PATTERN = r"^(\d{5}|2[AB]\d{3})$"
# A band as an authority cuts them: "<25", "15-29", "30-44", "75+", "60 et plus", "moins de 25"...
AGE_BAND_PATTERN = r"^(<\s?\d{1,3}|\d{1,3}\s?-\s?\d{1,3}|\d{1,3}\s?\+|\d{1,3} ans et plus|\d{1,3} et plus|moins de \d{1,3}( ans)?)$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

EARLIEST = dt.datetime(2000, 1, 1)


def now_paris() -> dt.datetime:
    """Current wall-clock time in Europe/Paris, naive (the warehouse stores Paris local time)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Paris")).replace(tzinfo=None)


def plausible(col: str) -> pl.Expr:
    """True when the timestamp is null or between 2000-01-01 and the moment of ingest."""
    c = pl.col(col)
    return c.is_null() | ((c >= EARLIEST) & (c <= now_paris() + dt.timedelta(minutes=5)))
