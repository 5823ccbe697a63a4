"""The canonical CSV of each table, as written by the demo (column names = canonical names)."""

from __future__ import annotations

import polars as pl

from pipelines.ingest.adapters.base import MapContext, Mapped
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL, RawTable
from pipelines.ingest.user_keys import canonical_identity, hash_user_keys
from schemas import DATASETS, Dataset

DEFAULT_SOURCE = "fichier-canonique"


class CanonicalAdapter:
    """Matches a file whose header holds every required column of one canonical dataset."""

    streamable = True  # row-wise: a large file is mapped batch by batch (see ``stream``)

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.name = f"format canonique Baromètre ({dataset.table})"
        self.source = DEFAULT_SOURCE

    def _required(self) -> set[str]:
        return set(self.dataset.required) - {"source"}

    def overlap(self, header: set[str]) -> float:
        cols = set(self.dataset.columns)
        return len(header & cols) / len(header | cols)

    def matches(self, raw: RawTable) -> bool:
        """Every required column is there, and no other canonical dataset fits the header better."""
        header = set(raw.header)
        if not self._required() <= header:
            return False
        mine = self.overlap(header)
        return all(other.overlap(header) <= mine for other in CANONICAL_ADAPTERS if other is not self)

    def signature(self) -> list[str]:
        return self.dataset.columns

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        frame = raw.frame
        cols = [
            pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c)
            for c in self.dataset.columns
        ]
        out = frame.select([*cols, pl.col(LINE_COL)])
        if "source" not in frame.columns:
            out = out.with_columns(pl.lit(DEFAULT_SOURCE).alias("source"))
        else:
            out = out.with_columns(pl.col("source").fill_null(DEFAULT_SOURCE))
        if "comment" in out.columns:  # free text may hold e-mails and phone numbers: masked, never stored
            out = out.with_columns(mask_free_text(pl.col("comment")).alias("comment"))
        if self.dataset.name == "usage":  # the user's account or e-mail: kept only as a salted hash
            who = canonical_identity(frame)
            if who is not None:
                out = hash_user_keys(
                    out.with_columns(frame.get_column(who).cast(pl.String).alias("user_key")), ctx.salt
                )
        return [Mapped(self.dataset.name, DEFAULT_SOURCE, out)]


# maturity answers have their own canonical adapter (``maturity``: hashed respondents, referential checks)
CANONICAL_ADAPTERS = [CanonicalAdapter(d) for d in DATASETS.values() if d.name != "maturity"]
