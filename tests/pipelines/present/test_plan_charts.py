"""The plan's charts: actions by phase with their status words, funding in euros, text kept in PNG."""

from __future__ import annotations

import datetime as dt

import pytest
import vl_convert as vlc

from pipelines.present import plan_charts, roadmap_frames
from tests.pipelines.present.conftest import ENGLISH_MONTHS, assert_accessible, svg_text


@pytest.fixture
def plan(demo):
    from pipelines.plan import load_plan

    return load_plan(demo.plan)


def test_roadmap_chart_shows_actions_by_phase_with_status_words(plan):
    fig = plan_charts.roadmap_figure(
        roadmap_frames.actions_frame(plan),
        roadmap_frames.phases_frame(plan),
        today=dt.date(2026, 11, 27),
        width=900,
    )
    assert_accessible(fig)
    text = svg_text(fig)
    for word in ("Terminée", "En cours", "Suspendue", "À venir", "Pilote", "aujourd'hui", "janv. 2026"):
        assert word in text
    assert not ENGLISH_MONTHS.search(text)
    assert fig.summary.startswith(f"{len(plan.actions)} actions du plan de février 2024 à juin 2028 : ")
    assert "3 terminées" in fig.summary and "1 suspendue" in fig.summary  # demo plan: 3 done, 1 suspended


def test_status_words_agree_with_their_count():
    assert plan_charts._agree("terminée", 3) == "terminées"
    assert plan_charts._agree("terminée", 1) == "terminée"
    assert plan_charts._agree("en cours", 3) == "en cours"
    assert plan_charts._agree("à venir", 2) == "à venir"


def test_funding_charts_in_euros(plan):
    fig = plan_charts.funding_figure(roadmap_frames.funding_frame(plan), width=800)
    assert_accessible(fig)
    assert "200\u202f000\u00a0€" in svg_text(fig)
    assert fig.summary.startswith(
        "Le plan mobilise 1\u202f050\u202f000\u00a0€ sur 8 actions : Fonds propres 375\u202f000\u00a0€ (36\u00a0%)"
    )
    feder = plan_charts.funder_figure(roadmap_frames.funder_rows(plan, "FEDER"), funder="FEDER", width=800)
    assert_accessible(feder)
    assert (
        feder.summary
        == "FEDER finance 4 actions pour 330\u202f000\u00a0€, soit 46\u00a0% de leur budget (720\u202f000\u00a0€)."
    )


def test_png_export_keeps_the_text(plan):
    """vl-convert draws no text when the font family is unusable: the PNG must be heavier with text."""
    fig = plan_charts.funding_figure(roadmap_frames.funding_frame(plan), width=600)
    with_text = vlc.vegalite_to_png(fig.chart.to_dict())
    spec = fig.chart.to_dict()
    spec["config"]["font"] = '"No Such Font 3"'
    spec["config"]["axis"]["labels"] = False
    assert len(with_text) > 1.2 * len(vlc.vegalite_to_png(spec))
