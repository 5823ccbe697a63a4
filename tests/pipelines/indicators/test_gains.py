"""The gains view, against numbers computed by hand on a small warehouse."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from pipelines.cli import main
from pipelines.indicators.gains import gains
from pipelines.plan import load_plan
from tests.pipelines.indicators.conftest import case, request, wilson

T2, T3 = 4.302652729911275, 3.182446305284263  # Student t(0.975, 2) and t(0.975, 3), from a t table

COSTS = """
[costs]
counter = { euros = 10.0, minutes = 20, source = "étude interne 2023" }
mail = { euros = 6.0, source = "hypothèse" }
online = { euros = 1.0, minutes = 2, source = "hypothèse" }
assisted = { euros = 5.0, source = "hypothèse" }
"""


def _rows():
    # baseline 2023 (the 12 months before the plan): 2 online, 8 counter → take-up 0.2
    reqs = [request("2023-05-02", "online") for _ in range(2)] + [
        request("2023-05-03", "counter") for _ in range(8)
    ]
    # 2024: 5 online, 5 counter (+1 abandoned, not counted) → 0.5 of 10
    reqs += [request("2024-03-04", "online") for _ in range(5)] + [
        request("2024-03-05", "counter") for _ in range(5)
    ]
    reqs += [request("2024-03-05", "online", outcome="abandoned")]
    # 2025 (to March): 4 online, 2 assisted, 2 counter, 2 mail → 0.6 of 10
    reqs += [request("2025-02-03", "online") for _ in range(4)] + [
        request("2025-02-03", "assisted") for _ in range(2)
    ]
    reqs += [request("2025-02-04", "counter") for _ in range(2)] + [
        request("2025-02-04", "mail") for _ in range(2)
    ]
    cases = [case("2023-03-01", d) for d in (10, 20, 30)]  # mean 20, sd 10
    cases += [case("2024-04-01", d) for d in (5, 15)] + [
        case("2025-01-05", d) for d in (8, 12)
    ]  # mean 10 each
    return reqs, cases


@pytest.fixture
def doc(make):
    reqs, cases = _rows()
    warehouse, plan = make(requests=reqs, cases=cases, extra_plan=COSTS)
    return gains(warehouse, plan, dt.date(2025, 3, 31))


def _item(doc, item_id):
    return next(i for i in doc["items"] if i["id"] == item_id)


def test_keys_and_periods(doc):
    assert {"as_of", "items", "baseline_start", "baseline_end", "assumptions"} <= doc.keys()
    assert (doc["period_start"], doc["as_of"]) == ("2024-01-01", "2025-03-31")
    assert (doc["baseline_start"], doc["baseline_end"]) == ("2023-01-01", "2023-12-31")
    for item in doc["items"]:
        assert {
            "id",
            "label",
            "value",
            "unit",
            "ci_low",
            "ci_high",
            "formula",
            "inputs",
            "per_year",
        } <= item.keys()
        assert item["formula"] and item["inputs"]
        for inp in item["inputs"].values():
            assert {"label", "value", "unit", "source"} <= inp.keys()
    assert [i["id"] for i in doc["items"]] == [
        "offline_requests_avoided",
        "money_saved",
        "agent_hours_saved",
        "waiting_days_saved",
    ]


def test_offline_requests_avoided(doc):
    item = _item(doc, "offline_requests_avoided")
    # so far: 11 digital of 20 → 0.55; (0.55 − 0.2) × 20 = 7
    assert item["value"] == pytest.approx(7.0)
    l1, u1 = wilson(11, 20)
    l0, u0 = wilson(2, 10)
    delta = 0.55 - 0.2
    low = delta - math.sqrt((0.55 - l1) ** 2 + (u0 - 0.2) ** 2)
    high = delta + math.sqrt((u1 - 0.55) ** 2 + (0.2 - l0) ** 2)
    assert item["ci_low"] == pytest.approx(low * 20) and item["ci_high"] == pytest.approx(high * 20)
    assert item["inputs"]["take_up_baseline"]["value"] == pytest.approx(0.2)
    assert item["inputs"]["take_up_baseline"]["n"] == 10
    assert item["inputs"]["requests_period"]["value"] == 20
    years = {y["year"]: y["value"] for y in item["per_year"]}
    assert years == {2024: pytest.approx(3.0), 2025: pytest.approx(4.0)}  # (0.5 − 0.2) × 10, (0.6 − 0.2) × 10


def test_money_and_agent_time(doc):
    money = _item(doc, "money_saved")
    # offline mean (baseline: 8 counter) = 10 €; online mean (so far: 9 online at 1 €, 2 assisted at 5 €) = 19/11 €
    assert money["inputs"]["offline_unit_euros"]["value"] == pytest.approx(10.0)
    assert money["inputs"]["online_unit_euros"]["value"] == pytest.approx(19 / 11)
    assert money["value"] == pytest.approx(7 * (10 - 19 / 11))
    avoided = _item(doc, "offline_requests_avoided")
    assert money["ci_low"] == pytest.approx(avoided["ci_low"] * (10 - 19 / 11))
    assert "hypothèse" in money["inputs"]["online_unit_euros"]["source"]
    hours = _item(doc, "agent_hours_saved")
    # counter 20 min (mail has no minutes), online 2 min (assisted has none): 7 × 18 / 60 = 2.1 h
    assert hours["value"] == pytest.approx(2.1)
    assert {y["year"]: y["value"] for y in hours["per_year"]} == {
        2024: pytest.approx(0.9),
        2025: pytest.approx(1.2),
    }


def test_waiting_days_saved(doc):
    item = _item(doc, "waiting_days_saved")
    # (20 − 10) × 4 cases decided = 40 days
    assert item["value"] == pytest.approx(40.0)
    h0 = T2 * 10 / math.sqrt(3)
    h1 = T3 * math.sqrt(58 / 3) / math.sqrt(4)  # sd of 5, 15, 8, 12
    half = math.sqrt(h0**2 + h1**2)
    assert item["ci_low"] == pytest.approx((10 - half) * 4)
    assert item["ci_high"] == pytest.approx((10 + half) * 4)
    assert {y["year"]: y["value"] for y in item["per_year"]} == {
        2024: pytest.approx(20.0),
        2025: pytest.approx(20.0),
    }


def test_without_costs_no_money_and_no_hours(make):
    reqs, cases = _rows()
    warehouse, plan = make(requests=reqs, cases=cases)
    doc = gains(warehouse, plan, dt.date(2025, 3, 31))
    ids = [i["id"] for i in doc["items"]]
    assert "agent_hours_saved" not in ids
    money = _item(doc, "money_saved")
    assert money["value"] is None and "[costs]" in money["note"]


def test_cli_gains_json_and_text(make, capsys):
    reqs, cases = _rows()
    warehouse, plan = make(requests=reqs, cases=cases, extra_plan=COSTS)
    common = ["--warehouse", str(warehouse), "--plan", str(plan.path), "--at", "2025-03-31"]
    assert main(["gains", "--json", *common]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_of"] == "2025-03-31"
    item = doc["items"][0]
    assert item["id"] == "offline_requests_avoided" and item["value"] == pytest.approx(7.0)
    assert item["unit"] == "demandes" and item["per_year"][0]["year"] == 2024
    assert main(["gains", *common]) == 0
    text = capsys.readouterr().out.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Calcul : (55,0 % − 20,0 %) × 20 demandes = 7 demandes" in text
    assert "Jours d'attente épargnés aux usagers : 40,0 jours" in text


def test_before_the_plan_starts_nothing_is_claimed(make):
    reqs, cases = _rows()
    warehouse, plan = make(requests=reqs, cases=cases, extra_plan=COSTS)
    doc = gains(warehouse, plan, dt.date(2023, 12, 31))
    assert all(i["value"] is None and i["note"] for i in doc["items"])
    assert all(i["per_year"] == [] for i in doc["items"])


def test_a_finished_plan_stops_at_its_last_month(make):
    reqs, cases = _rows()
    warehouse, plan = make(requests=reqs, cases=cases, extra_plan=COSTS)
    plan.path.write_text(
        plan.path.read_text(encoding="utf-8").replace("end = 2028-12-31", "end = 2024-12-31")
    )
    doc = gains(warehouse, load_plan(plan.path), dt.date(2025, 3, 31))
    assert (doc["period_start"], doc["period_end"]) == ("2024-01-01", "2024-12-31")
    item = _item(doc, "offline_requests_avoided")
    assert item["value"] == pytest.approx(3.0)  # 2024 only: (0.5 − 0.2) × 10
    assert [y["year"] for y in item["per_year"]] == [2024]
