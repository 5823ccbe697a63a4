"""The weighted satisfaction of the demo (``part-satisfaits``, ``weighting = "channel"``): raw and
weighted side by side on the Indicateur page and the overview card, the headline named (issue 17)."""

from __future__ import annotations

import pytest

from pipelines.french import fmt_value
from pipelines.present.survey_words import weighting_line
from tests.dashboard.conftest import assert_clean, open_app, texts, unescape


@pytest.fixture
def weighted(kpi_json) -> dict:
    return next(i for i in kpi_json["indicators"] if i["id"] == "part-satisfaits")


def test_kpi_json_has_raw_and_weighted(weighted):
    w = weighted["weighting"]
    assert w["headline"] == "weighted" and weighted["value"] == w["weighted_value"]
    assert weighted["details"]["weighted_value"] == w["weighted_value"]
    assert 0 < weighted["details"]["effective_n"] <= w["used_n"] <= weighted["n"]
    assert weighted["details"]["raw_value"] == w["raw_value"] != w["weighted_value"]


def test_indicator_page_and_card_show_raw_and_weighted(demo_env, weighted):
    line = weighting_line(weighted)
    assert line.startswith("Redressée par canal sur la répartition des demandes (valeur en tête) : ")
    assert f"brute : {fmt_value(weighted['weighting']['raw_value'], '%')}" in line
    at = open_app("indicator")
    at.selectbox(key="w:indicator").select("part-satisfaits").run()
    assert_clean(at)
    assert line in [unescape(c.value) for c in at.caption]
    assert "Redressement : par canal, sur la répartition des demandes de la période" in texts(at)
    overview = open_app()
    assert line in [unescape(c.value) for c in overview.caption]
    assert "valeur en tête" in texts(overview)
