"""The canonical CSV of maturity answers (``maturity_answers``): one row per respondent × item × wave.

Columns ``wave, respondent_group, respondent_key, item, level`` (+ ``commune``, ``source``).
``respondent_key`` holds the respondent's id in the source: it is stored only as a salted hash
(the warehouse's key, as ``stable_row_ids``). ``source_id`` is derived: wave, hashed respondent,
item — so a later file with the same answer updates it. Levels « ne sait pas » (NSP, empty) are
kept as null; a level that is not a whole number, or an item absent from the referential, is a
rejected row with its French reason (a level outside 0–5 is refused by the model).

The referential is the one in use for the ingest (``MapContext.referential``: the plan's
``[diagnostic] referential``, else the shipped one); a broken plan referential refuses the file
with its French reason. :func:`map_answers` holds these rules for every maturity layout (French
spreadsheets: :mod:`.maturity_sheet`; mapping files: :mod:`.maturity_mapping`).
"""

from __future__ import annotations

import hashlib

import polars as pl

from pipelines.diagnostic.referential import Referential, load_referential
from pipelines.errors import FileRefused
from pipelines.ingest.adapters.base import MapContext, Mapped, col, split_rejected, translate, vocabulary
from pipelines.ingest.adapters.canonical import DEFAULT_SOURCE, CanonicalAdapter
from pipelines.ingest.read import LINE_COL, RawTable
from schemas import DATASETS

GROUPS = vocabulary(
    {
        "elu": ["élu", "élue", "élus", "elus", "élu(e)"],
        "agent": ["agents", "agente"],
        "citoyen": ["citoyens", "citoyenne", "habitant", "habitante", "usager"],
        "entreprise": ["entreprises"],
        "association": ["associations"],
        "partenaire": ["partenaires"],
    }
)
DONT_KNOW = (
    "ne sait pas",
    "ne sais pas",
    "nsp",
    "ns",
    "je ne sais pas",
    "-",
    "sans réponse",
    "pas de réponse",
    "n/a",
)


def respondent_keys(values: pl.Series, salt: bytes) -> pl.Series:
    """Salted hash of each respondent id (BLAKE2b keyed with the warehouse's salt; SHA-1 when the
    warehouse predates the salt, as ``stable_row_ids``); null stays null."""

    def one(v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        raw = v.strip().encode("utf-8")
        digest = hashlib.blake2b(raw, key=salt, digest_size=20) if salt else hashlib.sha1(raw)
        return "r" + digest.hexdigest()[:16]

    return pl.Series(values.name, [one(v) for v in values.to_list()], dtype=pl.String)


class MaturityCanonical(CanonicalAdapter):
    """The canonical adapter of ``maturity_answers``, with the hashing and checks described above."""

    streamable = False

    def __init__(self, referential: Referential | None = None) -> None:
        super().__init__(DATASETS["maturity"])
        self._referential = referential

    @property
    def referential(self) -> Referential:
        return self._referential or load_referential()

    def _required(self) -> set[str]:
        return set(self.dataset.required) - {"source", "source_id"}

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        return [map_answers(raw.frame, referential_of(ctx, self._referential), ctx.salt)]


def referential_of(ctx: MapContext, default: Referential | None = None) -> Referential:
    """The referential in use for this file: the ingest's (the plan's own), else ``default``, else
    the shipped one; a broken plan referential refuses the file with its French reason."""
    ref = ctx.referential
    if isinstance(ref, Exception):
        raise FileRefused(
            f"Réponses d'autoévaluation de maturité non importées : le référentiel du plan est invalide. {ref}"
        )
    return ref or default or load_referential()


def map_answers(
    frame: pl.DataFrame, referential: Referential, salt: bytes, source: str = DEFAULT_SOURCE
) -> Mapped:
    """Canonical-named answer rows (``wave, respondent_group, respondent_key, item, level`` as text,
    optional ``commune``, ``source``, and ``_line``) → the ``maturity_answers`` rows and the rows
    refused with their French reason: NSP kept as null, respondent ids hashed, items checked
    against ``referential``."""
    level = col(frame, "level").str.strip_chars()
    dont_know = level.is_null() | (level == "") | level.str.to_lowercase().is_in(list(DONT_KNOW))
    out = frame.select(
        col(frame, "source").fill_null(source).alias("source"),
        col(frame, "wave").alias("wave"),
        translate(frame, "respondent_group", GROUPS).alias("respondent_group"),
        col(frame, "respondent_key").alias("respondent_key"),
        col(frame, "item").str.strip_chars().str.to_uppercase().alias("item"),
        pl.when(dont_know).then(None).otherwise(level).alias("level"),
        col(frame, "commune").alias("commune"),
        pl.col(LINE_COL),
    )
    out, rej_level = split_rejected(
        out,
        pl.col("level").is_not_null() & ~pl.col("level").str.contains(r"^-?\d+([.,]0+)?$"),
        "level",
        "level_not_integer",
        pl.col("level"),
        pl.format(
            "Niveau « {} » (affirmation {}) : un nombre entier de 0 à 5 est attendu, ou « ne sait pas ».",
            pl.col("level"),
            pl.col("item"),
        ),
    )
    items = list(referential.items)
    out, rej_item = split_rejected(
        out,
        pl.col("item").is_not_null() & ~pl.col("item").is_in(items),
        "item",
        "item_not_in_referential",
        pl.col("item"),
        pl.format(
            "L'affirmation « {} » n'existe pas dans le référentiel de maturité « {} ».",
            pl.col("item"),
            pl.lit(referential.title),
        ),
    )
    out = out.with_columns(respondent_keys(out["respondent_key"], salt))
    out = out.with_columns(
        pl.format("{}/{}/{}", _wave_key(pl.col("wave")), pl.col("respondent_key"), pl.col("item")).alias(
            "source_id"
        )
    )
    return Mapped(DATASETS["maturity"].name, source, out, tuple(rej_level + rej_item))


def _wave_key(wave: pl.Expr) -> pl.Expr:
    """The wave as ISO date text for the key, whatever the file wrote (« 15/01/2026 », « 2026-01-15 »,
    « 2026-01-15 00:00:00 »): the same answer in two spellings of its wave is one row, not two."""
    text = wave.str.strip_chars()
    iso = text.str.replace(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", "$3-$2-$1")
    iso = iso.str.replace(r"^(\d{4})-(\d)-", "$1-0$2-").str.replace(r"-(\d)$", "-0$1")
    return iso.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T].*$", "$1")
