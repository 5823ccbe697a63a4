"""Plan keys of the survey measures: ``weighting`` and ``instrument`` (issue 17), with French errors."""

from __future__ import annotations

import pytest

from pipelines.errors import PlanError
from pipelines.plan import load_plan
from tests.pipelines.test_plan import VALID, _line, _write

SURVEY = """
[[indicators]]
id = "satisfaits"
label = "Usagers satisfaits"
measure = "satisfied_share"
direction = "increase"
weighting = "channel_service"
instrument = "1-5"
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 0.8, date = 2028-12-31 }
"""


def _plan(tmp_path, extra: str = SURVEY):
    return VALID.replace("\n[[actions]]", extra + "\n[[actions]]", 1)


def test_weighting_and_instrument_are_read(tmp_path):
    plan = load_plan(_write(tmp_path, _plan(tmp_path)))
    ind = plan.indicator("satisfaits")
    assert (ind.weighting, ind.instrument) == ("channel_service", "1-5")
    assert (plan.indicator("taux").weighting, plan.indicator("taux").instrument) == (None, None)


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('weighting = "channel_service"', 'weighting = "age"', "weighting", "redressement « age » inconnu"),
        ('instrument = "1-5"', 'instrument = "cinq"', "instrument", "questionnaire « cinq » illisible"),
    ],
)
def test_bad_survey_keys_name_key_and_line(tmp_path, old, new, key, words):
    text = _plan(tmp_path).replace(old, new)
    with pytest.raises(PlanError) as err:
        load_plan(_write(tmp_path, text))
    message = str(err.value)
    assert f"clé « indicators[3].{key} »" in message and words in message, message
    assert f"ligne {_line(text, new)} " in message, message


def test_weighting_is_refused_outside_survey_measures(tmp_path):
    text = VALID.replace('measure = "take_up"', 'measure = "take_up"\nweighting = "channel"')
    with pytest.raises(PlanError) as err:
        load_plan(_write(tmp_path, text))
    assert "ne vaut que pour une mesure d'enquête" in str(err.value)
    assert "indicators[1].weighting" in str(err.value)
