"""``barometre kpi`` on the demo: the JSON agrees with the SQL views, the statuses are mixed, the table is French."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import ROOT

KEYS = {
    "id",
    "label",
    "measure",
    "unit",
    "direction",
    "period_start",
    "period_end",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "baseline_value",
    "target_value",
    "target_date",
    "expected_now",
    "progress_pct",
    "status",
    "projection",
    "projection_low",
    "projection_high",
    "change",
    "status_label",
    "min_sample",
    "ci_method",
    "value_label",
    "quality",
}


def _kpi(demo, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "kpi",
            "--warehouse",
            str(demo.warehouse),
            "--plan",
            str(demo.plan),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="module")
def kpi_json(demo):
    return json.loads(_kpi(demo, "--json").stdout)


def test_json_agrees_with_the_sql_views(demo, kpi_json):
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    try:
        current = {
            r[0]: r[1:]
            for r in con.execute(
                "select indicator_id, value, ci_low, ci_high, n, period_start, period_end from kpi_indicators"
            ).fetchall()
        }
        baselines = dict(
            con.execute("select indicator_id, baseline_value from kpi_indicator_baselines").fetchall()
        )
    finally:
        con.close()
    assert {i["id"] for i in kpi_json["indicators"]} == set(current)
    for ind in kpi_json["indicators"]:
        value, low, high, n, start, end = current[ind["id"]]
        if ind["weighting"]:  # weighted (issue 17): the SQL views give the raw value, kept beside it
            w, bw = ind["weighting"], ind["baseline_weighting"]
            assert w["headline"] == "weighted" and ind["value"] == w["weighted_value"]
            ind = ind | {"value": w["raw_value"], "ci_low": w["raw_ci_low"], "ci_high": w["raw_ci_high"]}
            ind["baseline_value"] = bw["raw_value"]
        assert ind["value"] == pytest.approx(value, rel=1e-12) and ind["n"] == n, ind["id"]
        if ind["measure"] == "cost_per_transaction":  # no interval: counts and assumed unit costs
            assert (ind["ci_low"], ind["ci_high"], low, high) == (None, None, None, None)
        else:
            assert (ind["ci_low"], ind["ci_high"]) == (
                pytest.approx(low, rel=1e-12),
                pytest.approx(high, rel=1e-12),
            )
        assert (ind["period_start"], ind["period_end"]) == (start.isoformat(), end.isoformat())
        assert ind["baseline_value"] == pytest.approx(baselines[ind["id"]], rel=1e-12)


def test_json_shape_units_and_quality(kpi_json):
    assert kpi_json["as_of"] == "2026-10-31"
    for ind in kpi_json["indicators"]:
        assert set(ind) >= KEYS
        assert set(ind["change"]) >= {"delta", "p_value", "significant", "sentence"}
        assert set(ind["quality"]) == {"rows_rejected", "last_ingest", "latest_data"}
        if ind["unit"] == "%":
            assert 0 <= ind["value"] <= 1 and 0 <= ind["ci_low"] <= ind["value"] <= ind["ci_high"] <= 1
        if ind["unit"] == "jours":
            assert 5 < ind["value"] < 120  # days, not seconds or hours
        assert 0 <= ind["progress_pct"] <= 100


def test_demo_plan_gives_a_mix_of_statuses(kpi_json):
    statuses = {i["id"]: i["status"] for i in kpi_json["indicators"]}
    assert {"on_track", "at_risk", "off_track"} <= set(statuses.values()), statuses
    assert statuses["delai-urbanisme"] == "off_track"  # the story of the demo: permits got slower
    manual = next(i for i in kpi_json["indicators"] if i["id"] == "respect-delais")
    assert manual["change"]["p_value"] is None and "saisie à la main" in manual["change"]["sentence"]


def test_default_output_is_a_french_table(demo):
    out = _kpi(demo).stdout
    assert out.startswith("Indicateurs du 01/11/2025 au 31/10/2026")
    assert "en bonne voie" in out and "en retard" in out and "Référence" in out
    assert "63,1" in out.splitlines()[3]  # decimal comma


def test_at_option_moves_the_period(demo):
    doc = json.loads(_kpi(demo, "--json", "--at", "2025-12-15").stdout)
    assert doc["as_of"] == "2025-11-30" and doc["indicators"][0]["period_start"] == "2024-12-01"


def test_demo_has_one_indicator_of_each_new_measure(kpi_json):
    by_measure = {i["measure"]: i for i in kpi_json["indicators"]}
    completion, cost = by_measure["completion_rate"], by_measure["cost_per_transaction"]
    assert completion["id"] == "taux-completion" and completion["n"] > 1000
    assert 0 < completion["ci_low"] < completion["value"] < completion["ci_high"] < 1
    assert completion["details"]["n_completed"] + completion["details"]["n_abandoned"] == completion["n"]
    assert cost["id"] == "cout-par-demande" and cost["unit"] == "€" and cost["n"] > 1000
    assert cost["ci_low"] is None and cost["ci_high"] is None
    # the channel without a cost in the demo plan (« other ») is left out, and said so
    assert cost["details"]["n_requests_uncosted"] > 0
    assert cost["details"]["n_requests_costed"] == cost["n"]
    assert 1.5 < cost["value"] < 14.0  # between the cheapest and the dearest unit cost of [costs]


def test_kpi_at_beyond_the_data_counts_the_months_and_calls_nothing_late(demo):
    """Issue 17: the demo's data end on 31/10/2026; at 31/03/2027 the window April 2026 – March 2027
    has 7 months with data, and the permits' delay, late on a complete window, is not called late."""
    doc = json.loads(_kpi(demo, "--json", "--at", "2027-03-31").stdout)
    assert doc["period_start"] == "2026-04-01"
    for ind in doc["indicators"]:
        assert (ind["months_with_data"], ind["months_in_period"]) == (7, 12)
        assert ind["window_note"] == "Données sur 7 des 12 mois de la période."
        assert ind["status"] != "off_track"
        assert set(ind["change_1y"]) == set(ind["change"])
    urbanisme = next(i for i in doc["indicators"] if i["id"] == "delai-urbanisme")
    assert urbanisme["status"] == "insufficient_data"
    assert "pas de verdict « en retard » sur une période incomplète" in urbanisme["status_reason"]
