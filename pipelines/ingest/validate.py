"""Validate typed rows against the dataset's Pandera model; split good rows from rejections.

Validation is lazy (every failure collected). Each failure becomes a rejection with the line in the
original file and a French message; a row with any failure is kept out of the load, the others go on.
Duplicated ``source_id`` within one file: the first occurrence is kept, the next ones are rejected.

Speed: a column whose checks only look at each value (``isin``, ``str_matches``, bounds…) and that
holds few distinct values (channel, service, commune…) has those checks run by Pandera on its
distinct values, and each failure is mapped back to every row holding that value; the rest of the
model (types, missing values, the other columns, the checks across columns) runs on every row. The
rejections are the same as with the whole model on every row, for a fraction of the regex work.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import polars as pl

from pipelines.ingest.coerce import empty_rejections
from pipelines.ingest.labels import column_label, fmt_value
from pipelines.ingest.read import LINE_COL
from schemas import Dataset
from schemas.common import EARLIEST
from schemas.pandera_polars import pa
from schemas.survey import SATISFIED_FROM

_CHECK_MESSAGES: list[tuple[str, str]] = [
    (r"^isin", "« {value} » n'est pas une valeur admise pour {column}{allowed}."),
    (r"^str_matches", "« {value} » n'a pas le format attendu pour {column}{hint}."),
    (
        r"^(greater_than_or_equal_to|in_range|less_than_or_equal_to|greater_than|less_than)",
        "« {value} » est hors des bornes admises pour {column}{bounds}.",
    ),
    (r"^not_nullable", "{column} : valeur obligatoire absente sur cette ligne."),
    (r"^date_implausible", "Date invraisemblable pour {column} : « {value} » ({why})."),
    (r"^decision_before_filing", "La décision ({value}) est antérieure au dépôt du dossier{filed}."),
    (r"^decided_without_date", "Dossier décidé (accepté, refusé ou traité) sans date de décision."),
    (r"^score_off_scale", "Note « {value} » hors de l'échelle déclarée{scale}."),
    (
        r"^satisfied_contradicts_score",
        "Indicateur « satisfait » ({value}) contraire à la note{score} : est satisfait qui donne au moins "
        "7,5 sur 10 ; corrigez l'un ou l'autre.",
    ),
    (
        r"^supports_above_participants",
        "{value} soutiens pour plus de participants que n'en compte la consultation : un participant ne "
        "soutient un élément qu'une fois (soutiens ≤ participants).",
    ),
]
_HINTS = {
    "commune": " (code INSEE à 5 caractères, ex. 39300 ou 2A004)",
    "age_band": " (tranche d'âge, ex. 30-44, <25, 75+)",
    "service": " (identifiant court en minuscules, ex. etat-civil)",
}


DUPLICATE_MESSAGE = "Identifiant « {} » en double dans le fichier (déjà présent ligne {}) : seule la première ligne est gardée."


def french_message(check: str, column: str, value: str | None, **context: str) -> str:
    """The French sentence for a failed check (``context``: allowed, bounds, why, filed, scale)."""
    fields = {
        "allowed": "",
        "bounds": "",
        "why": "avant 2000 ou dans le futur",
        "filed": "",
        "scale": "",
        "score": "",
    } | context
    for pattern, template in _CHECK_MESSAGES:
        if re.search(pattern, check):
            return template.format(
                value=value, column=column_label(column), hint=_HINTS.get(column, ""), **fields
            )
    return f"Contrôle « {check} » non respecté pour {column_label(column)} (valeur « {value} »)."


def _context(check: str, column: str, frame: pl.DataFrame, idx: int | None, value: object) -> dict[str, str]:
    """Details that make a message actionable: allowed values, bounds, the other date, the scale."""
    out: dict[str, str] = {}
    if check.startswith("isin"):
        allowed = re.findall(r"'([^']*)'", check)
        if allowed:
            out["allowed"] = " (valeurs admises : " + ", ".join(allowed) + ")"
    elif re.match(r"^(greater|less|in_range)", check):
        bounds = [b.replace(".", ",") for b in re.findall(r"-?\d+(?:\.\d+)?", check)]
        if check.startswith("in_range") and len(bounds) == 2:
            out["bounds"] = f" (de {bounds[0]} à {bounds[1]})"
        elif bounds:
            out["bounds"] = f" ({'au moins' if check.startswith('greater') else 'au plus'} {bounds[0]})"
    elif check.startswith("date_implausible") and isinstance(value, dt.datetime):
        out["why"] = "antérieure à 2000" if value < EARLIEST else "dans le futur, après le moment de l'import"
    elif idx is not None and check.startswith("decision_before_filing") and "submitted_at" in frame.columns:
        out["filed"] = f" ({fmt_value(frame['submitted_at'][idx])})"
    elif (
        idx is not None
        and check.startswith("score_off_scale")
        and {"scale_min", "scale_max"} <= set(frame.columns)
    ):
        out["scale"] = f" ({fmt_value(frame['scale_min'][idx])} à {fmt_value(frame['scale_max'][idx])})"
    elif idx is not None and check.startswith("satisfied_contradicts_score") and "score_10" in frame.columns:
        out["score"] = f" ({fmt_value(frame['score_10'][idx])} sur 10)"
    return out


def validate(
    frame: pl.DataFrame, dataset: Dataset, duplicates: bool = True, memo: dict | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows in canonical column order, rejections ``_line, column, check, value, message``).

    ``duplicates=False``: repeated ids are left to the caller (the streamed path finds them across
    the whole file at once, see ``stream``). ``memo``: a dict kept from one batch of a file to the
    next (one thread at a time): the distinct values already checked, and how they failed, are
    not checked again."""
    frame, dup_rejections = _reject_duplicate_ids(frame) if duplicates else (frame, empty_rejections())
    if dataset.name == "survey":
        frame = derive_satisfied(frame)
    failures = _failures(frame, dataset, {} if memo is None else memo)
    rejections = [dup_rejections]
    if failures is not None and failures.height:
        rejections.append(_rejections_from_failures(frame, failures))
    rej = (
        pl.concat([r for r in rejections if r.height])
        if any(r.height for r in rejections)
        else empty_rejections()
    )
    good = frame
    if rej.height:
        good = frame.filter(~pl.col(LINE_COL).is_in(rej[LINE_COL].implode()))
    return good.select([*dataset.columns, LINE_COL]), rej


def derive_satisfied(frame: pl.DataFrame) -> pl.DataFrame:
    """``satisfied`` = score_10 ≥ 7.5 wherever there is a score, whatever the source (canonical CSV
    included); a flag given without a score is kept. A given flag that contradicts the score is left
    as given, for the model's check to refuse the row with its reason."""
    if not {"satisfied", "score_10"} <= set(frame.columns):
        return frame
    derived = pl.col("score_10") >= SATISFIED_FROM
    return frame.with_columns(pl.coalesce(pl.col("satisfied"), derived).alias("satisfied"))


# checks that look at one value at a time (Pandera's built-in column checks)
_VALUE_CHECKS = {
    "isin",
    "notin",
    "str_matches",
    "str_contains",
    "str_startswith",
    "str_endswith",
    "str_length",
    "in_range",
    "greater_than",
    "greater_than_or_equal_to",
    "less_than",
    "less_than_or_equal_to",
    "equal_to",
    "not_equal_to",
}
_FEW = 1000  # distinct values in the first rows under which a column is checked on its distinct values
_PROBE = 20_000


@cache
def _value_checked(dataset: Dataset) -> frozenset[str]:
    """Columns whose checks all look at one value at a time."""
    schema = dataset.model.to_schema()
    return frozenset(
        name
        for name, column in schema.columns.items()
        if column.checks and all(check.name in _VALUE_CHECKS for check in column.checks)
    )


@cache
def _values_schema(dataset: Dataset, names: frozenset[str]):
    """Those columns' checks alone, on a frame of their distinct values (missing values are the
    whole model's business)."""
    schema = dataset.model.to_schema()
    return pa.DataFrameSchema(
        {
            name: pa.Column(
                schema.columns[name].dtype, checks=schema.columns[name].checks, nullable=True, name=name
            )
            for name in sorted(names)
        }
    )


@cache
def _without_checks(dataset: Dataset, names: frozenset[str]):
    """The dataset's model without the checks of these columns (types and missing values kept)."""
    return dataset.model.to_schema().update_columns({name: {"checks": []} for name in names})


def _run(schema, frame: pl.DataFrame) -> pl.DataFrame | None:
    """Pandera's failure cases for ``frame`` (None when it passes)."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        return err.failure_cases
    except pa.errors.SchemaError as err:  # a schema-level error that lazy mode does not collect
        if isinstance(err.failure_cases, pl.DataFrame):
            return err.failure_cases
        raise
    return None


def _failures(frame: pl.DataFrame, dataset: Dataset, memo: dict) -> pl.DataFrame | None:
    """Failure cases of the dataset's model on ``frame``, with the value checks of columns with
    few distinct values run on those values only (same failures, row by row), and only on the
    values ``memo`` has not seen yet (a streamed file's batches hold the same few values)."""
    schema = dataset.polars_schema
    few = frozenset(
        name
        for name in _value_checked(dataset)
        if name in frame.columns
        and frame.schema[name] == schema[name]
        and frame[name].head(_PROBE).n_unique() < _FEW
    )
    if not few:
        return _run(dataset.model, frame)
    found = [_run(_without_checks(dataset, few), frame)]
    checked: dict[str, pl.Series] = memo.setdefault("checked", {})  # column → values checked so far
    failing: dict[str, pl.DataFrame] = memo.setdefault("failing", {})  # column → (check, _value) that failed
    # the distinct values (in one select, so that Polars finds them in parallel; their order does
    # not matter: failures are joined back to the rows and sorted by row), less those seen before
    lists = frame.select(pl.col(name).unique().implode() for name in sorted(few))
    new = {name: lists[name][0].alias(name) for name in lists.columns}
    new = {
        name: v.filter(~v.is_in(checked[name].implode())) if name in checked else v.drop_nulls()
        for name, v in new.items()
    }
    new = {name: v for name, v in new.items() if len(v)}
    if new:
        # one frame of the new values, each column padded with nulls (which the value checks skip)
        height = max(len(v) for v in new.values())
        values = pl.DataFrame([v.extend_constant(None, height - len(v)) for v in new.values()])
        failed = _run(_values_schema(dataset, frozenset(new)), values)
        if failed is not None and failed.height:
            if failed["index"].null_count():
                return _run(dataset.model, frame)  # not a value failure after all: the whole model decides
            failed = failed.with_columns(pl.col("index").cast(pl.Int64))
            for (name,), cases in failed.group_by("column", maintain_order=True):
                bad = cases.select(
                    pl.col("check").cast(pl.String), values[name].gather(cases["index"]).alias("_value")
                )
                failing[name] = pl.concat([failing[name], bad]) if name in failing else bad
        for name, v in new.items():
            checked[name] = pl.concat([checked[name], v]) if name in checked else v
    for name in sorted(few):
        bad = failing.get(name)
        if bad is None:
            continue
        rows = frame.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("index"), pl.col(name).alias("_value")
        )
        found.append(
            rows.join(bad, on="_value", how="inner").select(
                pl.col("_value").cast(pl.String).alias("failure_case"),
                pl.lit(name).alias("column"),
                "check",
                "index",
            )
        )
    kept = [
        f.select(
            pl.col("failure_case").cast(pl.String),
            pl.col("column").cast(pl.String),
            pl.col("check").cast(pl.String),
            pl.col("index").cast(pl.Int64),
        )
        for f in found
        if f is not None and f.height
    ]
    return pl.concat(kept).sort("index", maintain_order=True) if kept else None


def _reject_duplicate_ids(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    if "source_id" not in frame.columns or frame.height == 0:
        return frame, empty_rejections()
    # hash first (cheap), exact check only when a collision is possible
    if frame.select(pl.struct("source", "source_id").hash().n_unique()).item() == frame.height:
        return frame, empty_rejections()
    first_line = pl.col(LINE_COL).first().over("source", "source_id")
    # a missing id is not a duplicate: the not-null check refuses it on its own
    dup = frame.with_columns(first_line.alias("_first")).filter(
        (pl.col(LINE_COL) != pl.col("_first")) & pl.col("source_id").is_not_null()
    )
    if dup.height == 0:
        return frame, empty_rejections()
    rej = dup.select(
        pl.col(LINE_COL),
        pl.lit("source_id").alias("column"),
        pl.lit("unique").alias("check"),
        pl.col("source_id").alias("value"),
        pl.format(DUPLICATE_MESSAGE, pl.col("source_id"), pl.col("_first")).alias("message"),
    )
    return frame.filter(~pl.col(LINE_COL).is_in(rej[LINE_COL].implode())), rej


def _rejections_from_failures(frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    lines = frame[LINE_COL]
    rows = []
    for rec in failures.iter_rows(named=True):
        idx = rec.get("index")
        check = str(rec.get("check") or "")
        column = rec.get("column") or ""
        if ":" in check:  # dataframe-level checks name their column after the colon
            check, column = check.split(":", 1)
        if idx is None:
            # a column-level failure (missing column, wrong dtype): applies to every row
            for line in lines.to_list():
                rows.append((line, column, check, None, french_message(check, column, None)))
            continue
        idx = int(idx)
        line = int(lines[idx])
        value = frame[column][idx] if column in frame.columns else rec.get("failure_case")
        value_text = fmt_value(value)
        rows.append(
            (
                line,
                column,
                check,
                value_text,
                french_message(check, column, value_text, **_context(check, column, frame, idx, value)),
            )
        )
    return pl.DataFrame(rows, schema=empty_rejections().schema, orient="row")
