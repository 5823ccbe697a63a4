"""Take-up: online + assisted ÷ requests (abandoned excluded), Wilson interval, assisted apart, scope ∩ filters."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.indicators import Filters, evaluate
from tests.pipelines.indicators.conftest import indicator, query, request, wilson

AS_OF = dt.date(2025, 12, 31)


def _requests():
    return [
        *[request("2025-03-02", "online") for _ in range(5)],
        *[request("2025-04-02", "assisted", commune="39901") for _ in range(2)],
        *[request("2025-05-02", "counter", commune="39902") for _ in range(3)],
        *[request("2025-05-03", "online", outcome="abandoned") for _ in range(2)],  # not counted
        request("2025-06-04", "online", outcome=None),  # outcome unknown: counted
        request("2025-06-01", "counter", service="urbanisme"),  # out of scope
        request("2024-06-01", "counter"),  # out of the period
    ]


@pytest.fixture
def warehouse(make):
    return make(requests=_requests(), indicators=(indicator("tx", "take_up", services=("etat-civil",)),))


def test_take_up_value_interval_and_n_by_hand(warehouse):
    wh, plan = warehouse
    ind = evaluate(wh, plan, AS_OF)["indicators"][0]
    # 11 requests in scope (5 + 2 + 3 + 1 unknown outcome), 8 of them online or assisted
    assert ind["n"] == 11
    assert ind["value"] == pytest.approx(8 / 11)
    low, high = wilson(8, 11)
    assert (ind["ci_low"], ind["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert ind["period_start"] == "2025-01-01" and ind["period_end"] == "2025-12-31"
    assert ind["ci_method"].startswith("intervalle de confiance à 95 % de Wilson")
    assert ind["value_label"] == "72,7\u00a0%"


def test_assisted_is_reported_apart(warehouse):
    wh, plan = warehouse
    details = evaluate(wh, plan, AS_OF)["indicators"][0]["details"]
    assert (details["n_online"], details["n_assisted"]) == (6, 2)
    assert details["assisted_rate"] == pytest.approx(2 / 11)
    assert details["assisted_share"] == pytest.approx(2 / 8)
    assert details["assisted_share_ci_low"] == pytest.approx(wilson(2, 8)[0])


def test_ten_requests_seven_online_in_sql(warehouse):
    wh, _ = warehouse
    # March to May 2025: 5 online + 2 assisted + 3 counter (+ 2 abandoned, not counted)
    row = query(
        wh,
        "select n_requests, n_digital, take_up, take_up_ci_low, take_up_ci_high from kpi_take_up(date '2025-03-01', date '2025-06-01')",
    )[0]
    low, high = wilson(7, 10)
    assert row == (10, 7, pytest.approx(0.7), pytest.approx(low), pytest.approx(high))
    assert (round(low, 4), round(high, 4)) == (0.3968, 0.8922)  # the textbook values for 7/10


def test_filters_intersect_the_scope(warehouse):
    wh, plan = warehouse
    only_counter_and_online = evaluate(wh, plan, AS_OF, Filters(channels=("online", "counter")))[
        "indicators"
    ][0]
    assert (only_counter_and_online["n"], only_counter_and_online["value"]) == (9, pytest.approx(6 / 9))
    commune = evaluate(wh, plan, AS_OF, Filters(communes=("39901", "39902")))["indicators"][0]
    assert (commune["n"], commune["value"]) == (5, pytest.approx(2 / 5))
    disjoint = evaluate(wh, plan, AS_OF, Filters(services=("urbanisme",)))["indicators"][0]
    assert disjoint["n"] == 0 and disjoint["value"] is None and disjoint["status"] == "insufficient_data"


def test_filter_dates_are_widened_to_whole_months(warehouse):
    wh, plan = warehouse
    ind = evaluate(wh, plan, AS_OF, Filters(start=dt.date(2025, 3, 15), end=dt.date(2025, 4, 10)))[
        "indicators"
    ][0]
    assert (ind["period_start"], ind["period_end"]) == ("2025-03-01", "2025-04-30")
    assert (ind["n"], ind["value"]) == (7, 1.0)


def test_filters_are_parameters_not_sql(warehouse):
    wh, plan = warehouse
    evil = Filters(services=("etat-civil') or true --",), communes=("'; drop table usage_events; --",))
    ind = evaluate(wh, plan, AS_OF, evil)["indicators"][0]
    assert ind["n"] == 0
    assert query(wh, "select count(*) from usage_events")[0][0] == len(_requests())
