"""Adapters built from mapping files (``data/mappings/*.toml``); read by :mod:`pipelines.ingest.mapping_files`.

A mapping says which file it takes (``[match]``: columns present and/or a file-name glob), which
dataset it feeds (``[target]``), which header holds each canonical column (``[columns]``), how
values translate (``[values.<column>]``, then the built-in French vocabulary), fixed values
(``[constants]``) and, for a survey, the score's scale (``[scale]``): ``score_10`` = (score_raw −
min) ÷ (max − min) × 10 and ``satisfied`` = score_10 ≥ 7.5 unless mapped; ``complete`` is true unless
a column says otherwise. On a LimeSurvey export the LimeSurvey rules apply to what the mapping
leaves out (response id, incomplete responses, undated ``1980-01-01``, ``limesurvey-<id>`` source).

``[target] format = "<built-in source>"`` instead hands the file to a built-in adapter with the
mapping's constants (e.g. the service of Démarches Simplifiées exports whose names lost the
procedure; the title, closing date and participants of a Decidim consultation) and its ``[values.<column>]``, applied to the values the built-in vocabulary leaves
as written (the mapping the ingest writes for rows rejected on an unknown value, see ``remedy``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters import limesurvey
from pipelines.ingest.adapters.base import Adapter, MapContext, Mapped, norm, stable_row_ids
from pipelines.ingest.adapters.vocabulary import (
    BUILT_IN_VALUES,
    STATUS_TO_OUTCOME,
    channel_by_words,
    normalise_age_band,
    normalise_communes,
)
from pipelines.ingest.coerce import parse_number
from pipelines.ingest.headers import AmbiguousHeader, ambiguity_reason, resolve
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL, RawTable
from pipelines.ingest.user_keys import hash_user_keys
from schemas import DATASETS


@dataclass(frozen=True)
class MappingSpec:
    path: Path
    match_columns: tuple[str, ...] = ()
    filename: str | None = None
    datasets: tuple[str, ...] = ()
    source: str | None = None
    delegate: str | None = None  # source name of a built-in adapter
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical → candidate headers
    values: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # canonical → {normal form: canonical value}
    constants: dict[str, str] = field(default_factory=dict)
    scale: tuple[float, float] | None = None
    sha256: str = ""  # the mapping file's content hash, recorded in the ledger with each file it takes
    # maturity answers: statement id → candidate headers of its column (``[items]``); empty: found
    # by the columns' subquestion codes or texts (see :mod:`.maturity_mapping`)
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)


class MappingAdapter:
    """The adapter a mapping file describes (``delegate``: the built-in adapter it names, if any)."""

    def __init__(self, spec: MappingSpec, delegate: Adapter | None = None) -> None:
        self.spec, self.delegate = spec, delegate
        self.name = f"fichier de correspondance {spec.path.name}"
        self.source = spec.source or f"correspondance-{spec.path.stem}"

    def signature(self) -> list[str]:
        return [*self.spec.match_columns, *(h[0] for h in self.spec.columns.values())]

    def matches(self, raw: RawTable) -> bool:
        spec = self.spec
        if spec.filename and not any(
            fnmatch.fnmatch(n.lower(), spec.filename.lower()) for n in (raw.name, raw.container or "") if n
        ):
            return False
        if not all(_present(c, raw.header) for c in spec.match_columns):
            return False
        if self.delegate is not None:
            return self.delegate.matches(raw)
        return True

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        spec = self.spec
        if self.delegate is not None:
            ctx.service_hint = spec.constants.get("service", ctx.service_hint)
            return [
                _with_constants(_with_values(m, spec.values), spec.constants)
                for m in self.delegate.map(raw, ctx)
            ]
        headers = self._headers(raw)
        f = raw.frame
        exprs = self._base_exprs(f, headers)
        if "maturity" in spec.datasets:
            from pipelines.ingest.adapters.maturity_mapping import map_maturity

            return [map_maturity(spec, raw, ctx, headers, exprs)]
        if limesurvey.is_limesurvey(raw):  # response id, completeness and undated answers, unless mapped
            for key, expr in limesurvey.response_defaults(raw).items():
                if key == "source_id" or "survey" in spec.datasets:
                    exprs.setdefault(key, expr)
        if "source_id" not in exprs:
            exprs["source_id"] = pl.lit(stable_row_ids(f, raw.header, prefix="ligne-", salt=ctx.salt))
            ctx.notes.append(
                "pas de colonne d'identifiant dans la correspondance : identifiant calculé à partir du contenu de chaque ligne"
            )
        source = spec.source or (
            limesurvey.survey_source(raw) if limesurvey.is_limesurvey(raw) else self.source
        )
        exprs.setdefault("source", pl.lit(source))
        out = []
        for dataset in spec.datasets:
            frame = f.select(
                [e.alias(k) for k, e in _for_dataset(dataset, dict(exprs), raw, spec).items()]
                + [pl.col(LINE_COL)]
            )
            if dataset == "usage":  # a mapped user identity is kept only as a salted hash
                frame = hash_user_keys(frame, ctx.salt)
            out.append(Mapped(dataset, source, frame))
        return out

    def _headers(self, raw: RawTable) -> dict[str, str]:
        out = {}
        for canonical, candidates in self.spec.columns.items():
            found = None
            for c in candidates:
                try:
                    found = resolve(c, raw.header)
                except AmbiguousHeader as err:
                    raise FileRefused(
                        f"Le fichier de correspondance {self.spec.path.name}, clé [columns] {canonical} : "
                        + ambiguity_reason(err, raw.header)
                    ) from err
                if found:
                    break
            if found is None:
                raise FileRefused(
                    f"Le fichier de correspondance {self.spec.path.name} attend la colonne « {candidates[0]} » "
                    f"(clé [columns] {canonical}), absente de ce fichier. Colonnes trouvées : "
                    + ", ".join(f"« {h} »" for h in raw.header[:40])
                    + "."
                )
            out[canonical] = found
        return out

    def _base_exprs(self, f: pl.DataFrame, headers: dict[str, str]) -> dict[str, pl.Expr]:
        spec = self.spec
        exprs: dict[str, pl.Expr] = {}
        for canonical, header in headers.items():
            exprs[canonical] = _translated(
                f, header, spec.values.get(canonical, {}), BUILT_IN_VALUES.get(canonical, {}), canonical
            )
        for canonical, value in spec.constants.items():
            exprs[canonical] = pl.lit(value)
        return exprs


def _present(name: str, header: list[str]) -> bool:
    """A [match] column is there (a repeated header is there too: it only tells the file apart)."""
    try:
        return resolve(name, header) is not None
    except AmbiguousHeader:
        return True


def _translated(
    f: pl.DataFrame, header: str, mine: dict[str, str], built_in: dict[str, str], canonical: str
) -> pl.Expr:
    """Mapping values first, then the built-in vocabulary; commune codes and age bands normalised."""
    values = f.get_column(header).drop_nulls().unique().to_list()
    table: dict[str, str | None] = {}
    for v in values:
        key = norm(v)
        if key in mine:
            table[v] = mine[key]
        elif key in built_in:
            table[v] = built_in[key]
        elif canonical == "channel" and channel_by_words(v):
            table[v] = channel_by_words(v)
        elif key in ("n/a", "na", "sans reponse", ""):
            table[v] = None
        elif canonical == "age_band":
            table[v] = normalise_age_band(v)
        else:
            table[v] = v.strip()
    if canonical == "commune":
        codes, _ = normalise_communes([t for t in table.values() if t is not None])
        table = {v: (codes.get(t) if t is not None else None) for v, t in table.items()}
    expr = pl.col(header).replace_strict(table, default=None, return_dtype=pl.String)
    return mask_free_text(expr) if canonical == "comment" else expr


def _for_dataset(
    dataset: str, exprs: dict[str, pl.Expr], raw: RawTable, spec: MappingSpec
) -> dict[str, pl.Expr]:
    columns = DATASETS[dataset].columns
    if dataset == "survey":
        if (
            "responded_at" in spec.columns
        ):  # LimeSurvey's "completed, date unknown" marker, whatever the layout
            s = exprs["responded_at"]
            exprs["responded_at"] = (
                pl.when(s.str.strip_chars().str.starts_with(limesurvey.UNDATED)).then(None).otherwise(s)
            )
        exprs.setdefault("complete", pl.lit("true"))
        if spec.scale is not None:
            lo, hi = spec.scale
            exprs.setdefault("scale_min", pl.lit(_num(lo)))
            exprs.setdefault("scale_max", pl.lit(_num(hi)))
            if "score_raw" in exprs:
                score = parse_number(exprs["score_raw"])
                on_scale = (score >= lo) & (score <= hi)
                score_10 = pl.when(on_scale).then(((score - lo) / (hi - lo) * 10).round(6))
                exprs.setdefault("score_10", score_10)
        if "score_10" in exprs:
            exprs.setdefault("satisfied", parse_number(exprs["score_10"].cast(pl.String)) >= 7.5)
    if dataset == "processing" and "status" not in exprs:
        exprs["status"] = (
            pl.when(exprs.get("decided_at", pl.lit(None, pl.String)).is_not_null())
            .then(pl.lit("decided"))  # decided, outcome unknown (see vocabulary)
            .when(exprs.get("started_at", pl.lit(None, pl.String)).is_not_null())
            .then(pl.lit("in_review"))
            .otherwise(pl.lit("submitted"))
        )
    if dataset == "usage" and "outcome" not in exprs and "status" in exprs:
        exprs["outcome"] = exprs["status"].replace_strict(
            STATUS_TO_OUTCOME, default=None, return_dtype=pl.String
        )
    return {c: exprs.get(c, pl.lit(None, pl.String)) for c in columns}


def _with_values(mapped: Mapped, values: dict[str, dict[str, str]]) -> Mapped:
    """A built-in adapter's rows with the mapping's ``[values.<column>]`` applied to the values it
    left as written (those outside its vocabulary), compared on normal forms."""
    frame = mapped.frame
    exprs = []
    for canonical, table in values.items():
        if not table or canonical not in frame.columns:
            continue
        distinct = frame.get_column(canonical).drop_nulls().unique().to_list()
        found = {v: table[norm(v)] for v in distinct if norm(v) in table}
        if found:
            exprs.append(pl.col(canonical).replace(found).alias(canonical))
    if not exprs:
        return mapped
    return Mapped(mapped.dataset, mapped.source, frame.with_columns(exprs), mapped.rejected)


# what a mapping handing a consultation export to its built-in adapter (Decidim) may state that the
# export does not: the consultation's title, closing date and number of participants
CONSULTATION_CONSTANTS = ("consultation_label", "closed_on", "participants")


def _with_constants(mapped: Mapped, constants: dict[str, str]) -> Mapped:
    """A built-in adapter's consultation rows with the mapping's constants in
    :data:`CONSULTATION_CONSTANTS` (other datasets: unchanged)."""
    if mapped.dataset != "consultation":
        return mapped
    exprs = [pl.lit(constants[c]).alias(c) for c in CONSULTATION_CONSTANTS if c in constants]
    if not exprs:
        return mapped
    return Mapped(mapped.dataset, mapped.source, mapped.frame.with_columns(exprs), mapped.rejected)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
