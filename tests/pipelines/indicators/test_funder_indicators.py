"""FEDER common indicators (issue 17 §4): RCR11 unique users per year of the services a funder's
actions target (requests, said plainly, when the exports name no user) and RCO14 institutions
supported, against counts made by hand; ``kpi --json`` carries them, the FEDER pack prints them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipelines.cli import main
from pipelines.errors import PlanError
from pipelines.indicators.funder_indicators import REQUESTS_NOT_PEOPLE, funder_indicators
from tests.pipelines.indicators.conftest import request

ACTIONS = """
[[actions]]
id = "A1"
label = "Portail"
start = 2024-03-01
end = 2025-06-30
funding = [ { funder = "FEDER", amount = 1000 } ]
services = ["etat-civil"]
institutions = ["Commune X", "CCAS de X"]

[[actions]]
id = "A2"
label = "Portail bis"
start = 2025-01-01
end = 2026-12-31
funding = [ { funder = "FEDER", amount = 1000 } ]
institutions = ["commune  x"]

[[actions]]
id = "A3"
label = "Sans institution nommée"
start = 2026-01-01
end = 2026-12-31
funding = [ { funder = "FEDER", amount = 1000 } ]

[[actions]]
id = "A4"
label = "Nombre seul"
start = 2025-01-01
end = 2025-12-31
funding = [ { funder = "FEDER", amount = 1000 } ]
institutions = 3

[[actions]]
id = "A5"
label = "Autre financeur"
funding = [ { funder = "DSIL", amount = 1000 } ]
services = ["urbanisme"]
institutions = ["Commune Y"]
"""


def keyed(day: str, user: str | None, **kw) -> dict:
    return {**request(day, **kw), "user_key": user}


def by_code(entry: dict) -> dict:
    return {i["code"]: i for i in entry["indicators"]}


def feder(warehouse, plan, as_of: str) -> dict:
    entries = {e["funder"]: e for e in funder_indicators(warehouse, plan, dt.date.fromisoformat(as_of))}
    return entries["FEDER"]


ROWS = [
    keyed("2024-02-10", "ua"),  # before A1 started: not counted
    keyed("2024-04-01", "ua"),
    keyed("2024-05-01", "ua"),  # same user, same year: once
    keyed("2024-06-01", "ub", channel="assisted"),
    keyed("2024-07-01", "uc", channel="counter"),  # not a digital request
    keyed("2024-08-01", "ud", outcome="abandoned"),  # abandoned
    keyed("2024-09-01", "ue", service="urbanisme"),  # a service FEDER's actions do not target
    keyed("2025-01-15", "ua"),  # a user again in another year: counted in that year
    keyed("2025-02-15", "uf"),
    keyed("2025-03-15", "uf"),
]


def test_rcr11_counts_distinct_users_per_year_by_hand(make):
    warehouse, plan = make(requests=ROWS, extra_plan=ACTIONS)
    rcr11 = by_code(feder(warehouse, plan, "2025-12-31"))["RCR11"]
    years = {y["year"]: y for y in rcr11["by_year"]}
    # 2024: ua (04-01, 05-01) and ub (assisted) → 2 users over 3 requests
    assert (years[2024]["value"], years[2024]["users"], years[2024]["requests"]) == (2, 2, 3)
    # 2025: ua, uf (twice) → 2 users over 3 requests
    assert (years[2025]["value"], years[2025]["users"], years[2025]["requests"]) == (2, 2, 3)
    assert years[2024]["basis"] == years[2025]["basis"] == "users"
    assert sorted(years) == [2024, 2025]  # from the plan's start to as_of
    assert years[2025]["months"] == 12
    assert rcr11["services"] == ["etat-civil"]
    assert (rcr11["value"], rcr11["year"], rcr11["unit"]) == (2, 2025, "utilisateurs par an")
    assert (
        rcr11["label"]
        == "Utilisateurs de services, produits et processus numériques publics nouveaux et mis à niveau"
    )
    assert "A2" in rcr11["limits"] and "A3" in rcr11["limits"]  # funded actions without a targeted service


def test_rcr11_partial_year_headline_is_latest_complete_year(make):
    warehouse, plan = make(requests=ROWS, extra_plan=ACTIONS)
    rcr11 = by_code(feder(warehouse, plan, "2025-02-28"))["RCR11"]
    years = {y["year"]: y for y in rcr11["by_year"]}
    assert sorted(years) == [2024, 2025]
    # January and February 2025 only: ua and uf, one request each
    assert (years[2025]["value"], years[2025]["requests"], years[2025]["months"]) == (2, 2, 2)
    assert "2 mois sur 12" in years[2025]["sentence"]
    assert (rcr11["value"], rcr11["year"]) == (2, 2024)


def test_rcr11_falls_back_to_requests_and_says_so(make):
    rows = [keyed("2024-04-01", None), keyed("2024-04-02", None), keyed("2024-04-03", None)]
    rows += [keyed("2025-04-01", "ua"), keyed("2025-04-02", "ua"), keyed("2025-04-03", None)]
    rows += [keyed("2025-04-04", None), keyed("2025-04-05", None)]
    warehouse, plan = make(requests=rows, extra_plan=ACTIONS)
    years = {y["year"]: y for y in by_code(feder(warehouse, plan, "2025-12-31"))["RCR11"]["by_year"]}
    # 2024: no key at all → 3 requests, not people
    assert (years[2024]["value"], years[2024]["basis"], years[2024]["unit"]) == (3, "requests", "demandes")
    assert REQUESTS_NOT_PEOPLE in years[2024]["sentence"]
    assert (
        "demandes, et non personnes : les exports ne permettent pas de distinguer les usagers"
        in REQUESTS_NOT_PEOPLE
    )
    # 2025: one identified user (twice) + 3 requests without a key → 1 + 3
    assert (years[2025]["value"], years[2025]["basis"], years[2025]["requests_without_key"]) == (
        4,
        "mixed",
        3,
    )


def test_rco14_counts_distinct_institutions_by_hand(make):
    warehouse, plan = make(requests=ROWS, extra_plan=ACTIONS)
    rco14 = by_code(feder(warehouse, plan, "2026-12-31"))["RCO14"]
    # A1: Commune X, CCAS de X; A2: « commune  x » = Commune X; A3: none named → the authority;
    # A4: 3 by number; A5 is DSIL's → {Commune X, CCAS de X, Commune de test} + 3 = 6
    assert rco14["value"] == 6
    assert rco14["institutions"] == ["CCAS de X", "Commune de test", "Commune X"]
    years = {y["year"]: y["value"] for y in rco14["by_year"]}
    # 2024: A1 (2); 2025: A1, A2, A4 (2 + 3); 2026: A2, A3 (Commune X, the authority)
    assert years == {2024: 2, 2025: 5, 2026: 2}
    assert rco14["label"] == (
        "Institutions publiques bénéficiant d'un soutien pour développer des services, produits et processus numériques"
    )
    assert "A3" in rco14["limits"]
    dsil = {e["funder"]: e for e in funder_indicators(warehouse, plan, dt.date(2026, 12, 31))}["DSIL"]
    assert by_code(dsil)["RCO14"]["value"] == 1 and by_code(dsil)["RCO14"]["institutions"] == ["Commune Y"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0", "entier positif"),
        ("[]", "liste des institutions"),
        ('[""]', "liste des institutions"),
        ('"X"', "liste"),
    ],
)
def test_plan_refuses_bad_institutions(make, value, words):
    bad = ACTIONS.replace('institutions = ["Commune Y"]', f"institutions = {value}")
    with pytest.raises(PlanError, match=words) as err:
        make(extra_plan=bad)
    assert "actions[5].institutions" in str(err.value)


def test_kpi_json_carries_funder_indicators(make, capsys):
    warehouse, plan = make(requests=ROWS, extra_plan=ACTIONS)
    capsys.readouterr()
    assert main(["kpi", "--json", "--warehouse", str(warehouse), "--plan", str(plan.path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    entries = {e["funder"]: e for e in doc["funder_indicators"]}
    assert set(entries) == {"FEDER", "DSIL"}
    assert entries["FEDER"]["actions"] == ["A1", "A2", "A3", "A4"]
    for ind in entries["FEDER"]["indicators"]:
        assert {"code", "label", "definition", "value", "unit", "method", "limits", "by_year"} <= set(ind)
    assert by_code(entries["FEDER"])["RCO14"]["value"] == 6


def test_rcr11_without_the_requests_says_where_it_is_computed(make):
    """A consolidated warehouse holds marts, not the requests: RCR11 has no value and says why."""
    import duckdb

    from pipelines.indicators.funder_indicators import rcr11

    _, plan = make(requests=ROWS, extra_plan=ACTIONS)
    con = duckdb.connect()
    try:
        figure = rcr11(con, plan, "FEDER", dt.date(2025, 12, 31))
    finally:
        con.close()
    assert (figure["value"], figure["by_year"]) == (None, [])
    assert "entrepôt consolidé" in figure["limits"]
