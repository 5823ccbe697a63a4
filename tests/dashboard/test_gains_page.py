"""Gains page: every gain of ``barometre gains --json`` with its value, interval, formula, computation
and inputs — never a figure without its formula."""

from __future__ import annotations

import json
import subprocess
import sys

from pipelines.present.gains import applied, fmt_gain, fmt_gain_interval
from tests.conftest import ROOT
from tests.dashboard.conftest import assert_clean, open_app, texts, unescape


def _gains_json(demo) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "gains",
            "--json",
            "--warehouse",
            str(demo.warehouse),
            "--plan",
            str(demo.plan),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_gains_page_shows_each_gain_with_formula_and_inputs(demo_env):
    doc = _gains_json(demo_env)
    assert [i["id"] for i in doc["items"]] == [
        "offline_requests_avoided",
        "money_saved",
        "agent_hours_saved",
        "waiting_days_saved",
    ]
    at = open_app("gains")
    assert_clean(at)
    shown = texts(at)
    metrics = [(m.label, m.value) for m in at.metric]
    for item in doc["items"]:
        assert item["value"] is not None and item["ci_low"] < item["value"] < item["ci_high"]
        assert item["label"] in shown
        assert ("Depuis le début du plan", fmt_gain(item["value"], item["unit"])) in metrics
        assert (
            "Intervalle à 95 %",
            fmt_gain_interval(item["ci_low"], item["ci_high"], item["unit"]),
        ) in metrics
        assert f"Formule : {item['formula']}" in shown
        assert f"Calcul : {applied(item)}" in shown
    tables = [t.value for t in at.table] + [d.value for d in at.dataframe]
    sources = unescape("\n".join(str(v) for t in tables for v in t.to_numpy().ravel())).replace("\\_", "_")
    assert "hypothèse (démo)" in sources and "usage_events" in sources
    assert "Hypothèses" in shown
