"""The diagnostic's priority rankings against values computed by hand.

Three services over March 2026 (read at 2026-06-30: the 12 months from 2025-07-01):

    service  requests (channel)                     offline  take-up gap   over deadline  dissatisfied
    a        6 online, 3 counter, 1 phone            4        4/10 = 0.4    1 of 2 = 0.5   1 of 2 = 0.5
    b        1 online, 5 counter, 2 mail             7        7/8 = 0.875   0 of 1 = 0     1 of 3 = 1/3
    c        9 online, 1 counter                     1        1/10 = 0.1    (no deadline)  1 of 1 = 1

Rank percentiles (share of the *other* informed services strictly below):
offline a ½, b 1, c 0; gap a ½, b 1, c 0; deadline (a and b only) a 1, b 0; dissatisfaction a ½, b 0, c 1.
Equal weights: a = (½ + ½ + 1 + ½) / 4 = 0.625, b = (1 + 1 + 0 + 0) / 4 = 0.5, c = (0 + 0 + 1) / 3 = ⅓.
Weights take_up_gap = 0, dissatisfaction = 3: a = (½ + 1 + 3·½) / 5 = 0.6, b = (1 + 0 + 0) / 5 = 0.2,
c = (0 + 3·1) / 4 = 0.75.
Communes (a's requests in 39001, b's in 39002, c's in 39003): offline shares 0.4, 0.875, 0.1.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipelines.cli import main
from pipelines.diagnostic.document import diagnostic
from pipelines.diagnostic.priorities import rank_percentiles
from tests.pipelines.indicators.conftest import build, case, request, response

AS_OF = dt.date(2026, 6, 30)
CATALOGUE = """
[[axes]]
id = "acces"
label = "Des démarches accessibles"

[[services]]
slug = "a"
label = "Service A"

[[services]]
slug = "b"
label = "Service B"

[[services]]
slug = "c"
label = "Service C"

[[actions]]
id = "X"
label = "Action X"
axis = "acces"
services = ["a"]
communes = ["39002"]
"""


def rows():
    day = "2026-03-10"
    requests = (
        [request(day, "online", "a", commune="39001")] * 6
        + [request(day, "counter", "a", commune="39001")] * 3
        + [request(day, "phone", "a", commune="39001")]
        + [request(day, "online", "b", commune="39002")]
        + [request(day, "counter", "b", commune="39002")] * 5
        + [request(day, "mail", "b", commune="39002")] * 2
        + [request(day, "online", "c", commune="39003")] * 9
        + [request(day, "counter", "c", commune="39003")]
    )
    cases = [
        case(day, 5, deadline=10, service="a"),
        case(day, 15, deadline=10, service="a"),
        case(day, 3, deadline=10, service="b"),
        case(day, 4, service="c"),
    ]
    responses = [
        response(day, 8, service="a"),
        response(day, 4, service="a"),
        response(day, 9, service="b"),
        response(day, 9, service="b"),
        response(day, 2, service="b"),
        response(day, 3, service="c"),
    ]
    return {"requests": requests, "cases": cases, "responses": responses}


def by_id(doc: dict, key: str) -> dict:
    return {r[key]: r for r in doc["priorities"][key + "s"]}


def test_rank_percentiles_share_ties_and_need_two_values():
    assert rank_percentiles({"x": 1.0, "y": 1.0, "z": 2.0, "w": None}) == {
        "x": 0.0,
        "y": 0.0,
        "z": 1.0,
        "w": None,
    }
    assert rank_percentiles({"x": 3.0, "y": None}) == {"x": None, "y": None}


def test_services_components_percentiles_and_scores_equal_the_hand_computation(tmp_path):
    warehouse, plan = build(tmp_path, extra_plan=CATALOGUE + "\n[priorities]\ntop = 2\n", **rows())
    doc = diagnostic(warehouse, plan, AS_OF)
    s = by_id(doc, "service")
    assert s["a"]["components"] == pytest.approx(
        {
            "offline_volume": 4,
            "take_up_gap": 0.4,
            "delay_vs_deadline": 0.5,
            "dissatisfaction": 0.5,
            "demand": None,
        }
    )
    assert s["b"]["components"]["take_up_gap"] == pytest.approx(0.875)
    assert s["b"]["components"]["dissatisfaction"] == pytest.approx(1 / 3)
    assert s["c"]["components"]["delay_vs_deadline"] is None
    assert s["a"]["percentiles"] == {
        "offline_volume": 0.5,
        "take_up_gap": 0.5,
        "delay_vs_deadline": 1.0,
        "dissatisfaction": 0.5,
        "demand": None,
    }
    assert [(r["service"], r["rank"]) for r in doc["priorities"]["services"]] == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
    ]
    assert s["a"]["score"] == pytest.approx(0.625)
    assert s["b"]["score"] == pytest.approx(0.5)
    assert s["c"]["score"] == pytest.approx(1 / 3)
    assert s["a"]["actions"] == ["X"] and s["b"]["actions"] == []
    assert s["a"]["axes"] == ["Des démarches accessibles"] and s["b"]["axes"] == []
    # top = 2: b (rank 2, no action) is a blind spot; a is addressed, c is below the top
    spots = [(b["kind"], b["id"]) for b in doc["blind_spots"]]
    assert ("service", "b") in spots and ("service", "a") not in spots and ("service", "c") not in spots


def test_the_plan_weights_change_the_ranking(tmp_path):
    weights = "\n[priorities]\ntake_up_gap = 0\ndissatisfaction = 3\ntop = 1\n"
    warehouse, plan = build(tmp_path, extra_plan=CATALOGUE + weights, **rows())
    doc = diagnostic(warehouse, plan, AS_OF)
    s = by_id(doc, "service")
    assert s["a"]["score"] == pytest.approx(0.6)
    assert s["b"]["score"] == pytest.approx(0.2)
    assert s["c"]["score"] == pytest.approx(0.75)
    assert [r["service"] for r in doc["priorities"]["services"]] == ["c", "a", "b"]
    # the weight 0 leaves the component shown
    assert s["b"]["components"]["take_up_gap"] == pytest.approx(0.875)
    assert [(b["kind"], b["id"], b["rank"]) for b in doc["blind_spots"] if b["kind"] == "service"] == [
        ("service", "c", 1)
    ]
    assert "« Service C » est au rang 1" in doc["blind_spots"][0]["message"]


def test_communes_ranked_on_offline_share_and_linked_to_actions(tmp_path):
    warehouse, plan = build(tmp_path, extra_plan=CATALOGUE + "\n[priorities]\ntop = 2\n", **rows())
    doc = diagnostic(warehouse, plan, AS_OF)
    c = by_id(doc, "commune")
    assert c["39001"]["components"]["offline_share"] == pytest.approx(0.4)
    assert c["39002"]["components"]["offline_share"] == pytest.approx(0.875)
    assert [r["commune"] for r in doc["priorities"]["communes"]] == ["39002", "39001", "39003"]
    assert c["39002"]["score"] == pytest.approx(1.0) and c["39003"]["score"] == pytest.approx(0.0)
    assert c["39002"]["actions"] == ["X"]
    spots = [(b["kind"], b["id"]) for b in doc["blind_spots"] if b["kind"] == "commune"]
    assert spots == [("commune", "39001")]


def test_cli_json_has_the_stable_keys(tmp_path, capsys):
    warehouse, plan = build(tmp_path, extra_plan=CATALOGUE, **rows())
    rc = main(
        [
            "diagnostic",
            "--warehouse",
            str(warehouse),
            "--plan",
            str(plan.path),
            "--at",
            "2026-06-30",
            "--json",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"as_of", "maturity", "priorities", "blind_spots"} <= set(doc)
    first = doc["priorities"]["services"][0]
    assert {"service", "label", "rank", "score", "components", "actions"} <= set(first)
    assert set(first["components"]) == {
        "offline_volume",
        "take_up_gap",
        "delay_vs_deadline",
        "dissatisfaction",
        "demand",
    }
    assert doc["as_of"] == "2026-06-30"
    rc = main(["diagnostic", "--warehouse", str(warehouse), "--plan", str(plan.path), "--at", "2026-06-30"])
    out = capsys.readouterr().out
    assert rc == 0 and "Priorités : services" in out and "Service A" in out and "angle mort" in out.lower()
