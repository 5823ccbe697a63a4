"""The series chart beside a revised target: the original trajectory drawn faintly under the legend
« Trajectoire initiale » (checked on the rendered SVG), absent when nothing was revised."""

from __future__ import annotations

import polars as pl

from pipelines.present import charts
from tests.pipelines.present.conftest import assert_accessible, svg_text
from tests.pipelines.present.test_charts import TRAJECTORY, series_frame

REVISED = TRAJECTORY.with_columns(
    pl.when(pl.col("kind") == "cible").then(0.75).otherwise(pl.col("expected")).alias("expected")
)


def test_the_original_trajectory_is_drawn_beside_the_revised_one():
    fig = charts.series_figure(
        series_frame(), REVISED, label="Part en ligne", unit="%", original=TRAJECTORY, width=700
    )
    assert_accessible(fig)
    text = svg_text(fig)
    assert "Trajectoire initiale" in text and "Trajectoire attendue" in text
    assert "la cible est de 75,0\u00a0% au 31/12/2028" in fig.summary
    assert (
        "la trajectoire initiale, avant révision de la cible (70,0\u00a0% au 31/12/2028), est tracée en gris clair."
        in fig.summary
    )


def test_no_initial_trajectory_without_a_revision():
    fig = charts.series_figure(
        series_frame(), TRAJECTORY, label="Part en ligne", unit="%", original=TRAJECTORY, width=700
    )
    assert "Trajectoire initiale" not in svg_text(fig) and "initiale" not in fig.summary
