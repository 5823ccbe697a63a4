"""The marts after each ingest: only the new rows folded in, rebuilt when rows were replaced, and
always the same content as a build from scratch."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from pipelines.indicators.views import create_views
from pipelines.ingest.run import ingest
from tests.pipelines.indicators.conftest import PLAN_HEAD, indicator, query

MARTS = (
    "mart_usage_monthly",
    "mart_survey_monthly",
    "mart_cases",
    "mart_decided_monthly",
    "mart_delay_quantiles_monthly",
    "mart_data_bounds",
    "mart_service_labels",
    "mart_dimension_values",
)
USAGE_HEAD = "source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome"
CASES_HEAD = "source,source_id,service,service_label,channel,submitted_at,started_at,decided_at,status,deadline_days,commune"


def _usage(rows: list[tuple[str, str, str, str]]) -> str:
    """(id, day, channel, outcome) → a canonical usage CSV."""
    lines = [
        f"csv,{i},{day} 10:00:00,etat-civil,État civil,{channel},39901,30-44,{outcome}"
        for i, day, channel, outcome in rows
    ]
    return "\n".join([USAGE_HEAD, *lines]) + "\n"


def _cases(rows: list[tuple[str, str, str | None, str]]) -> str:
    """(id, filed, decided, status) → a canonical processing CSV."""
    lines = [
        f"csv,{i},urbanisme,Urbanisme,online,{filed} 09:00:00,,{decided + ' 09:00:00' if decided else ''},{status},30,39902"
        for i, filed, decided, status in rows
    ]
    return "\n".join([CASES_HEAD, *lines]) + "\n"


def _contents(warehouse) -> dict[str, list[tuple]]:
    return {m: sorted(query(warehouse, f"select * from {m}"), key=repr) for m in MARTS}


def _from_scratch(warehouse, tmp_path) -> dict[str, list[tuple]]:
    """The marts of a copy of the warehouse rebuilt from scratch (state forgotten)."""
    copy = tmp_path / "scratch.duckdb"
    shutil.copyfile(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("delete from mart_refresh_state").fetchall()
        assert set(create_views(con).values()) == {"full"}
    finally:
        con.close()
    return _contents(copy)


def _modes(warehouse) -> dict[str, str]:
    return dict(query(warehouse, "select source, mode from mart_refresh_state"))


@pytest.fixture
def drop(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "plan.toml").write_text(
        PLAN_HEAD + indicator("tx", "take_up") + indicator("med", "delay_median", "decrease", target=5.0),
        encoding="utf-8",
    )
    warehouse = tmp_path / "warehouse.duckdb"

    def _ingest(name: str, text: str) -> None:
        path = data / name
        path.write_text(text, encoding="utf-8")
        reports = ingest([path], warehouse, data_dir=data, plan_path=data / "plan.toml")
        assert [r.status for r in reports] == ["loaded"], reports[0].message

    return warehouse, _ingest


def test_new_rows_are_folded_in(drop, tmp_path):
    warehouse, add = drop
    add(
        "usage_1.csv",
        _usage([(i, "2025-03-05", "online" if i % 2 else "counter", "completed") for i in range(10)]),
    )
    add("cases_1.csv", _cases([(i, "2025-03-01", "2025-03-11", "accepted") for i in range(4)]))
    assert _modes(warehouse) == {
        "usage_events": "unchanged",
        "processing_cases": "appended",
        "survey_responses": "unchanged",
    }
    add(
        "usage_2.csv",
        _usage(
            [
                (
                    100 + i,
                    "2025-03-20" if i < 3 else "2025-04-02",
                    "online",
                    "abandoned" if i == 0 else "completed",
                )
                for i in range(6)
            ]
        ),
    )
    assert _modes(warehouse)["usage_events"] == "appended"
    march = query(
        warehouse,
        "select sum(requests), sum(abandoned) from mart_usage_monthly where month = date '2025-03-01'",
    )
    assert march == [(12, 1)]  # 10 + 2 requests, the first of the new ones abandoned
    assert _contents(warehouse) == _from_scratch(warehouse, tmp_path)
    row = query(
        warehouse, "select n_requests, take_up from kpi_take_up(date '2025-03-01', date '2025-05-01')"
    )[0]
    assert row == (15, pytest.approx(10 / 15))


def test_replaced_rows_rebuild_the_additive_marts_and_patch_the_cases(drop, tmp_path):
    warehouse, add = drop
    add("usage_1.csv", _usage([(i, "2025-03-05", "counter", "completed") for i in range(8)]))
    add("cases_1.csv", _cases([(i, "2025-03-01", None, "in_review") for i in range(3)]))
    # a cumulative export: request 0 abandoned after all, case 1 decided, one new case
    add("usage_2.csv", _usage([(0, "2025-03-05", "counter", "abandoned")]))
    assert _modes(warehouse)["usage_events"] == "replaced"
    add(
        "cases_2.csv",
        _cases([(1, "2025-03-01", "2025-03-21", "accepted"), (9, "2025-03-02", "2025-03-04", "rejected")]),
    )
    assert _modes(warehouse)["processing_cases"] == "replaced"
    assert query(warehouse, "select sum(requests), sum(abandoned) from mart_usage_monthly") == [(7, 1)]
    assert query(warehouse, "select count(*), count(decided_at) from mart_cases") == [(4, 2)]
    assert query(warehouse, "select n, median from kpi_delay(date '2025-03-01', date '2025-04-01')") == [
        (2, pytest.approx(11.0))
    ]
    assert _contents(warehouse) == _from_scratch(warehouse, tmp_path)


def test_nothing_new_leaves_the_marts_alone_and_a_purge_is_seen(drop, tmp_path):
    warehouse, add = drop
    add("usage_1.csv", _usage([(i, "2025-03-05", "online", "completed") for i in range(5)]))
    add("cases_1.csv", _cases([(i, "2025-03-01", f"2025-0{3 + i}-11", "accepted") for i in range(4)]))
    con = duckdb.connect(str(warehouse))
    try:
        assert set(create_views(con).values()) == {"unchanged"}
        # rows removed outside the load stage: the counts no longer add up
        con.execute("delete from usage_events where source_id = '0'").fetchall()
        con.execute("delete from processing_cases where source_id = '2'").fetchall()  # decided in May
        assert create_views(con) == {
            "usage_events": "replaced",
            "processing_cases": "replaced",
            "survey_responses": "unchanged",
        }
        assert con.execute("select sum(requests) from mart_usage_monthly").fetchall() == [(4,)]
        assert con.execute("select month, n from mart_decided_monthly order by month").fetchall() == [
            (dt.date(2025, 3, 1), 1),
            (dt.date(2025, 4, 1), 1),
            (dt.date(2025, 6, 1), 1),
        ]
    finally:
        con.close()
    assert _contents(warehouse) == _from_scratch(warehouse, tmp_path)
