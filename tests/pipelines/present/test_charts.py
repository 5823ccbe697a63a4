"""The chart builder: pure functions, French locale inside the chart, Okabe–Ito colours, a one-sentence
summary and a French table with every figure — checked on the SVG vl-convert renders (what the
funder pack will export)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from pipelines.present import charts
from pipelines.present.palette import OKABE_ITO
from tests.pipelines.present.conftest import ENGLISH_MONTHS, assert_accessible, svg_text


def months(n: int, start=dt.date(2024, 1, 1)) -> list[dt.date]:
    out, m = [], start
    for _ in range(n):
        out.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def series_frame(n_small: int = 0) -> pl.DataFrame:
    ms = months(24)
    values = [0.40 + 0.01 * i for i in range(24)]
    ns = [50 if i < n_small else 1500 for i in range(24)]
    return pl.DataFrame(
        {
            "month": ms,
            "value": values,
            "ci_low": [v - 0.02 for v in values],
            "ci_high": [v + 0.02 for v in values],
            "n": ns,
        }
    )


TRAJECTORY = pl.DataFrame(
    {
        "date": [dt.date(2023, 12, 31), dt.date(2025, 12, 31), dt.date(2028, 12, 31)],
        "expected": [0.33, 0.48, 0.70],
        "kind": ["référence", "jalon", "cible"],
    }
)


def test_series_chart_speaks_french_and_shows_the_trajectory():
    fig = charts.series_figure(
        series_frame(n_small=3),
        TRAJECTORY,
        label="Part en ligne",
        unit="%",
        min_sample=200,
        projection={"date": "2028-12-31", "value": 0.66, "low": 0.6, "high": 0.72},
        width=700,
    )
    assert_accessible(fig)
    text = svg_text(fig)
    assert "janv. 2025" in text and not ENGLISH_MONTHS.search(text)
    assert "50\u00a0%" in text  # French percent, from the locale
    for word in ("Valeur mesurée", "Trajectoire attendue", "Projection", "jalon", "cible"):
        assert word in text
    spec = json.dumps(fig.chart.to_dict())
    assert OKABE_ITO["blue"] in spec and OKABE_ITO["grey"] in spec  # measured in blue, small samples in grey
    assert (
        "Part en ligne : 63,0\u00a0% en décembre 2025 (n = 1\u202f500), contre 40,0\u00a0% en janvier 2024"
        in fig.summary
    )
    assert fig.table.filter(pl.col("Remarque") == "effectif insuffisant").height == 3
    assert fig.table["Série"].to_list()[-1] == "Projection"


def test_breakdown_chart_greys_small_groups_and_says_so():
    df = pl.DataFrame(
        {
            "key": ["a", "b", "c"],
            "label": ["Guichet", "En ligne", None],
            "value": [12.0, 30.5, 20.0],
            "ci_low": [10.0, 28.0, 15.0],
            "ci_high": [14.0, 33.0, 25.0],
            "n": [500, 800, 20],
        }
    )
    fig = charts.breakdown_figure(df, by="channel", unit="jours", label="Délai", min_sample=100, width=600)
    assert_accessible(fig)
    assert (
        fig.summary
        == "Délai par canal : de 12,0\u00a0j (Guichet) à 30,5\u00a0j (En ligne) ; 1 groupe sous l'effectif minimum, en gris."
    )
    assert fig.table.columns == ["Canal", "Valeur", "Intervalle à 95 %", "n", "Remarque"]
    assert "Non renseigné" in fig.table["Canal"].to_list()
    text = svg_text(fig)
    assert "30,5" in text and "jours" in text


def test_review_chart_compares_two_periods():
    row = {
        "id": "x",
        "label": "Satisfaction",
        "unit": "/10",
        "baseline_value": 6.2,
        "baseline_ci_low": 6.0,
        "baseline_ci_high": 6.4,
        "baseline_n": 1677,
        "review_value": 7.2,
        "ci_low": 7.1,
        "ci_high": 7.3,
        "n": 4013,
        "delta": 1.0,
        "sentence": "Hausse significative de 1,0 point sur 10 depuis 2023 (p < 0,001).",
        "target_value": 7.6,
    }
    fig = charts.review_figure(row, baseline_label="Référence (2023)", review_label="Revue (2026)", width=500)
    assert_accessible(fig)
    assert fig.summary == row["sentence"]
    text = svg_text(fig)
    assert "Référence (2023)" in text and "6,4" in text
    assert fig.table["Période"].to_list() == ["Référence (2023)", "Revue (2026)", "Cible"]


def test_sparkline_has_summary_and_table():
    fig = charts.sparkline_figure(series_frame(), label="Part en ligne", unit="%", min_sample=200)
    assert (
        fig.summary
        == "Part en ligne, évolution mensuelle : de 40,0\u00a0% en janvier 2024 à 63,0\u00a0% en décembre 2025."
    )
    assert fig.table.columns == ["Mois", "Valeur", "n"] and fig.table.height == 24


def test_sparkline_is_the_spec_altair_writes_without_importing_altair():
    """The overview's sparklines are plain Vega-Lite dicts (no Altair import on the first page): the
    same spec as the Altair chart they replace, in the French locale, drawn by vl-convert."""
    import altair as alt

    series = series_frame(n_small=2)
    fig = charts.sparkline_figure(series, label="Part en ligne", unit="%", min_sample=200)
    assert isinstance(fig.chart, dict) and isinstance(fig.chart["datasets"]["sparkline"], pl.DataFrame)
    s = series.with_columns((pl.col("n") >= 200).alias("ok"))
    base = alt.Chart(s).encode(
        x=alt.X("month:T", axis=None),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("month:T", title="Mois", format="%B %Y"),
            alt.Tooltip("value:Q", title="Valeur", format=".1%"),
            alt.Tooltip("n:Q", title="n", format=",.0f"),
        ],
    )
    reference = alt.layer(
        base.mark_line(color=charts.MEASURED, strokeWidth=1.5),
        base.mark_point(filled=True, size=14).encode(
            color=alt.condition("datum.ok", alt.value(charts.MEASURED), alt.value(charts.GREY))
        ),
    ).properties(height=56)
    with alt.theme.enable("none"):  # as Streamlit renders Altair charts
        expected = charts.finish(reference, fig.summary).to_dict()

    def comparable(spec: dict) -> dict:
        spec = {k: v for k, v in spec.items() if k != "$schema"}
        (rows,) = spec.pop("datasets").values()
        return spec | {"data": None, "rows": rows}

    assert comparable(fig.vega_lite()) == comparable(expected)
    assert_accessible(fig)
    assert OKABE_ITO["grey"] in json.dumps(fig.vega_lite())  # the two small samples, in grey
    assert not ENGLISH_MONTHS.search(svg_text(fig))  # renders (no axis text; the locale travels in config)
