"""Tests of a change and the Theil–Sen projection, against hand computations."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from pipelines.indicators.months import add_months
from pipelines.indicators.stats import mann_whitney, project, two_proportions, welch
from pipelines.indicators.wording import amount, change_sentence, period_label


def test_two_proportions_by_hand():
    # 3/10 then 7/10: pooled 0.5, se = √(0.25 × 0.2), z = 0.4 / se
    z = 0.4 / math.sqrt(0.25 * 0.2)
    assert two_proportions(3, 10, 7, 10) == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert two_proportions(10, 10, 5, 5) == 1.0
    assert two_proportions(1, 0, 1, 2) is None


def test_mann_whitney_exact_for_small_samples():
    # completely separated samples of 3 and 3: U = 0, P(U ≤ 0) = 1 / C(6, 3) = 1/20, two-sided 0.1
    assert mann_whitney([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)
    assert mann_whitney([], [1.0]) is None


def test_welch_edge_cases():
    assert welch(1.0, 0.0, 5, 1.0, 0.0, 5) == 1.0
    assert welch(1.0, None, 1, 2.0, 1.0, 5) is None


def test_projection_of_a_straight_line_is_exact():
    months = [add_months(dt.date(2024, 1, 1), k) for k in range(24)]
    values = [0.30 + 0.01 * k for k in range(24)]  # +1 point a month, mid-month
    # the target day ends at 2026-12-31 24:00, i.e. 36 months after 2024-01-01, 35.5 months after the first value
    p = project(months, values, dt.date(2026, 12, 31), "%")
    assert p.value == pytest.approx(0.30 + 0.01 * 35.5)
    assert p.low == pytest.approx(p.value) and p.high == pytest.approx(p.value)  # no scatter: no band
    assert p.slope_per_month == pytest.approx(0.01) and p.points == 24


def test_projection_band_contains_the_trend_and_needs_12_months():
    months = [add_months(dt.date(2024, 1, 1), k) for k in range(18)]
    noise = [0.02, -0.01, 0.0, 0.015, -0.02, 0.01] * 3
    values = [0.4 + 0.005 * k + e for k, e in enumerate(noise)]
    p = project(months, values, dt.date(2027, 12, 31), "%")
    assert p.low <= p.value <= p.high and p.low < p.high
    assert project(months[:11], values[:11], dt.date(2027, 12, 31), "%").value is None
    capped = project(months, [0.9 + 0.01 * k for k in range(18)], dt.date(2030, 12, 31), "%")
    assert capped.value == 1.0  # a rate cannot pass 100 %


def test_french_wording():
    assert amount(0.123, "%") == "12,3\u00a0points"
    assert amount(-1.2, "jours") == "1,2\u00a0jour"
    assert period_label(dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == "2023"
    assert period_label(dt.date(2023, 1, 1), dt.date(2023, 6, 30)) == "la période du 01/01/2023 au 30/06/2023"
    assert (
        change_sentence(0.123, "%", "2023", 0.0004, True)
        == "Hausse significative de 12,3\u00a0points depuis 2023 (p\u00a0<\u00a00,001)."
    )
    assert (
        change_sentence(-1.2, "jours", "2023", 0.31, False)
        == "Baisse non significative de 1,2\u00a0jour depuis 2023 (p\u00a0=\u00a00,310)."
    )
