"""Honesty rules of the value block: greyed only for a small sample or a missing value."""

from __future__ import annotations

from dashboard.components import is_sufficient


def test_small_samples_and_missing_values_are_not_sufficient():
    assert is_sufficient({"value": 0.5, "n": 200, "min_sample": 200})
    assert not is_sufficient({"value": 0.5, "n": 199, "min_sample": 200})
    assert not is_sufficient({"value": None, "n": 0, "min_sample": 200})
    # insufficient for want of a baseline, yet a well-measured value: not greyed
    assert is_sufficient({"value": 0.5, "n": 5000, "min_sample": 200, "status": "insufficient_data"})
