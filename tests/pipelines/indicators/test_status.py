"""Trajectory, expected value, progress and status, on indicators built in code (no warehouse)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.indicators import trajectory
from pipelines.indicators.status import classify, expected_at, progress_pct, trajectory_points
from pipelines.plan import Indicator, Milestone

D = dt.date
MILESTONE_2025 = ((D(2025, 12, 31), 0.6),)


def _ind(direction="increase", baseline=None, target=0.8, milestones=MILESTONE_2025, min_sample=10, unit="%"):
    return Indicator(
        id="x",
        label="x",
        measure="take_up" if unit == "%" else "delay_median",
        unit=unit,
        direction=direction,
        scope={k: () for k in ("services", "channels", "communes", "age_bands")},
        baseline_start=D(2023, 1, 1),
        baseline_end=D(2023, 12, 31),
        baseline_value=baseline,
        target_value=target,
        target_date=D(2027, 12, 31),
        milestones=tuple(Milestone(d, v) for d, v in milestones),
        min_sample=min_sample,
        methodology="",
    )


def _plain(text: str) -> str:
    """French text with its non-breaking spaces as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_trajectory_points_and_linear_reading():
    ind = _ind()
    assert trajectory_points(ind, 0.3) == [
        (D(2023, 12, 31), 0.3, "référence"),
        (D(2025, 12, 31), 0.6, "jalon"),
        (D(2027, 12, 31), 0.8, "cible"),
    ]
    assert expected_at(ind, 0.3, D(2023, 6, 30)) == 0.3  # flat before the baseline end
    assert expected_at(ind, 0.3, D(2025, 12, 31)) == pytest.approx(0.6)
    # 2024-12-31 is 366 of the 731 days from 2023-12-31 to 2025-12-31
    assert expected_at(ind, 0.3, D(2024, 12, 31)) == pytest.approx(0.3 + 0.3 * 366 / 731)
    # 2026-12-31: 365 of 730 days from the milestone to the target
    assert expected_at(ind, 0.3, D(2026, 12, 31)) == pytest.approx(0.6 + 0.2 * 365 / 730)
    assert expected_at(ind, 0.3, D(2030, 1, 1)) == 0.8  # flat after the target
    assert (
        expected_at(ind, None, D(2024, 6, 1)) is None
    )  # no baseline: nothing to expect before the first milestone
    assert expected_at(ind, None, D(2026, 12, 31)) == pytest.approx(0.7)


def test_trajectory_frame_for_the_app(tmp_path):
    from tests.pipelines.indicators.conftest import build, indicator

    _, plan = build(tmp_path, indicators=(indicator("t", "take_up", milestones=(("2025-12-31", 0.6),)),))
    frame = trajectory(plan, "t", 0.3)
    assert frame.columns == ["date", "expected", "kind"]
    assert frame["kind"].to_list() == ["référence", "jalon", "cible"]
    assert trajectory(plan, "t", None)["kind"].to_list() == ["jalon", "cible"]


def test_progress_is_direction_aware_and_capped():
    assert progress_pct(0.7, 0.3, 0.8, "increase") == pytest.approx(80.0)
    assert progress_pct(25, 40, 20, "decrease") == pytest.approx(75.0)  # a delay falling to a lower target
    assert progress_pct(0.9, 0.3, 0.8, "increase") == 100.0  # past the target
    assert progress_pct(15, 40, 20, "decrease") == 100.0
    assert progress_pct(0.2, 0.3, 0.8, "increase") == 0.0  # moving away
    assert progress_pct(45, 40, 20, "decrease") == 0.0
    assert progress_pct(0.9, 0.85, 0.8, "increase") == 100.0  # baseline already past the target
    assert progress_pct(0.7, 0.85, 0.8, "increase") == 0.0
    assert progress_pct(None, 0.3, 0.8, "increase") is None


def test_status_rules():
    ind = _ind(baseline=0.3)
    when = D(2025, 12, 31)
    assert classify(ind, 0.65, 0.6, 0.7, 100, 0.6, None, when)[0] == "on_track"
    assert classify(ind, 0.55, 0.45, 0.65, 100, 0.6, None, when)[0] == "at_risk"  # the interval reaches 0.6
    # the trend rescues only when its whole 95 % band reaches the target (0.8)
    band = {"projection_low": 0.81, "projection_high": 0.9}
    assert classify(ind, 0.55, 0.50, 0.58, 100, 0.6, 0.85, when, **band)[0] == "at_risk"
    status, reason = classify(
        ind, 0.55, 0.50, 0.58, 100, 0.6, 0.85, when, projection_low=0.7, projection_high=0.9
    )
    assert status == "off_track" and "que par son point projeté" in reason
    assert "fourchette à 95 % : 70,0 % à 90,0 %" in _plain(reason)
    assert classify(ind, 0.55, 0.50, 0.58, 100, 0.6, 0.85, when)[0] == "off_track"  # a point without a band
    status, reason = classify(ind, 0.55, 0.50, 0.58, 100, 0.6, 0.7, when)
    assert status == "off_track" and "55,0" in reason and "60,0" in reason
    assert classify(ind, 0.9, 0.8, 1.0, 5, 0.6, None, when)[0] == "insufficient_data"  # n < min_sample (10)
    assert classify(ind, None, None, None, 0, 0.6, None, when)[0] == "insufficient_data"
    assert classify(ind, 0.9, 0.8, 1.0, 100, None, None, when)[0] == "insufficient_data"  # no trajectory


def test_status_rules_for_a_decreasing_target():
    ind = _ind(direction="decrease", baseline=40, target=20, milestones=(), unit="jours")
    when = D(2025, 12, 31)
    expected = expected_at(ind, 40, when)
    assert expected == pytest.approx(40 - 20 * 731 / 1461)
    assert classify(ind, 25, 23, 27, 100, expected, None, when)[0] == "on_track"
    assert classify(ind, 32, 29, 35, 100, expected, None, when)[0] == "at_risk"
    # decreasing: the band's upper end must be at or under the target (20)
    assert (
        classify(ind, 32, 31, 33, 100, expected, 19, when, projection_low=17, projection_high=20)[0]
        == "at_risk"
    )
    assert (
        classify(ind, 32, 31, 33, 100, expected, 19, when, projection_low=17, projection_high=21)[0]
        == "off_track"
    )
    assert (
        classify(ind, 32, 31, 33, 100, expected, 21, when, projection_low=17, projection_high=25)[0]
        == "off_track"
    )
