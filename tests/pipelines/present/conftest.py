"""Helpers of the chart tests: the text of the SVG that vl-convert renders (what the funder pack
exports), and the accessibility every figure owes (one-sentence summary as ARIA description, French
locale, a table with French headers)."""

from __future__ import annotations

import re

import vl_convert as vlc

from pipelines.present import charts

ENGLISH_MONTHS = re.compile(r"\b(Jan|Feb|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")


def svg_text(fig: charts.Figure) -> str:
    svg = vlc.vegalite_to_svg(fig.vega_lite())
    return " ".join(re.findall(r">([^<>]+)</text>", svg))


def assert_accessible(fig: charts.Figure) -> None:
    spec = fig.vega_lite()
    assert spec["description"] == fig.summary
    assert fig.summary.endswith(".") and ". " not in fig.summary  # one sentence
    assert spec["config"]["locale"] == charts.LOCALE
    assert fig.table.height > 0 and all(c[0].isupper() or c == "n" for c in fig.table.columns)
