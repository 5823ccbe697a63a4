"""Calendar-month arithmetic (one implementation for periods, marts, trends and the app's filter)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.indicators.months import add_months, month_end, month_floor, month_position, months_between


@pytest.mark.parametrize(
    ("d", "k", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 1)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 3, 1), -3, dt.date(2025, 12, 1)),
        (dt.date(2026, 3, 1), -12, dt.date(2025, 3, 1)),
        (dt.date(2026, 3, 9), 0, dt.date(2026, 3, 1)),
    ],
)
def test_add_months_lands_on_the_first_of_the_month(d, k, expected):
    assert add_months(d, k) == expected


def test_month_end_and_floor():
    assert month_end(dt.date(2024, 2, 10)) == dt.date(2024, 2, 29)  # leap year
    assert month_end(dt.date(2025, 2, 1)) == dt.date(2025, 2, 28)
    assert month_end(dt.date(2025, 12, 31)) == dt.date(2025, 12, 31)
    assert month_floor(dt.date(2025, 12, 31)) == dt.date(2025, 12, 1)


def test_months_between_includes_both_ends_and_is_empty_when_reversed():
    assert months_between(dt.date(2025, 11, 20), dt.date(2026, 2, 3)) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert months_between(dt.date(2026, 3, 1), dt.date(2026, 2, 28)) == []


def test_month_position_is_continuous():
    assert month_position(dt.date(2024, 1, 1)) == 2024 * 12
    assert month_position(dt.date(2024, 2, 15)) == pytest.approx(2024 * 12 + 1 + 14 / 29)
    assert month_position(dt.date(2025, 1, 1)) - month_position(dt.date(2024, 12, 31)) == pytest.approx(
        1 / 31
    )
