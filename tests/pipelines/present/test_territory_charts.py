"""The funnel plot: rendered by vl-convert (as the funder pack would), French text and ticks, its
sentence and table, the control limits as curves, members below the minimum sample hollow and grey."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.present import territory as t
from pipelines.present import territory_charts as tc
from pipelines.present.palette import OKABE_ITO
from tests.pipelines.present.conftest import ENGLISH_MONTHS, assert_accessible, svg_text
from tests.territory_warehouse import build_territory_warehouse


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    warehouse, _ = build_territory_warehouse(tmp_path_factory.mktemp("territoire"))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        members = con.sql("select * from territory_members").pl()
        results = con.sql("select * from territory_results").pl()
    finally:
        con.close()
    points = t.funnel_points(results, members, "taux-demat")
    curves = t.funnel_curves(0.6, points["n"].to_list())
    return tc.funnel_figure(
        points, curves, label="Part des démarches faites en ligne", unit="%", p0=0.6, width=700
    )


def test_funnel_is_accessible_and_french(figure):
    assert_accessible(figure)
    text = svg_text(figure)
    assert "Limites à 95" in text and "Limites à 99,8" in text and "Ensemble du territoire" in text
    assert "Échantillon insuffisant (non comparé)" in text
    assert "60 %" in text.replace("\u00a0", " ")  # French percent ticks
    assert "2 000" in text.replace("\u202f", " ")  # French thousands on the n axis (logarithmic: 12 to 2 000)
    assert "échelle logarithmique" in text
    assert not ENGLISH_MONTHS.search(text)


def test_funnel_summary_counts_the_judgements(figure):
    assert figure.summary == (
        "Part des démarches faites en ligne : les membres comparés à la valeur de l'ensemble du territoire "
        "(60,0\u00a0%) ; 1 sur 4 dans les limites, 1 au-dessus, 2 au-dessous ; 1 sous l'effectif minimum, non comparé."
    )


def test_funnel_table_gives_limits_and_reading(figure):
    rows = {r["Membre"]: r for r in figure.table.iter_rows(named=True)}
    assert figure.table.columns == [
        "Membre",
        "Valeur",
        "n",
        "Lecture",
        "Limites à 95\u00a0%",
        "Limites à 99,8\u00a0%",
        "Groupe de pairs",
    ]
    # n = 400: 0.6 ± 1.959964 × 0.0244949 = 0.551991–0.648009; ± 3.090232 × 0.0244949 = 0.524306–0.675694
    assert rows["Montrevel-la-Côte"]["Limites à 95\u00a0%"] == "55,2\u00a0% – 64,8\u00a0%"
    assert rows["Montrevel-la-Côte"]["Limites à 99,8\u00a0%"] == "52,4\u00a0% – 67,6\u00a0%"
    assert rows["Montrevel-la-Côte"]["Lecture"] == (
        "au-dessous des limites à 99,8\u00a0% : nettement moins bien que l'ensemble du territoire"
    )
    assert rows["Les Granges-Basses"]["Lecture"] == "échantillon insuffisant (n = 12 < 30) : non comparé"


def test_below_minimum_members_are_hollow_and_grey(figure):
    spec = figure.vega_lite()
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point")
    domain = points["encoding"]["fill"]["scale"]["domain"]
    fills = dict(zip(domain, points["encoding"]["fill"]["scale"]["range"], strict=True))
    strokes = dict(zip(domain, points["encoding"]["stroke"]["scale"]["range"], strict=True))
    assert fills["Échantillon insuffisant (non comparé)"] == "#FFFFFF"
    assert strokes["Échantillon insuffisant (non comparé)"] == OKABE_ITO["grey"]
    assert fills["Dans les limites"] == OKABE_ITO["blue"]
    shapes = dict(zip(domain, points["encoding"]["shape"]["scale"]["range"], strict=True))
    assert (
        shapes["Au-dessus des limites (mieux)"] == "triangle-up"
    )  # the side told by the shape, not the colour alone
    assert shapes["Au-dessous des limites (moins bien)"] == "triangle-down"
