"""series, breakdown, review and filter_options: the app's calls, on a small warehouse."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.errors import UnknownReview
from pipelines.indicators import Filters, breakdown, filter_options, review, series
from tests.pipelines.indicators.conftest import case, indicator, request, wilson

REVIEWS = """reviews = [
  { name = "Mi-parcours", baseline_start = 2023-01-01, baseline_end = 2023-12-31, start = 2025-01-01, end = 2025-12-31 },
  { name = "Finale", start = 2028-01-01, end = 2028-12-31 },
]
"""


@pytest.fixture
def small(make):
    requests = [
        *[
            request("2023-02-10", "online" if i < 2 else "counter", commune="39901", age_band="<25")
            for i in range(8)
        ],
        *[
            request("2025-01-10", "online" if i < 3 else "counter", commune="39901", age_band="75+")
            for i in range(4)
        ],
        *[request("2025-02-10", "assisted", commune="39902") for _ in range(2)],
        *[request("2025-02-11", "phone", service="urbanisme", commune="39902") for _ in range(2)],
        request("2025-03-31", "mail"),
    ]
    return make(
        requests=requests,
        cases=[case("2025-01-05", d, service="urbanisme") for d in (10, 20, 30)],
        indicators=(indicator("tx", "take_up"), indicator("delai", "delay_median", "decrease", target=5.0)),
    )


def test_series_by_month(small):
    wh, plan = small
    frame = series(wh, plan, "tx")
    assert frame.schema == pl.Schema(
        {"month": pl.Date, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "n": pl.Int64}
    )
    rows = {r["month"]: r for r in frame.to_dicts()}
    assert list(rows) == [dt.date(2023, 2, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert (rows[dt.date(2025, 2, 1)]["value"], rows[dt.date(2025, 2, 1)]["n"]) == (pytest.approx(0.5), 4)
    assert rows[dt.date(2025, 1, 1)]["ci_low"] == pytest.approx(wilson(3, 4)[0])
    only_2025 = series(wh, plan, "tx", Filters(start=dt.date(2025, 2, 3), services=("etat-civil",)))
    assert only_2025["month"].to_list() == [dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert only_2025["value"].to_list() == [1.0, 0.0]


def test_breakdown_by_each_dimension(small):
    wh, plan = small
    as_of = dt.date(2025, 12, 31)
    by_channel = breakdown(wh, plan, "tx", "channel", as_of=as_of)
    assert by_channel.columns == ["key", "label", "value", "ci_low", "ci_high", "n"]
    assert dict(zip(by_channel["key"], by_channel["n"], strict=True)) == {
        "counter": 1,
        "online": 3,
        "assisted": 2,
        "phone": 2,
        "mail": 1,
    }
    assert by_channel.filter(pl.col("key") == "assisted")["label"].item() == "En ligne, accompagnée"
    by_commune = breakdown(wh, plan, "tx", "commune", as_of=as_of).to_dicts()
    assert [(r["key"], r["label"], r["n"], r["value"]) for r in by_commune] == [
        ("39901", "39901", 4, pytest.approx(0.75)),
        ("39902", "39902", 4, pytest.approx(0.5)),
        (None, "Commune non renseignée", 1, 0.0),
    ]
    by_age = breakdown(wh, plan, "tx", "age_band", Filters(communes=("39901",)), as_of=as_of)
    assert by_age["key"].to_list() == ["75+"]
    by_service = breakdown(wh, plan, "delai", "service", as_of=as_of)
    assert by_service.select("key", "value", "n").row(0) == ("urbanisme", pytest.approx(20.0), 3)
    assert breakdown(wh, plan, "delai", "age_band", as_of=as_of).height == 0  # cases have no age band
    with pytest.raises(Exception, match="Ventilation « canton » inconnue"):
        breakdown(wh, plan, "tx", "canton")


def test_filter_options(small):
    wh, _ = small
    options = filter_options(wh)
    assert options["services"] == [("etat-civil", "etat-civil"), ("urbanisme", "urbanisme")]
    assert [c for c, _ in options["channels"]] == ["online", "assisted", "counter", "phone", "mail"]
    assert options["channels"][0] == ("online", "En ligne")
    assert [c for c, _ in options["communes"]] == ["39901", "39902"]
    assert (options["min_date"], options["max_date"]) == (dt.date(2023, 2, 10), dt.date(2025, 3, 31))


def test_review_with_reviews_in_the_plan(make):
    requests = [
        *[request("2023-02-10", "online" if i < 3 else "counter") for i in range(10)],
        *[request("2025-02-10", "online" if i < 7 else "counter") for i in range(10)],
        request("2025-12-31"),
    ]
    wh, plan = make(
        requests=requests,
        extra_plan=REVIEWS,
        indicators=(indicator("tx", "take_up", milestones=(("2025-12-31", 0.6),)),),
    )
    doc = review(wh, plan)  # the latest review whose period has data: Mi-parcours
    assert (doc["name"], doc["baseline_start"], doc["baseline_end"], doc["start"], doc["end"]) == (
        "Mi-parcours",
        "2023-01-01",
        "2023-12-31",
        "2025-01-01",
        "2025-12-31",
    )
    row = doc["indicators"][0]
    assert (row["baseline_value"], row["baseline_n"], row["review_value"], row["n"]) == (
        pytest.approx(0.3),
        10,
        pytest.approx(8 / 11),
        11,
    )
    assert row["delta"] == pytest.approx(8 / 11 - 0.3)
    assert row["sentence"].startswith("Hausse") and row["status"] in ("on_track", "at_risk")
    assert set(row) >= {
        "id",
        "label",
        "unit",
        "direction",
        "baseline_ci_low",
        "baseline_ci_high",
        "ci_low",
        "ci_high",
        "p_value",
        "significant",
        "status_label",
        "target_value",
    }
    final = review(wh, plan, "Finale")
    assert final["indicators"][0]["n"] == 0 and final["indicators"][0]["status"] == "insufficient_data"
    assert (final["start"], final["end"], final["complete"]) == ("2028-01-01", "2028-12-31", False)
    with pytest.raises(UnknownReview, match="Revue « Bilan » inconnue"):
        review(wh, plan, "Bilan")


def test_review_without_reviews_compares_baseline_and_rolling_year(small):
    wh, plan = small
    doc = review(wh, plan, as_of=dt.date(2025, 12, 31))
    assert (doc["start"], doc["end"], doc["baseline_start"]) == ("2025-01-01", "2025-12-31", "2023-01-01")
    tx = doc["indicators"][0]
    assert (tx["baseline_value"], tx["review_value"]) == (pytest.approx(0.25), pytest.approx(5 / 9))
