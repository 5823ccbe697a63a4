"""The completion rate and the cost per transaction, against counts and sums done by hand."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.errors import PlanError, ViewsMissing
from pipelines.indicators import evaluate
from pipelines.indicators.views import create_views, require_views
from pipelines.plan import load_plan
from tests.pipelines.indicators.conftest import PLAN_HEAD, indicator, query, request, wilson

COSTS = """
[costs]
counter = { euros = 12.5, minutes = 15, source = "étude interne" }
mail = { euros = 8.0, source = "hypothèse" }
online = { euros = 1.5, minutes = 2, source = "hypothèse" }
"""


def _requests():
    # 2025-03: online 6 completed, 2 abandoned, 1 pending; counter 3 completed, 1 rejected;
    # mail 2 completed; phone 1 completed (no cost in the plan)
    rows = [request("2025-03-03", "online") for _ in range(6)]
    rows += [request("2025-03-04", "online", outcome="abandoned") for _ in range(2)]
    rows += [request("2025-03-05", "online", outcome="pending")]
    rows += [request("2025-03-06", "counter") for _ in range(3)]
    rows += [request("2025-03-06", "counter", outcome="rejected")]
    rows += [request("2025-03-07", "mail") for _ in range(2)]
    rows += [request("2025-03-08", "phone")]
    return rows


def test_completion_rate_is_completed_over_completed_and_abandoned(make):
    warehouse, _ = make(requests=_requests())
    row = query(
        warehouse,
        "select value, ci_low, ci_high, n from kpi_measure('completion_rate', date '2025-03-01', date '2025-04-01')",
    )[0]
    # completed 6 + 3 + 2 + 1 = 12, abandoned 2: 12 / 14; pending and rejected left out
    low, high = wilson(12, 14)
    assert row[0] == pytest.approx(12 / 14)
    assert row[1] == pytest.approx(low) and row[2] == pytest.approx(high)
    assert row[3] == 14
    online = query(
        warehouse,
        "select value, n from kpi_measure('completion_rate', date '2025-03-01', date '2025-04-01', channels := ['online'])",
    )[0]
    assert online == (pytest.approx(6 / 8), 8)


def test_cost_per_transaction_over_channels_with_a_cost(make):
    warehouse, _ = make(requests=_requests(), extra_plan=COSTS)
    row = query(
        warehouse,
        "select value, ci_low, ci_high, n from kpi_measure('cost_per_transaction', date '2025-03-01', date '2025-04-01')",
    )[0]
    # requests (abandoned excluded): online 7, counter 4, mail 2, phone 1 (no cost: left out)
    expected = (7 * 1.5 + 4 * 12.5 + 2 * 8.0) / 13
    assert row[0] == pytest.approx(expected)
    assert row[1] is None and row[2] is None
    assert row[3] == 13
    left = query(
        warehouse,
        "select n_requests_uncosted, total_cost from kpi_cost(date '2025-03-01', date '2025-04-01')",
    )[0]
    assert left == (1, pytest.approx(7 * 1.5 + 4 * 12.5 + 2 * 8.0))


def test_both_measures_in_the_kpi_document(make):
    warehouse, plan = make(
        requests=_requests(),
        extra_plan=COSTS,
        indicators=(
            indicator("achevement", "completion_rate", target=0.9, baseline=0.8),
            indicator("cout", "cost_per_transaction", direction="decrease", target=5.0, baseline=9.0),
        ),
    )
    doc = evaluate(warehouse, plan, dt.date(2025, 3, 31))
    by_id = {i["id"]: i for i in doc["indicators"]}
    assert by_id["achevement"]["measure"] == "completion_rate"
    assert by_id["achevement"]["value"] == pytest.approx(12 / 14)
    assert by_id["achevement"]["n"] == 14
    assert by_id["achevement"]["details"]["n_abandoned"] == 2
    cost = by_id["cout"]
    assert cost["unit"] == "€" and cost["n"] == 13 and cost["ci_low"] is None
    assert cost["value"] == pytest.approx((7 * 1.5 + 4 * 12.5 + 2 * 8.0) / 13)
    assert cost["details"]["n_requests_uncosted"] == 1
    assert "pas d'intervalle" in cost["ci_method"]


def test_costs_are_checked_with_key_and_line(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(PLAN_HEAD + "\n[costs]\ncounter = { euros = 12.5 }\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"ligne 10 — clé « costs.counter.source »"):
        load_plan(path)
    path.write_text(PLAN_HEAD + '\n[costs]\nfax = { euros = 1.0, source = "x" }\n', encoding="utf-8")
    with pytest.raises(PlanError, match="canal « fax » inconnu"):
        load_plan(path)
    path.write_text(PLAN_HEAD + COSTS, encoding="utf-8")
    costs = {c.channel: c for c in load_plan(path).costs}
    assert costs["counter"].euros == 12.5 and costs["counter"].minutes == 15
    assert costs["mail"].minutes is None and costs["mail"].source == "hypothèse"


def test_a_warehouse_of_the_previous_views_gets_completed_counts_after_ingest(make):
    """A warehouse whose mart_usage_monthly predates the `completed` count (views version 4): the app
    asks for an ingest, and the ingest's create_views rebuilds the mart whole with the right counts."""
    warehouse, _ = make(requests=_requests())
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("alter table mart_usage_monthly drop column completed").fetchall()
        con.execute("update mart_refresh_state set version = '4'").fetchall()
        con.execute("update meta set value = '4' where key = 'indicator_views'").fetchall()
        with pytest.raises(ViewsMissing):
            require_views(con)
        modes = create_views(con)
        assert modes["usage_events"] == "full"
    finally:
        con.close()
    assert query(
        warehouse, "select sum(completed), sum(abandoned), sum(requests) from mart_usage_monthly"
    ) == [
        (
            12,
            2,
            14,
        )  # 16 requests: 12 completed, 2 abandoned, 1 pending, 1 rejected; `requests` excludes abandoned
    ]
    row = query(
        warehouse, "select value, n from kpi_measure('completion_rate', date '2025-03-01', date '2025-04-01')"
    )[0]
    assert row == (pytest.approx(12 / 14), 14)
