"""Type text values into the canonical dtypes, French conventions included.

Pure functions over Polars frames. A non-empty value that cannot be read becomes a rejection with
the original value and a French reason; it is never silently turned into a null.

Formats understood:
- timestamps: ISO (``2025-03-10 22:18:19``, ``T`` separator, optional ``+0100``/``+02:00`` offset,
  converted to Paris wall-clock time), ``dd/mm/yyyy[ HH:MM[:SS]]`` always day first, ISO dates;
- numbers: decimal comma or dot, thousands separators (space, U+00A0, U+202F, and the ``?`` a cp1252
  save leaves for U+202F), ``€`` and ``%``;
- missing values: empty, ``N/A``, ``NA``, ``Sans réponse`` (LimeSurvey) become null;
- booleans: Oui/Non, VRAI/FAUX, true/false, on/off, Y/N, 1/0 (any case).
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.labels import column_label
from pipelines.ingest.read import LINE_COL

NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y",
)
OFFSET_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
)
TRUE_WORDS = ("oui", "vrai", "true", "on", "y", "yes", "1", "o")
FALSE_WORDS = ("non", "faux", "false", "off", "n", "no", "0")
# LimeSurvey writes "N/A" for a Yes/No question not answered; "Sans réponse" is its French "no answer"
MISSING_MARKERS = ["", "N/A", "n/a", "NA", "Sans réponse", "sans réponse", "Sans reponse"]


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim; empty strings and the usual "no answer" markers become null."""
    s = expr.str.strip_chars()
    return pl.when(s.is_in(MISSING_MARKERS)).then(None).otherwise(s)


def _naive(s: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == "%Y-%m-%d":
        return s.str.to_date(fmt, strict=False).cast(pl.Datetime("us"))
    # times of day are mostly distinct: Polars' cache of parsed strings would cost more than it saves
    return s.str.to_datetime(fmt, strict=False, time_unit="us", cache="%H" not in fmt)


def _aware(s: pl.Expr, fmt: str, tz: str) -> pl.Expr:
    return (
        s.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC", cache=False)
        .dt.convert_time_zone(tz)
        .dt.replace_time_zone(None)
    )


ALL_FORMATS: tuple[tuple[str, bool], ...] = (
    *((f, True) for f in OFFSET_FORMATS),
    *((f, False) for f in NAIVE_FORMATS),
    ("%Y-%m-%d", False),
)


_NEEDS_CLEANING = r"^\s|\s$|^(?:N/A|n/a|NA|[Ss]ans r[ée]ponse)?$"  # keep in step with MISSING_MARKERS


def needs_cleaning(values: pl.Series) -> bool:
    """Whether any value has surrounding spaces or is an empty/N/A marker (cheaper than cleaning;
    a column with few distinct values is looked at through those)."""
    if values.dtype != pl.String:
        return False
    if values.len() > 1000 and values.head(20_000).n_unique() < 1000:
        values = values.unique()
    return bool(values.str.contains(_NEEDS_CLEANING).any())


def parse_datetime(
    expr: pl.Expr,
    tz: str = "Europe/Paris",
    formats: tuple[tuple[str, bool], ...] = ALL_FORMATS,
    *,
    strip: bool = True,
) -> pl.Expr:
    """Text → naive Paris wall-clock datetime (null when unreadable).

    ``formats`` (format, has_offset) are tried in order; :func:`likely_formats` narrows them to
    those a column actually uses, which keeps large files fast (one format instead of twelve).
    ``strip=False`` when the text is known to have no surrounding spaces.
    """
    s = expr.str.strip_chars() if strip else expr
    return pl.coalesce(*[_aware(s, f, tz) if aware else _naive(s, f) for f, aware in formats])


def likely_formats(values: pl.Series, sample: int = 2000) -> tuple[tuple[str, bool], ...]:
    """A small set of formats that reads a sample of the column (greedy cover, cheapest first);
    every format when none does. Rows they miss are re-read with every format later."""
    left = values.drop_nulls().head(sample).str.strip_chars().to_frame("v")
    chosen: list[tuple[str, bool]] = []
    while left.height:
        best, best_ok = None, None
        for fmt, aware in ALL_FORMATS:
            if (fmt, aware) in chosen:
                continue
            expr = _aware(pl.col("v"), fmt, "Europe/Paris") if aware else _naive(pl.col("v"), fmt)
            ok = left.select(expr.is_not_null()).to_series()
            if best_ok is None or ok.sum() > best_ok.sum():
                best, best_ok = (fmt, aware), ok
        if best is None or not best_ok.any():
            break
        chosen.append(best)
        left = left.filter(~best_ok)
    return tuple(chosen) or ALL_FORMATS


def utc_to_paris(expr: pl.Expr, tz: str = "Europe/Paris") -> pl.Expr:
    """A naive UTC datetime → naive Paris wall-clock datetime."""
    return expr.dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.replace_time_zone(None)


def parse_number(expr: pl.Expr) -> pl.Expr:
    """French or English number text → Float64 (``1 250,50 €`` → 1250.5, ``85,5%`` → 85.5)."""
    # a cp1252 save turns the U+202F thousands separator of recent Windows into "?": "1?250,50 €"
    s = (
        expr.str.strip_chars()
        .str.replace_all(r"(\d)\?(\d)", "${1}${2}")
        .str.replace_all(r"[\s\u00a0\u202f€%]", "")
    )
    # "1.234,5" (dot thousands, comma decimal) → "1234,5"; then a lone comma is the decimal mark
    s = pl.when(s.str.contains(r"^-?\d{1,3}(\.\d{3})+,\d+$")).then(s.str.replace_all(r"\.", "")).otherwise(s)
    # "1,234.5" (comma thousands, dot decimal) → "1234.5"
    s = (
        pl.when(s.str.contains(r"^-?\d{1,3}(,\d{3})+\.\d+$"))
        .then(s.str.replace_all(",", "", literal=True))
        .otherwise(s)
    )
    s = s.str.replace(",", ".", literal=True)
    return s.cast(pl.Float64, strict=False)


def parse_bool(expr: pl.Expr) -> pl.Expr:
    s = expr.str.strip_chars().str.to_lowercase()
    return pl.when(s.is_in(TRUE_WORDS)).then(True).when(s.is_in(FALSE_WORDS)).then(False).otherwise(None)


_PARSERS = {
    pl.Datetime: parse_datetime,
    pl.Float64: parse_number,
    pl.Int64: lambda e: parse_number(e).round(0).cast(pl.Int64, strict=False),
    pl.Boolean: parse_bool,
    pl.Date: lambda e: parse_datetime(e).dt.date(),
}
_TYPE_WORDS = {
    pl.Datetime: "une date lisible (jj/mm/aaaa ou aaaa-mm-jj)",
    pl.Float64: "un nombre",
    pl.Int64: "un nombre entier",
    pl.Boolean: "oui ou non",
    pl.Date: "une date lisible (jj/mm/aaaa ou aaaa-mm-jj)",
}


def coerce(
    frame: pl.DataFrame, schema: dict[str, pl.DataType], memo: dict | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cast every column of ``schema`` (missing ones become null).

    ``memo``: a dict kept from one batch of a file to the next: the date formats found in the
    first batch are tried first in the next ones (rows they miss are still read with every format).

    Returns (typed frame, rejections) where rejections has ``_line, column, check, value, message``;
    rows with a rejection are removed from the typed frame.
    """
    exprs: list[pl.Expr] = []
    parsed_columns: list[str] = []
    texts: dict[str, pl.Expr] = {}
    schema = {n: (d() if isinstance(d, type) else d) for n, d in schema.items()}
    slow_columns: list[str] = []  # date columns parsed with their likely formats only
    for name, dtype in schema.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype).alias(name))
            continue
        current = frame.schema[name]
        if current == dtype:
            exprs.append(pl.col(name))
            continue
        if current != pl.String:
            exprs.append(pl.col(name).cast(dtype, strict=False).alias(name))
            continue
        dirty = needs_cleaning(frame[name])
        text = clean_text(pl.col(name)) if dirty else pl.col(name)
        texts[name] = text
        if dtype == pl.String:
            exprs.append(text.alias(name))
            continue
        if dtype.base_type() in (pl.Datetime, pl.Date):
            formats = memo.setdefault("formats", {}) if memo is not None else {}
            if name not in formats:
                formats[name] = likely_formats(frame[name])
            fast = parse_datetime(text, formats=formats[name], strip=dirty)
            parsed = fast.dt.date() if dtype.base_type() == pl.Date else fast
            slow_columns.append(name)
        else:
            parsed = _PARSERS[dtype.base_type()](text)
        exprs.append(parsed.alias(name))
        parsed_columns.append(name)
    typed = frame.select([*exprs, pl.col(LINE_COL)])
    typed = _reparse_misses(frame, typed, slow_columns, schema, texts)
    if not parsed_columns:
        return typed, empty_rejections()
    # a failure: text that was there and did not become a value
    failures = frame.select(
        *[
            pl.when(texts[c].is_not_null() & typed[c].is_null()).then(pl.col(c)).otherwise(None).alias(c)
            for c in parsed_columns
        ],
        pl.col(LINE_COL),
    )
    bad_cols = [c for c in failures.columns if c != LINE_COL and failures[c].null_count() < failures.height]
    parts = []
    for col in bad_cols:
        dtype = schema[col]
        parts.append(
            failures.filter(pl.col(col).is_not_null()).select(
                pl.col(LINE_COL),
                pl.lit(col).alias("column"),
                pl.lit("type").alias("check"),
                pl.col(col).alias("value"),
                pl.format(
                    "Valeur illisible pour {} : « {} » n'est pas {}.",
                    pl.lit(column_label(col)),
                    pl.col(col),
                    pl.lit(_TYPE_WORDS[dtype.base_type()]),
                ).alias("message"),
            )
        )
    rejections = pl.concat(parts) if parts else empty_rejections()
    if rejections.height:
        typed = typed.filter(~pl.col(LINE_COL).is_in(rejections[LINE_COL].implode()))
    return typed, rejections


def _reparse_misses(
    raw: pl.DataFrame, typed: pl.DataFrame, columns: list[str], schema: dict, texts: dict[str, pl.Expr]
) -> pl.DataFrame:
    """Rows whose date the likely formats missed get every format (only those rows: rare)."""
    for name in columns:
        text = texts[name]
        miss = raw.select(text.is_not_null() & typed[name].is_null()).to_series()
        if not miss.any():
            continue
        full = raw.filter(miss).select(parse_datetime(text)).to_series()
        if schema[name].base_type() == pl.Date:
            full = full.dt.date()
        values = typed[name].to_list()
        for i, v in zip(miss.arg_true().to_list(), full.to_list(), strict=True):
            values[i] = v
        typed = typed.with_columns(pl.Series(name, values, dtype=typed.schema[name]))
    return typed


REJECTION_SCHEMA = {
    LINE_COL: pl.Int64,
    "column": pl.String,
    "check": pl.String,
    "value": pl.String,
    "message": pl.String,
}


def empty_rejections() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTION_SCHEMA)
