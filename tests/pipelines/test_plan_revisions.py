"""Revisions of targets and milestones: read with key/line errors, the trajectory in force at a date,
expected values and statuses judged against it (values computed by hand below)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.errors import PlanError
from pipelines.indicators import status, trajectory
from pipelines.indicators.evaluate import target_revisions
from pipelines.plan import in_force, load_plan, load_plan_tables
from tests.pipelines.test_plan import VALID, _line, _write

REVISION = (
    '  { date = 2026-01-15, decision = "Délibération n° 2026-001", reason = "Nouveau logiciel d\'instruction", '
    "target = { value = 10, date = 2028-12-31 } },\n"
)
REVISED = VALID.replace(
    "target = { value = 20, date = 2028-12-31 }\n",
    "target = { value = 20, date = 2028-12-31 }\nrevisions = [\n" + REVISION + "]\n",
    1,
)
# taux: a revision that keeps no milestone of its own (the original one, 2026-12-31, is kept)
REVISED = REVISED.replace(
    "milestones = [ { date = 2026-12-31, value = 0.5 } ]\n",
    "milestones = [ { date = 2026-12-31, value = 0.5 } ]\n"
    'revisions = [ { date = 2025-06-30, decision = "Décision du comité de pilotage", '
    "target = { value = 0.8, date = 2028-06-30 } },\n"
    '  { date = 2027-03-01, decision = "Délibération n° 2027-010", '
    "target = { value = 0.75, date = 2028-12-31 }, milestones = [ { date = 2027-12-31, value = 0.65 } ] } ]\n",
    1,
)


def test_revisions_are_read_and_the_original_trajectory_kept(tmp_path):
    plan = load_plan(_write(tmp_path, REVISED))
    delai = plan.indicator("delai")
    assert delai.target_value == 20.0  # the original trajectory stays in the indicator
    (rev,) = delai.revisions
    assert (rev.date, rev.decision, rev.target_value) == (
        dt.date(2026, 1, 15),
        "Délibération n° 2026-001",
        10.0,
    )
    assert rev.reason == "Nouveau logiciel d'instruction"
    taux = plan.indicator("taux")
    first, second = taux.revisions
    assert [m.date for m in first.milestones] == [dt.date(2026, 12, 31)]  # kept: before the new target date
    assert [(m.date, m.value) for m in second.milestones] == [(dt.date(2027, 12, 31), 0.65)]


def test_the_trajectory_in_force_is_the_latest_revision_on_or_before_the_date(tmp_path):
    taux = load_plan(_write(tmp_path, REVISED)).indicator("taux")
    assert in_force(taux, dt.date(2025, 6, 29)).target_value == 0.7
    assert in_force(taux, dt.date(2025, 6, 30)).target_value == 0.8  # the revision's own day
    assert in_force(taux, dt.date(2025, 6, 30)).target_date == dt.date(2028, 6, 30)
    assert in_force(taux, dt.date(2027, 2, 28)).target_value == 0.8
    assert in_force(taux, dt.date(2027, 3, 1)).target_value == 0.75
    assert in_force(taux, dt.date(2027, 3, 1)).revisions == taux.revisions


def test_expected_value_and_status_switch_with_the_revision(tmp_path):
    delai = load_plan(_write(tmp_path, REVISED)).indicator("delai")
    when = dt.date(2026, 6, 30)
    # 912 days from the end of the baseline (2023-12-31) to 2026-06-30; 1827 days to the target (2028-12-31)
    assert (when - delai.baseline_end).days == 912
    assert (delai.target_date - delai.baseline_end).days == 1827
    original = status.expected_at(delai, 40.0, when)
    revised = status.expected_at(in_force(delai, when), 40.0, when)
    assert original == pytest.approx(40 - 20 * 912 / 1827)  # 30.016…
    assert revised == pytest.approx(40 - 30 * 912 / 1827)  # 25.025…
    # before the revision (2026-01-15) the original trajectory is still in force
    before = dt.date(2026, 1, 14)
    assert status.expected_at(in_force(delai, before), 40.0, before) == pytest.approx(40 - 20 * 745 / 1827)
    # a median delay of 28 days: on track against the original trajectory, late against the revised one
    assert status.classify(delai, 28.0, None, None, 500, original, None, when)[0] == "on_track"
    ind = in_force(delai, when)
    assert status.classify(ind, 28.0, None, None, 500, revised, None, when)[0] == "off_track"
    # progress towards the target in force: (28 − 40) ÷ (10 − 40) = 40 %, against 60 % of the original
    assert status.progress_pct(28.0, 40.0, ind.target_value, "decrease") == pytest.approx(40.0)
    assert status.progress_pct(28.0, 40.0, delai.target_value, "decrease") == pytest.approx(60.0)


def test_trajectory_frame_and_kpi_revision_list(tmp_path):
    plan = load_plan(_write(tmp_path, REVISED))
    assert trajectory(plan, "delai", 40.0)["expected"].to_list() == [40.0, 20.0]
    assert trajectory(plan, "delai", 40.0, "2026-10-31")["expected"].to_list() == [40.0, 10.0]
    assert target_revisions(plan.indicator("delai")) == [
        {
            "date": "2026-01-15",
            "decision": "Délibération n° 2026-001",
            "reason": "Nouveau logiciel d'instruction",
            "target_value": 10.0,
            "target_date": "2028-12-31",
            "previous_target_value": 20.0,
            "previous_target_date": "2028-12-31",
        }
    ]
    second = target_revisions(plan.indicator("taux"))[1]
    assert (second["previous_target_value"], second["target_value"]) == (0.8, 0.75)
    assert target_revisions(load_plan(_write(tmp_path, VALID)).indicator("delai")) == []


def test_revisions_table(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_plan_tables(con, _write(tmp_path, REVISED))
    rows = con.execute(
        "select indicator_id, date, previous_target_value, target_value from plan_revisions order by 1, 2"
    ).fetchall()
    assert rows == [
        ("delai", dt.date(2026, 1, 15), 20.0, 10.0),
        ("taux", dt.date(2025, 6, 30), 0.7, 0.8),
        ("taux", dt.date(2027, 3, 1), 0.8, 0.75),
    ]


ERRORS = [
    ("no decision", 'decision = "Délibération n° 2026-001", ', "", "indicators[2].revisions[1].decision"),
    ("empty decision", '"Délibération n° 2026-001"', '"  "', "indicators[2].revisions[1].decision"),
    ("outside the plan", "date = 2026-01-15", "date = 2029-01-15", "indicators[2].revisions[1].date"),
    (
        "value out of range",
        "value = 10, date",
        "value = 5000, date",
        "indicators[2].revisions[1].target.value",
    ),
    (
        "target before revision",
        "value = 10, date = 2028-12-31",
        "value = 10, date = 2025-12-31",
        "indicators[2].revisions[1].target.date",
    ),
]


@pytest.mark.parametrize(("what", "old", "new", "key"), ERRORS, ids=[e[0] for e in ERRORS])
def test_each_revision_error_names_key_and_line(tmp_path, what, old, new, key):
    text = REVISED.replace(old, new, 1)
    assert text != REVISED, what
    with pytest.raises(PlanError) as err:
        load_plan(_write(tmp_path, text))
    message = str(err.value)
    assert f"clé « {key} »" in message, message
    day = "2029-01-15" if what == "outside the plan" else "2026-01-15"
    assert f"ligne {_line(text, day, 'revisions = [')} " in message, message


def test_a_revised_rate_is_a_fraction(tmp_path):
    text = REVISED.replace(
        "target = { value = 0.8, date = 2028-06-30 }", "target = { value = 80, date = 2028-06-30 }"
    )
    with pytest.raises(PlanError, match=r"revisions\[1\]\.target\.value.*fraction"):
        load_plan(_write(tmp_path, text))
