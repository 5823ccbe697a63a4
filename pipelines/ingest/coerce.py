"""Type text values into the canonical dtypes, French conventions included.

Pure functions over Polars frames. A non-empty value that cannot be read becomes a rejection with
the original value and a French reason; it is never silently turned into a null.

Formats understood:
- timestamps: ISO (``2025-03-10 22:18:19``, ``T`` separator, optional ``+0100``/``+02:00`` offset,
  converted to Paris wall-clock time), ``dd/mm/yyyy[ HH:MM[:SS]]`` always day first, ISO dates;
- numbers: decimal comma or dot, thousands separators (space, U+00A0, U+202F), ``€`` and ``%``;
- booleans: Oui/Non, VRAI/FAUX, true/false, on/off, Y/N, 1/0 (any case).
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.read import LINE_COL

NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y",
)
OFFSET_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z")
TRUE_WORDS = ("oui", "vrai", "true", "on", "y", "yes", "1", "o")
FALSE_WORDS = ("non", "faux", "false", "off", "n", "no", "0")


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim; empty strings and the usual "no answer" markers become null."""
    s = expr.str.strip_chars()
    return pl.when(s.is_in(["", "N/A", "n/a", "NA"])).then(None).otherwise(s)


def parse_datetime(expr: pl.Expr, tz: str = "Europe/Paris") -> pl.Expr:
    """Text → naive Paris wall-clock datetime (null when unreadable)."""
    s = expr.str.strip_chars()
    naive = [s.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in NAIVE_FORMATS]
    naive.append(s.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")))
    aware = [
        s.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        .dt.convert_time_zone(tz)
        .dt.replace_time_zone(None)
        for fmt in OFFSET_FORMATS
    ]
    return pl.coalesce(*aware, *naive)


def utc_to_paris(expr: pl.Expr, tz: str = "Europe/Paris") -> pl.Expr:
    """A naive UTC datetime → naive Paris wall-clock datetime."""
    return expr.dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.replace_time_zone(None)


def parse_number(expr: pl.Expr) -> pl.Expr:
    """French or English number text → Float64 (``1 250,50 €`` → 1250.5, ``85,5%`` → 85.5)."""
    s = expr.str.strip_chars().str.replace_all(r"[\s\u00a0\u202f€%]", "")
    # "1.234,5" (dot thousands, comma decimal) → "1234,5"; then a lone comma is the decimal mark
    s = pl.when(s.str.contains(r"^-?\d{1,3}(\.\d{3})+,\d+$")).then(s.str.replace_all(r"\.", "")).otherwise(s)
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


def coerce(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cast every column of ``schema`` (missing ones become null).

    Returns (typed frame, rejections) where rejections has ``_line, column, check, value, message``;
    rows with a rejection are removed from the typed frame.
    """
    exprs, fail_exprs = [], []
    schema = {n: (d() if isinstance(d, type) else d) for n, d in schema.items()}
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
        text = clean_text(pl.col(name))
        if dtype == pl.String:
            exprs.append(text.alias(name))
            continue
        parsed = _PARSERS[dtype.base_type()](text)
        exprs.append(parsed.alias(name))
        fail_exprs.append(
            pl.when(text.is_not_null() & parsed.is_null()).then(pl.col(name)).otherwise(None).alias(name)
        )
    typed = frame.select([*exprs, pl.col(LINE_COL)])
    if not fail_exprs:
        return typed, empty_rejections()
    failures = frame.select([*fail_exprs, pl.col(LINE_COL)])
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
                pl.format("Valeur illisible dans « {} » : « {} » n'est pas {}.", pl.lit(col), pl.col(col), pl.lit(_TYPE_WORDS[dtype.base_type()])).alias("message"),
            )
        )
    rejections = pl.concat(parts) if parts else empty_rejections()
    if rejections.height:
        typed = typed.filter(~pl.col(LINE_COL).is_in(rejections[LINE_COL].implode()))
    return typed, rejections


REJECTION_SCHEMA = {LINE_COL: pl.Int64, "column": pl.String, "check": pl.String, "value": pl.String, "message": pl.String}


def empty_rejections() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTION_SCHEMA)
