"""The Parquet export runs the indicator SQL unchanged: the same headline numbers as the warehouse,
for one authority or for several side by side in one folder."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.export import attach_parquet, export_parquet
from pipelines.indicators import create_views, evaluate
from pipelines.plan import load_plan
from tests.pipelines.indicators.conftest import build, case, indicator, request, response

HEADLINE = (
    "select indicator_id, value, ci_low, ci_high, n, baseline_value from kpi_indicators order by indicator_id"
)
DEMO = "999390016"
OTHER = "200000002"


def _warehouse_headlines(warehouse) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(HEADLINE).fetchall()
    finally:
        con.close()


def _parquet_headlines(folder, authority: str | None) -> tuple[list[tuple], dict[str, str]]:
    con = duckdb.connect()  # in memory: only views over the Parquet files, marts built here
    try:
        attach_parquet(con, folder, authority)
        modes = create_views(con)
        return con.execute(HEADLINE).fetchall(), modes
    finally:
        con.close()


def _close(got, expected) -> bool:
    """Equal numbers (to 1e-12: sums of floats may be added in another order), or both missing."""
    if got is None or expected is None:
        return got is expected
    return got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def _same(got: list[tuple], expected: list[tuple]) -> None:
    assert [r[0] for r in got] == [r[0] for r in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[4] == e[4], g[0]  # n, exactly
        assert all(_close(a, b) for a, b in zip(g[1:4] + g[5:], e[1:4] + e[5:], strict=True)), (g, e)


@pytest.fixture(scope="module")
def other_authority(tmp_path_factory):
    """A second, small authority with its own plan, built in code."""
    return build(
        tmp_path_factory.mktemp("other"),
        requests=[
            request("2025-05-31", "online" if i % 3 else "counter", commune="39901") for i in range(30)
        ],
        cases=[case("2025-04-01", d, deadline=10) for d in (2, 5, 9, 12, 20)],
        responses=[response("2025-05-01", s, nps=s) for s in (5, 7.5, 10, 10)],
        indicators=(
            indicator("tx", "take_up"),
            indicator("med", "delay_median", "decrease", target=3.0),
            indicator("sat", "satisfaction_mean", target=9.0),
        ),
    )


def test_parquet_export_gives_the_warehouse_headlines(demo, tmp_path):
    folder = tmp_path / "export"
    rows = export_parquet(demo.warehouse, folder, DEMO)
    assert rows["usage_events"] > 0 and rows["plan_indicators"] > 0
    # the demo plan's links: 21 deliverables, 42 stakeholders, 14 policy links + 11 SDG targets
    assert (rows["plan_deliverables"], rows["plan_stakeholders"], rows["plan_policy_links"]) == (21, 42, 25)
    got, modes = _parquet_headlines(folder, DEMO)
    assert set(modes.values()) == {"full"}  # over views, the marts are always built whole
    expected = _warehouse_headlines(demo.warehouse)
    assert len(expected) == len(load_plan(demo.plan).indicators) > 0
    _same(got, expected)
    doc = evaluate(demo.warehouse, load_plan(demo.plan), details=False)  # the app's numbers
    by_id = {r[0]: r for r in got}
    for ind in doc["indicators"]:
        row = by_id[ind["id"]]
        w = ind.get("weighting")  # the SQL views give the raw value of a weighted indicator (README)
        n, values = (
            (w["raw_n"], (w["raw_value"], w["raw_ci_low"], w["raw_ci_high"]))
            if w
            else (ind["n"], (ind["value"], ind["ci_low"], ind["ci_high"]))
        )
        assert row[4] == n
        assert all(_close(a, b) for a, b in zip(row[1:4], values, strict=True)), ind["id"]


def test_two_authorities_side_by_side(demo, other_authority, tmp_path):
    folder = tmp_path / "observatoire"
    export_parquet(demo.warehouse, folder, DEMO)
    export_parquet(other_authority[0], folder, OTHER)
    assert {p.name for p in (folder / "usage_events").glob("*/authority=*")} == {
        f"authority={DEMO}",
        f"authority={OTHER}",
    }
    _same(_parquet_headlines(folder, DEMO)[0], _warehouse_headlines(demo.warehouse))
    _same(_parquet_headlines(folder, OTHER)[0], _warehouse_headlines(other_authority[0]))
    # unfiltered, both authorities' rows are there (and both plans)
    con = duckdb.connect()
    try:
        attach_parquet(con, folder)
        n = con.execute("select count(*) from usage_events").fetchall()[0][0]
        plans = con.execute("select count(*) from plan_indicators").fetchall()[0][0]
    finally:
        con.close()
    demo_con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        assert n == demo_con.execute("select count(*) from usage_events").fetchall()[0][0] + 30
        assert plans == demo_con.execute("select count(*) from plan_indicators").fetchall()[0][0] + 3
    finally:
        demo_con.close()


def test_re_export_replaces_the_authority_and_a_missing_table_is_empty(other_authority, tmp_path):
    folder = tmp_path / "export"
    export_parquet(other_authority[0], folder, OTHER)
    export_parquet(other_authority[0], folder, OTHER)  # again: replaced, not doubled
    (folder / "survey_responses").rename(tmp_path / "aside")  # an authority without survey
    con = duckdb.connect()
    try:
        attach_parquet(con, folder, OTHER)
        assert con.execute("select count(*) from usage_events").fetchall()[0][0] == 30
        assert con.execute("select count(*) from survey_responses").fetchall()[0][0] == 0
        create_views(con)
        rows = dict(con.execute("select indicator_id, n from kpi_indicators").fetchall())
    finally:
        con.close()
    assert rows["tx"] == 30 and rows["sat"] == 0
