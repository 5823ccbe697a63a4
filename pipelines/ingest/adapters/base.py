"""Adapter protocol and helpers shared by adapters.

Helpers are pure functions over Polars frames and header lists: find a column by its normal form
or by key words, translate a vocabulary (by normal form, over the distinct values only, so a
10-million-row log costs a handful of dictionary look-ups), refuse rows with a French reason, and
build stable row ids when an export has none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from pipelines.ingest.normal_form import norm
from pipelines.ingest.read import LINE_COL, RawTable

Rejection = tuple[int | None, str | None, str, str | None, str]


@dataclass(frozen=True)
class Mapped:
    """Rows of one canonical dataset produced from a raw table (plus ``_line``)."""

    dataset: str
    source: str
    frame: pl.DataFrame
    # rows the adapter itself refused: (line, column, check, value, French message); they are not in ``frame``
    rejected: tuple[Rejection, ...] = ()


@dataclass
class MapContext:
    """What an adapter may need beyond the raw table (kept explicit so ``map`` stays pure)."""

    service_hint: str | None = None  # from a mapping file's constants
    notes: list[str] = field(default_factory=list)  # French remarks for the ingest report
    # None: ``map`` sees the whole table. A dict: ``map`` sees one batch of a streamed file, and this
    # dict (shared by the file's batches, in order) carries what a row-wise adapter needs from the
    # batches before (see ``streamable``)
    stream: dict | None = None
    # the warehouse's key for content ids (``stable_row_ids``); b"" in warehouses that predate it
    salt: bytes = b""
    # what a cumulative export shows of its whole (Démarches Simplifiées: ``absences.ExportScope``)
    scope: object | None = None
    # territory files: the plan's communes (INSEE codes; empty: keep every commune), and the codes of
    # the Code officiel géographique loaded in the warehouse (None: no COG loaded, codes not checked)
    communes: tuple[str, ...] = ()
    cog: frozenset[str] | None = None
    # the maturity referential in use (``pipelines.diagnostic.referential.Referential``, the plan's
    # own or the shipped one), or the PlanError that stopped loading it; None: the shipped one
    referential: object | None = None


class Adapter(Protocol):
    name: str  # French label for users, e.g. "Démarches Simplifiées (export des dossiers)"
    source: str  # value of the ``source`` column (or its prefix)

    def matches(self, raw: RawTable) -> bool: ...

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]: ...

    def signature(self) -> list[str]:
        """Column names that characterise the layout (used to suggest the closest format)."""
        ...

    # optional: ``streamable = True`` when ``map`` works row by row, so that a large CSV can be
    # mapped batch by batch (``MapContext.stream`` set) with the same result as in one go

    # optional: ``affinity(raw) -> float`` (0–1), how much of its layout an adapter that matches
    # headers by synonyms finds in a table; used instead of the signature for « closest format »


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


def find_like(header: list[str], *phrases: str, exclude: Iterable[str] = ()) -> str | None:
    """The first header whose normal form contains one of the phrases (normal forms), not excluded."""
    excluded = {h for h in exclude if h}
    wanted = [norm(p) for p in phrases]
    for phrase in wanted:
        for h in header:
            if h not in excluded and phrase in norm(h):
                return h
    return None


def col(frame: pl.DataFrame, name: str | None) -> pl.Expr:
    """The column as text, or a null text literal when the export has no such column."""
    return pl.col(name) if name and name in frame.columns else pl.lit(None, pl.String)


def translate(
    frame: pl.DataFrame,
    column: str | None,
    vocabulary: dict[str, str],
    *,
    keep_unknown: bool = True,
    fallback=None,
) -> pl.Expr:
    """Map a column's values through a vocabulary keyed by normal form (then ``fallback(value)``).

    Unknown values stay as they are (validation then refuses them with the allowed list) unless
    ``keep_unknown`` is false, in which case they become null.
    """
    if not column or column not in frame.columns:
        return pl.lit(None, pl.String)
    values = frame.get_column(column).drop_nulls().unique().to_list()
    mapping = {}
    for v in values:
        key = norm(v)
        if key in vocabulary:
            mapping[v] = vocabulary[key]
        elif fallback is not None and fallback(v) is not None:
            mapping[v] = fallback(v)
        elif not key or key in ("n/a", "na", "sans reponse"):
            mapping[v] = None
        elif keep_unknown:
            mapping[v] = v.strip()
        else:
            mapping[v] = None
    return replace_values(column, mapping)


def replace_values(column: str, mapping: dict[str, str | None]) -> pl.Expr:
    """``column`` with each (non-null) value replaced through ``mapping``, which holds every value;
    the column itself when the mapping changes nothing (a large file is not rewritten for nothing)."""
    if all(k == v for k, v in mapping.items()):
        return pl.col(column)
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def vocabulary(pairs: dict[str, Iterable[str]]) -> dict[str, str]:
    """{canonical: [words…]} → {normal form of word: canonical} (the canonical value matches itself)."""
    out: dict[str, str] = {}
    for canonical, words in pairs.items():
        out[norm(canonical)] = canonical
        for w in words:
            out[norm(w)] = canonical
    return out


def split_rejected(
    frame: pl.DataFrame, bad: pl.Expr, column: str, check: str, value: pl.Expr, message: pl.Expr
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Rows where ``bad`` holds leave the frame and become rejections with a French message."""
    flagged = frame.select(bad.fill_null(False).alias("_bad")).to_series()
    if not flagged.any():
        return frame, []
    rows = frame.filter(flagged).select(
        pl.col(LINE_COL), value.cast(pl.String).alias("v"), message.alias("m")
    )
    rejections = [(line, column, check, v, m) for line, v, m in rows.iter_rows()]
    return frame.filter(~flagged), rejections


def stable_row_ids(
    frame: pl.DataFrame, columns: list[str], prefix: str = "h", seen: dict | None = None, salt: bytes = b""
) -> pl.Series:
    """Ids from the content of each row (same row, same id, in any later export of the same log).

    A keyed hash of the cells (BLAKE2b with the warehouse's secret ``salt``, stable across versions
    unlike Polars' hash), plus ``-2``, ``-3``… for the second and third identical rows of a file.
    The row may hold personal data (a name typed in a free column): keyed, its id cannot be matched
    by hashing guesses without the warehouse's key (DESIGN: persons only as salted hashes). An
    empty ``salt`` (warehouses created before the key existed) keeps their plain SHA-1 ids, so
    that re-exports of a log already loaded keep matching. ``seen`` (a streamed file's state)
    counts the ids of the batches before, so that a file mapped batch by batch gets the same ids
    as in one go.
    """
    cols = [c for c in columns if c in frame.columns and c != LINE_COL]
    rows = frame.select([pl.col(c).fill_null("") for c in cols]).iter_rows()
    if salt:
        raw = [
            hashlib.blake2b("\x1f".join(r).encode("utf-8"), key=salt, digest_size=20).digest() for r in rows
        ]
    else:
        raw = [hashlib.sha1("\x1f".join(r).encode("utf-8")).digest() for r in rows]
    ids = pl.Series("_id", [prefix + d.hex()[:16] for d in raw], dtype=pl.String)
    rank = pl.DataFrame({"_id": ids}).select(pl.int_range(pl.len()).over("_id").alias("n")).to_series()
    if seen is not None:  # add how many times each id came in earlier batches
        key = pl.Series("k", [int.from_bytes(d[:8], "big") for d in raw], dtype=pl.UInt64)
        counts: pl.DataFrame = seen.get("row_ids", pl.DataFrame(schema={"k": pl.UInt64, "c": pl.UInt32}))
        before = key.to_frame().join(counts, on="k", how="left", maintain_order="left")["c"].fill_null(0)
        rank = rank + before.cast(rank.dtype)
        batch = key.to_frame().group_by("k").agg(pl.len().cast(pl.UInt32).alias("c"))
        seen["row_ids"] = pl.concat([counts, batch]).group_by("k").agg(pl.col("c").sum())
    return (
        pl.DataFrame({"_id": ids, "n": rank})
        .select(
            pl.when(pl.col("n") == 0)
            .then(pl.col("_id"))
            .otherwise(pl.format("{}-{}", pl.col("_id"), pl.col("n") + 1))
        )
        .to_series()
    )


_OFFSET_SUFFIX = r"(?:Z|[+-]\d{2}:?\d{2})$"


def with_offset(expr: pl.Expr, offset: str) -> pl.Expr:
    """Naive timestamp text (``2025-03-03 07:41:12`` or ISO ``…T…Z``) → text with an explicit offset.

    Any offset already written is replaced (the caller knows better, e.g. the legacy « Je donne mon
    avis » exporter). ``coerce`` then converts the text to Paris wall-clock time. Unreadable text is
    left untouched so that ``coerce`` refuses it with the original value.
    """
    s = expr.str.strip_chars()
    bare = (
        s.str.replace(_OFFSET_SUFFIX, "")
        .str.strip_chars()
        .str.replace("T", " ", literal=True)
        .str.replace(r"\.\d+$", "")
    )
    bare = pl.when(bare.str.contains(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")).then(bare + ":00").otherwise(bare)
    ok = bare.str.contains(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    return pl.when(ok).then(pl.format("{} {}", bare, pl.lit(offset))).otherwise(s)
