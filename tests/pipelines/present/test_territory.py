"""The territory view's computations against numbers worked out by hand: the funnel's control limits,
each member's judgement in words (direction-aware), members below the minimum sample never judged, the
members × indicators table and the members list, on the hand-built consolidated warehouse."""

from __future__ import annotations

import math

import duckdb
import polars as pl
import pytest

from pipelines.present import territory as t
from tests.territory_warehouse import build_territory_warehouse

PCT = "\u00a0%"


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame]:
    warehouse, _ = build_territory_warehouse(tmp_path_factory.mktemp("territoire"))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql("select * from territory_members").pl(), con.sql(
            "select * from territory_results"
        ).pl()
    finally:
        con.close()


def test_limits_of_the_brief_example():
    # p0 = 0.6, n = 100: sqrt(0.6 × 0.4 / 100) = 0.0489898; 1.959964 × 0.0489898 = 0.0960182
    low, high = t.control_limits(0.6, 100, t.Z95)
    assert low == pytest.approx(0.503982, abs=1e-6)
    assert high == pytest.approx(0.696018, abs=1e-6)
    # 3.090232 × 0.0489898 = 0.1513899
    low, high = t.control_limits(0.6, 100, t.Z998)
    assert (low, high) == pytest.approx((0.448610, 0.751390), abs=1e-6)


def test_limits_are_clipped_to_zero_and_one():
    # p0 = 0.9, n = 8: 1.959964 × sqrt(0.09 / 8) = 0.2078868 → 1.1078868, clipped to 1
    low, high = t.control_limits(0.9, 8, t.Z95)
    assert high == 1.0 and low == pytest.approx(0.692114, abs=1e-6)
    low, high = t.control_limits(0.05, 10, t.Z998)  # 0.05 − 0.2129795 < 0
    assert low == 0.0 and high == pytest.approx(0.262980, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "n", "key", "words", "reading"),
    [
        # n = 2000: 95 % limits 0.578530–0.621470, 99.8 % 0.566148–0.633852
        (
            0.65,
            2000,
            "above_998",
            f"au-dessus des limites à 99,8{PCT}",
            "nettement mieux que l'ensemble du territoire",
        ),
        (
            0.625,
            2000,
            "above_95",
            f"au-dessus des limites à 95{PCT}",
            "plutôt mieux que l'ensemble du territoire",
        ),
        (0.62, 2000, "within", "dans les limites", "écart explicable par le hasard"),
        # n = 1500: 95 % low 0.575208, 99.8 % low 0.560912
        (
            0.57,
            1500,
            "below_95",
            f"au-dessous des limites à 95{PCT}",
            "plutôt moins bien que l'ensemble du territoire",
        ),
        # n = 400: 99.8 % low 0.524306
        (
            0.45,
            400,
            "below_998",
            f"au-dessous des limites à 99,8{PCT}",
            "nettement moins bien que l'ensemble du territoire",
        ),
        # n = 88: 95 % limits 0.497645–0.702355
        (0.68182, 88, "within", "dans les limites", "écart explicable par le hasard"),
    ],
)
def test_judgement_words(value, n, key, words, reading):
    j = t.judge(value, n, 0.6, min_sample=30, direction="increase")
    assert (j.key, j.words, j.reading) == (key, words, reading)
    assert j.judged


def test_judgement_follows_the_direction():
    """For a « decrease » indicator (lower is better), above the limits is worse, below is better."""
    above = t.judge(0.65, 2000, 0.6, min_sample=30, direction="decrease")
    below = t.judge(0.45, 400, 0.6, min_sample=30, direction="decrease")
    assert above.words == f"au-dessus des limites à 99,8{PCT}"
    assert above.reading == "nettement moins bien que l'ensemble du territoire"
    assert below.reading == "nettement mieux que l'ensemble du territoire"
    assert t.legend_label(above, "decrease") == "Au-dessus des limites (moins bien)"
    assert t.legend_label(below, "increase") == "Au-dessous des limites (moins bien)"


def test_a_value_on_the_limit_is_within():
    _, high = t.control_limits(0.6, 100, t.Z95)
    assert t.judge(high, 100, 0.6, min_sample=30).key == "within"
    assert t.judge(high + 1e-9, 100, 0.6, min_sample=30).key == "above_95"


def test_below_the_minimum_sample_is_never_judged():
    # 0.05 with n = 12 would be far below the 99.8 % limits (0.6 − 3.090232 × 0.141421 = 0.162975)
    j = t.judge(0.05, 12, 0.6, min_sample=30)
    assert (j.key, j.side, j.judged) == ("insufficient", "none", False)
    assert j.text == "échantillon insuffisant (n = 12 < 30) : non comparé"
    # the warehouse's own flag wins over n < min_sample
    assert t.judge(0.05, 40, 0.6, min_sample=30, below_min=True).key == "insufficient"
    assert t.judge(None, 0, 0.6, min_sample=30).key == "not_computed"


def test_funnel_points_of_the_territory(frames):
    members, results = frames
    points = t.funnel_points(results, members, "taux-demat")
    by_name = {r["name"]: r for r in points.iter_rows(named=True)}
    assert by_name["Lons-sur-Sorne"]["key"] == "above_998"
    assert by_name["Communauté de communes des Coteaux"]["key"] == "below_95"
    assert by_name["Montrevel-la-Côte"]["key"] == "below_998"
    assert by_name["Écrille-la-Forêt"]["key"] == "within"
    granges = by_name["Les Granges-Basses"]
    assert granges["key"] == "insufficient" and not granges["judged"] and granges["low95"] is None
    assert granges["category"] == "Échantillon insuffisant (non comparé)"
    # the limits at the member's own n: 0.6 ± 1.959964 × sqrt(0.24 / 1500)
    coteaux = by_name["Communauté de communes des Coteaux"]
    half = 1.959964 * math.sqrt(0.24 / 1500)
    assert (coteaux["low95"], coteaux["high95"]) == pytest.approx((0.6 - half, 0.6 + half), abs=1e-12)
    assert coteaux["low95"] == pytest.approx(0.575208, abs=1e-6)


def test_peer_group_keeps_the_pooled_value_of_the_whole_territory(frames):
    members, results = frames
    group = "commune · moins de 2 000 habitants"
    points = t.funnel_points(results, members, "taux-demat", peer_group=group)
    assert points["name"].to_list() == ["Écrille-la-Forêt", "Les Granges-Basses"]
    # Écrille (0.68182, n = 88) judged against p0 = 0.6 of the territory, not the group's (65 / 100 = 0.65)
    ecrille = points.row(0, named=True)
    assert ecrille["high95"] == pytest.approx(0.6 + 1.959964 * math.sqrt(0.24 / 88), abs=1e-12)
    assert t.peer_groups(members) == [
        "commune · 10 000 à 49 999 habitants",
        "commune · 2 000 à 9 999 habitants",
        "commune · moins de 2 000 habitants",
        "intercommunalité · 10 000 à 49 999 habitants",
    ]


def test_curves_span_the_members_n(frames):
    curves = t.funnel_curves(0.6, [12, 2000, None, 0], steps=10)
    assert curves["n"].min() == 12 and curves["n"].max() == 2000
    at_100 = t.funnel_curves(0.6, [100], steps=10)  # one n: the limits at that n only
    high95 = at_100.filter((pl.col("limit") == "95") & (pl.col("side") == "high"))["value"].to_list()
    assert high95 == pytest.approx([0.696018], abs=1e-6)
    assert t.funnel_curves(0.6, [None, 0]).is_empty()


def test_rate_indicators_are_those_with_a_rate_measure(frames):
    _, results = frames
    ids = [
        i["indicator_id"] for i in t.rate_indicators(results, ["taux-demat", "respect-delais", "delai-cni"])
    ]
    assert ids == ["taux-demat", "respect-delais"]  # the median delay is not a rate


def test_status_table(frames):
    members, results = frames
    table = t.status_table(results, members, order=["taux-demat", "respect-delais", "delai-cni"])
    assert table.columns[:2] == ["Membre", "Part des démarches faites en ligne"]
    rows = {r["Membre"]: r for r in table.iter_rows(named=True)}
    assert table["Membre"][0] == "Ensemble du territoire"
    take_up = "Part des démarches faites en ligne"
    assert rows["Ensemble du territoire"][take_up] == f"✔ En bonne voie · 60,0{PCT} (n = 4\u202f000)"
    assert rows["Lons-sur-Sorne"][take_up] == f"✔ En bonne voie · 65,0{PCT} (n = 2\u202f000)"
    assert (
        rows["Communauté de communes des Coteaux"][take_up] == f"⚠ À surveiller · 57,0{PCT} (n = 1\u202f500)"
    )
    assert (
        rows["Les Granges-Basses"][take_up] == "? échantillon insuffisant (n = 12 < 30)"
    )  # no status, no value
    assert rows["Montrevel-la-Côte"]["Part des dossiers traités dans le délai annoncé"] == (
        "– Aucun dossier décidé sur la période."
    )


def test_members_table(frames):
    members, _ = frames
    table = t.members_table(members)
    assert table["Membre"].to_list()[:2] == ["Communauté de communes des Coteaux", "Écrille-la-Forêt"]
    row = table.row(0, named=True)
    assert row["Nature"] == "Intercommunalité" and row["Population"] == "24\u202f000"
    assert row["Export du"] == "01/12/2026 à 08:30"
    assert row["Exports ignorés"] == "1 export plus ancien ignoré : /exports/coteaux-2026-10-01"
    assert table.row(1, named=True)["Exports ignorés"] == "—"
    assert t.consolidation_sentence({"as_of": "2026-11-30", "engine": "spark"}, 5) == (
        "Consolidation au 30/11/2026 de 5 membres (moteur Apache Spark)."
    )
