"""Adapter protocol and helpers shared by adapters."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from pipelines.ingest.read import LINE_COL, RawTable


@dataclass(frozen=True)
class Mapped:
    """Rows of one canonical dataset produced from a raw table (plus ``_line``)."""

    dataset: str
    source: str
    frame: pl.DataFrame
    # rows the adapter itself refused: (line, column, check, value, French message)
    rejected: tuple[tuple[int | None, str | None, str, str | None, str], ...] = ()


@dataclass
class MapContext:
    """What an adapter may need beyond the raw table (kept explicit so ``map`` stays pure)."""

    service_hint: str | None = None  # from the file name, a mapping or the plan
    notes: list[str] = field(default_factory=list)  # French remarks for the ingest report


class Adapter(Protocol):
    name: str  # French label for users, e.g. "Démarches Simplifiées (export des dossiers)"
    source: str  # value of the ``source`` column

    def matches(self, raw: RawTable) -> bool: ...

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]: ...

    def signature(self) -> list[str]:
        """Column names that characterise the layout (used to suggest the closest format)."""
        ...


def norm(text: str) -> str:
    """Header/value normal form for matching: lower case, no accents, straight apostrophes, single spaces."""
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip().lower()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", norm(text)).strip("-") or "inconnu"


def keep_line(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> pl.DataFrame:
    """Select canonical columns by expressions, keeping the line number."""
    return frame.select([expr.alias(name) for name, expr in exprs.items()] + [pl.col(LINE_COL)])


def find_column(header: list[str], *candidates: str) -> str | None:
    """The first header whose normal form equals one of the candidates' normal forms."""
    wanted = {norm(c) for c in candidates}
    for h in header:
        if norm(h) in wanted:
            return h
    return None
