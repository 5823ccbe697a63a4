"""Formula neutralising: text a spreadsheet would run stays text."""

from __future__ import annotations

import polars as pl

from pipelines.present.formulas import FORMULA_START, neutralise_formulas


def test_formulas_are_neutralised():
    df = pl.DataFrame({"a": ["=1+1", "+33 6 12", "-2", "@SUM(A1)", "normal", None], "n": [1, 2, 3, 4, 5, 6]})
    out = neutralise_formulas(df)
    assert out["a"].to_list() == ["'=1+1", "'+33 6 12", "'-2", "'@SUM(A1)", "normal", None]
    assert out["n"].to_list() == df["n"].to_list()


def test_text_that_only_contains_a_formula_sign_is_left_alone():
    df = pl.DataFrame({"a": ["1+1", "a=b", "x-1", "mail@exemple.fr", ""]})
    assert neutralise_formulas(df)["a"].to_list() == df["a"].to_list()
    assert all(len(p) == 1 for p in FORMULA_START)
