"""The plan file: a valid plan loads into typed objects and ``plan_*`` tables; each error names the key and its line."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from pipelines.demo.generate import PLAN_FILE
from pipelines.errors import PlanError
from pipelines.plan import load_plan, load_plan_tables

VALID = """\
[authority]
name = "Commune de Test"
siren = "123456789"

[plan]
title = "Plan de test"
start = 2024-01-01
end = 2028-12-31
review_cadence_years = 3
reviews = [
  { name = "Mi-parcours", baseline_start = 2023-01-01, baseline_end = 2023-12-31, start = 2025-01-01, end = 2025-12-31 },
  { name = "Finale", start = 2028-01-01, end = 2028-12-31 },
]

[[phases]]
id = "pilote"
label = "Pilote"
start = 2024-01-01
end = 2024-12-31

[[axes]]
id = "acces"
label = "Accès"

[[services]]
slug = "etat-civil"
label = "État civil"

[[indicators]]
id = "taux"
label = "Taux en ligne"
axis = "acces"
measure = "take_up"
unit = "%"
direction = "increase"
scope = { services = ["etat-civil"], channels = [], communes = ["39901"], age_bands = [] }
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 0.7, date = 2028-12-31 }
milestones = [ { date = 2026-12-31, value = 0.5 } ]
min_sample = 10

[[indicators]]
id = "delai"
label = "Délai médian"
measure = "delay_median"
direction = "decrease"
baseline = { start = 2023-01-01, end = 2023-12-31, value = 40 }
target = { value = 20, date = 2028-12-31 }

[[actions]]
id = "A1"
label = "Portail"
axis = "acces"
phase = "pilote"
start = 2024-01-01
end = 2024-12-31
status = "en_cours"
budget = 100
indicators = ["taux"]
funding = [ { funder = "FEDER", amount = 60 }, { funder = "DSIL", amount = 40 } ]
"""


def _write(tmp_path, text):
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _line(text: str, needle: str, after: str | None = None) -> int:
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if after in ln) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def test_valid_plan_is_typed_and_loaded_into_tables(tmp_path):
    plan = load_plan(_write(tmp_path, VALID))
    assert [r.name for r in plan.reviews] == ["Mi-parcours", "Finale"]
    assert plan.reviews[0].baseline_end == dt.date(2023, 12, 31) and plan.reviews[1].baseline_start is None
    assert (
        plan.phases[0].id == "pilote" and plan.phases[0]["label"] == "Pilote"
    )  # typed, and readable as a mapping
    assert plan.axes[0].label == "Accès"
    assert plan.indicator("delai").baseline_value == 40.0 and plan.indicator("delai").unit == "jours"
    assert plan.indicator("taux").scope["communes"] == ("39901",)
    con = duckdb.connect()
    load_plan_tables(con, plan.path)
    assert con.execute("select count(*) from plan_indicators").fetchall()[0][0] == 2
    assert con.execute("select name from plan_reviews order by start").fetchall() == [
        ("Mi-parcours",),
        ("Finale",),
    ]
    assert con.execute("select axis_id from plan_axes").fetchall() == [("acces",)]
    assert con.execute("select sum(amount) from plan_funding").fetchall()[0][0] == 100


def test_demo_plan_is_valid():
    plan = load_plan(PLAN_FILE)
    assert len(plan.indicators) == 9 and len(plan.reviews) == 2
    assert {c.channel for c in plan.costs} == {"counter", "phone", "mail", "email", "online", "assisted"}
    assert all(c.source.startswith("hypothèse") for c in plan.costs)


# (description, old text, new text, key named in the message, (needle, after) locating the line)
ERRORS = [
    (
        "axis unknown",
        'axis = "acces"\nmeasure',
        'axis = "inconnu"\nmeasure',
        "indicators[1].axis",
        ('axis = "inconnu"', None),
    ),
    (
        "action phase unknown",
        'phase = "pilote"',
        'phase = "generalisation"',
        "actions[1].phase",
        ('phase = "generalisation"', None),
    ),
    (
        "action axis unknown",
        'axis = "acces"\nphase',
        'axis = "inclusion"\nphase',
        "actions[1].axis",
        ('axis = "inclusion"', None),
    ),
    (
        "action indicator unknown",
        'indicators = ["taux"]',
        'indicators = ["absent"]',
        "actions[1].indicators",
        ('indicators = ["absent"]', None),
    ),
    (
        "measure unknown",
        'measure = "take_up"',
        'measure = "vitesse"',
        "indicators[1].measure",
        ('measure = "vitesse"', None),
    ),
    ("unit inconsistent", 'unit = "%"', 'unit = "jours"', "indicators[1].unit", ('unit = "jours"', None)),
    (
        "rate as percent",
        "target = { value = 0.7,",
        "target = { value = 70,",
        "indicators[1].target",
        ("target = { value = 70", None),
    ),
    (
        "channel unknown",
        "channels = []",
        'channels = ["fax"]',
        "indicators[1].scope",
        ('channels = ["fax"]', None),
    ),
    (
        "commune not INSEE",
        'communes = ["39901"]',
        'communes = ["3990"]',
        "indicators[1].scope",
        ('communes = ["3990"]', None),
    ),
    (
        "service not in catalogue",
        'services = ["etat-civil"]',
        'services = ["piscine"]',
        "indicators[1].scope",
        ('services = ["piscine"]', None),
    ),
    (
        "milestone after target",
        "{ date = 2026-12-31, value = 0.5 }",
        "{ date = 2029-12-31, value = 0.5 }",
        "indicators[1].milestones",
        ("2029-12-31", None),
    ),
    (
        "baseline reversed",
        "baseline = { start = 2023-01-01, end = 2023-12-31, value = 40 }",
        "baseline = { start = 2023-01-01, end = 2022-12-31, value = 40 }",
        "indicators[2].baseline",
        ("end = 2022-12-31", None),
    ),
    (
        "baseline date missing",
        'baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }',
        'baseline = { start = 2023-01-01, value = "computed" }',
        "indicators[1].baseline.end",
        ("baseline = { start = 2023-01-01, value", None),
    ),
    (
        "duplicate indicator id",
        'id = "delai"',
        'id = "taux"',
        "indicators[2].id",
        ('id = "taux"', 'label = "Taux en ligne"'),
    ),
    (
        "phase end before start",
        "start = 2024-01-01\nend = 2024-12-31\n\n[[axes]]",
        "start = 2024-01-01\nend = 2023-12-31\n\n[[axes]]",
        "phases[1].end",
        ("end = 2023-12-31", "[[phases]]"),
    ),
    ("phase label missing", 'label = "Pilote"\n', "", "phases[1].label", ("[[phases]]", None)),
    (
        "duplicate axis",
        '[[axes]]\nid = "acces"\nlabel = "Accès"\n',
        '[[axes]]\nid = "acces"\nlabel = "Accès"\n\n[[axes]]\nid = "acces"\nlabel = "Bis"\n',
        "axes[2].id",
        ('id = "acces"', 'label = "Accès"'),
    ),
    (
        "review reversed",
        "start = 2025-01-01, end = 2025-12-31",
        "start = 2025-01-01, end = 2024-12-31",
        "plan.reviews",
        ('name = "Mi-parcours"', None),
    ),
    (
        "review baseline half",
        '{ name = "Finale", start',
        '{ name = "Finale", baseline_start = 2023-01-01, start',
        "plan.reviews",
        ('name = "Finale"', None),
    ),
    (
        "review date not a date",
        '{ name = "Finale", start = 2028-01-01',
        '{ name = "Finale", start = "janvier"',
        "plan.reviews",
        ('name = "Finale"', None),
    ),
    (
        "cadence",
        "review_cadence_years = 3",
        "review_cadence_years = 7",
        "plan.review_cadence_years",
        ("review_cadence_years = 7", None),
    ),
    ("siren", 'siren = "123456789"', 'siren = "12345"', "authority.siren", ('siren = "12345"', None)),
    ("funding over budget", "budget = 100", "budget = 90", "actions[1].funding", ("funding = [", None)),
    (
        "delay with age bands",
        'direction = "decrease"\n',
        'direction = "decrease"\nscope = { age_bands = ["75+"] }\n',
        "indicators[2].scope",
        ('scope = { age_bands = ["75+"] }', None),
    ),
]


@pytest.mark.parametrize(("what", "old", "new", "key", "where"), ERRORS, ids=[e[0] for e in ERRORS])
def test_each_plan_error_names_key_and_line(tmp_path, what, old, new, key, where):
    assert old in VALID, what
    text = VALID.replace(old, new, 1)
    with pytest.raises(PlanError) as err:
        load_plan(_write(tmp_path, text))
    message = str(err.value)
    assert f"clé « {key} »" in message, message
    assert f"ligne {_line(text, *where)} " in message, message
    assert re.search(r"[àéèêç]|doit|est|n'existe", message)  # a French sentence, not a traceback


def test_missing_plan_and_bad_toml_are_french(tmp_path):
    with pytest.raises(PlanError, match="introuvable"):
        load_plan(tmp_path / "absent.toml")
    with pytest.raises(PlanError, match="syntaxe TOML invalide"):
        load_plan(_write(tmp_path, "[plan\n"))


def test_invalid_plan_leaves_tables_alone(tmp_path):
    con = duckdb.connect()
    load_plan_tables(con, _write(tmp_path, VALID.replace('measure = "take_up"', 'measure = "x"')))
    assert (
        con.execute("select count(*) from duckdb_tables() where table_name like 'plan_%'").fetchall()[0][0]
        == 0
    )
