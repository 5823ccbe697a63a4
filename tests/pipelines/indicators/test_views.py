"""The views in the warehouse: created by the ingest writer, documented, exact reference tables,
and the same numbers as evaluate()."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.errors import ViewsMissing
from pipelines.indicators import evaluate
from pipelines.ingest.run import ingest
from pipelines.warehouse import ensure_schema
from tests.pipelines.indicators.conftest import (
    PLAN_HEAD,
    binom_cdf,
    case,
    indicator,
    query,
    request,
    response,
    wilson,
)

VIEWS = {
    "kpi_default_period",
    "kpi_indicators",
    "kpi_indicator_baselines",
    "kpi_take_up_monthly",
    "kpi_delay_monthly",
    "kpi_backlog_monthly",
    "kpi_satisfaction_monthly",
    "kpi_dimension_values",
}
MARTS = {"mart_usage_monthly", "mart_survey_monthly", "mart_data_bounds", "mart_dimension_values"}
MACROS = {
    "kpi_take_up",
    "kpi_delay",
    "kpi_decided_cases",
    "kpi_delay_km",
    "kpi_backlog",
    "kpi_satisfaction",
    "kpi_measure",
    "kpi_indicator_at",
}


def test_ingest_of_canonical_csvs_creates_the_views(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rows = ["source,source_id,submitted_at,service,channel,commune,age_band,outcome"]
    rows += [
        f"csv,{i},2025-03-0{1 + i % 5} 10:00:00,etat-civil,{'online' if i < 7 else 'counter'},39901,30-44,completed"
        for i in range(10)
    ]
    (data / "usage.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (data / "plan.toml").write_text(PLAN_HEAD + indicator("tx", "take_up"), encoding="utf-8")
    warehouse = data / "warehouse.duckdb"
    reports = ingest([data], warehouse, data_dir=data, plan_path=data / "plan.toml")
    assert [r.status for r in reports] == ["loaded"]
    names = {r[0] for r in query(warehouse, "select view_name from duckdb_views() where not internal")}
    assert names >= VIEWS
    assert {r[0] for r in query(warehouse, "select table_name from duckdb_tables()")} >= MARTS
    assert {
        r[0]
        for r in query(
            warehouse, "select function_name from duckdb_functions() where function_type = 'table_macro'"
        )
    } >= MACROS
    row = query(
        warehouse,
        "select n_requests, take_up, take_up_ci_low from kpi_take_up(date '2025-03-01', date '2025-04-01')",
    )[0]
    assert row == (10, pytest.approx(0.7), pytest.approx(wilson(7, 10)[0]))
    assert query(
        warehouse, "select indicator_id, n from kpi_indicator_at(date '2025-03-01', date '2025-04-01')"
    ) == [("tx", 10)]


def test_views_and_marts_are_documented(make):
    wh, _ = make()
    comments = dict(
        query(
            wh,
            "select view_name, comment from duckdb_views() where view_name like 'kpi_%' and view_name <> 'kpi_dimension_values'",
        )
    )
    comments |= dict(
        query(
            wh,
            "select table_name, comment from duckdb_tables() where table_name like 'mart_%' or table_name like 'kpi_ref_%'",
        )
    )
    assert comments and all(comments.values()), comments


def test_reference_ranks_are_the_exact_binomial_ones(make):
    wh, _ = make()
    for n in (6, 10, 25, 100, 400):
        for pct in (50, 90):
            q = pct / 100
            lo = max(1, next(k for k in range(n + 1) if binom_cdf(k, n, q) >= 0.025))
            hi = min(n, next(k for k in range(n + 1) if binom_cdf(k, n, q) >= 0.975) + 1)
            got = query(
                wh, "select lo, hi, coverage from kpi_ref_order_ranks where pct = ? and n = ?", [pct, n]
            )[0]
            assert got[:2] == (lo, hi), (n, pct)
            assert got[2] == pytest.approx(binom_cdf(hi - 1, n, q) - binom_cdf(lo - 1, n, q))
            if pct == 50 or n >= 100:  # below, x(n) is as high as the 90th percentile's bound can go
                assert got[2] >= 0.95


def test_shipped_reference_files_are_what_scipy_computes():
    """The Parquet constants read by the ingest are those the scipy functions give today."""
    import polars as pl
    from polars.testing import assert_frame_equal

    from pipelines.indicators.views import REF_FILES, order_rank_table, t_table

    assert_frame_equal(pl.read_parquet(REF_FILES["kpi_ref_order_ranks"]), order_rank_table())
    assert_frame_equal(pl.read_parquet(REF_FILES["kpi_ref_t975"]), t_table())


def test_sql_views_agree_with_evaluate(make):
    wh, plan = make(
        requests=[request("2023-03-01", "online" if i % 3 else "counter") for i in range(12)]
        + [request("2025-06-30", "online" if i % 4 else "mail") for i in range(20)],
        cases=[case("2023-03-01", d) for d in (5, 9, 14)] + [case("2025-03-01", d) for d in (1, 3, 8, 13)],
        responses=[response("2023-05-01", s, nps=s) for s in (5, 7.5, 10)]
        + [response("2025-05-01", s, nps=s) for s in (2.5, 10, 10, 7.5)],
        indicators=(
            indicator("tx", "take_up"),
            indicator("med", "delay_median", "decrease", target=2.0),
            indicator("p90", "delay_p90", "decrease", target=2.0),
            indicator("moy", "satisfaction_mean", target=9.0),
            indicator("nps", "nps", target=50.0),
            indicator("stock", "backlog", "decrease", target=0.0),
        ),
    )
    doc = evaluate(wh, plan)
    assert doc["as_of"] == "2025-06-30"
    sql = {
        r[0]: r[1:]
        for r in query(
            wh,
            "select indicator_id, value, ci_low, ci_high, n, baseline_value, period_end from kpi_indicators",
        )
    }
    for ind in doc["indicators"]:
        value, low, high, n, baseline, end = sql[ind["id"]]
        assert (ind["value"], ind["ci_low"], ind["ci_high"], ind["n"]) == (value, low, high, n), ind["id"]
        assert ind["baseline_value"] == baseline and end == dt.date(2025, 6, 30)


def test_reading_a_warehouse_without_views_says_to_ingest(tmp_path, make):
    _, plan = make(indicators=(indicator("tx", "take_up"),))
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    ensure_schema(con)
    con.close()
    with pytest.raises(ViewsMissing, match="relancez « barometre ingest »"):
        evaluate(old, plan)
