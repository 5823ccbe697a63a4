"""Formula neutralising for the files a spreadsheet opens (CSV of rejected rows, the funder pack's
CSV and XLSX): a text cell that starts like a formula is kept as text."""

from __future__ import annotations

import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe (CSV exports)."""
    return df.with_columns(
        pl.when(pl.any_horizontal(*(pl.col(c).str.starts_with(p) for p in FORMULA_START)))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in df.schema.items()
        if dtype == pl.String
    )
