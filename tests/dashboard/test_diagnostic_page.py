"""The Diagnostic page under AppTest on the demo: the same numbers as ``barometre diagnostic --json``,
every part shown (maturity, priorities, territory, consultation, inventory, blind spots)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.dashboard.conftest import assert_clean, open_app, texts, unescape


@pytest.fixture(scope="module")
def diagnostic_json(demo) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "diagnostic",
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


def _tables(at) -> list[dict[str, list[str]]]:
    """Each static table as {column: cells}, Markdown escapes removed (what a reader sees)."""
    return [
        {unescape(str(c)): [unescape(str(v)) for v in t.value[c].tolist()] for c in t.value.columns}
        for t in at.table
    ]


def test_diagnostic_page_matches_the_command(demo_env, diagnostic_json):
    at = open_app("diagnostic")
    assert_clean(at)
    shown = texts(at)
    headers = [h.value for h in at.header]
    for part in (
        "Maturité numérique",
        "Priorités des services",
        "Le territoire",
        "Priorités des communes",
        "Consultation des habitants",
        "Inventaire des équipements et plateformes",
        "Angles morts",
    ):
        assert part in headers
    tables = _tables(at)
    ranking = next(t for t in tables if "Score (0–100)" in t and "Service" in t)
    services = diagnostic_json["priorities"]["services"]
    assert ranking["Service"] == [s["label"] for s in services]
    assert ranking["Score (0–100)"][0] == str(round(100 * services[0]["score"]))
    for spot in diagnostic_json["blind_spots"]:
        assert spot["message"] in shown
    for flagged in diagnostic_json["inventory"]["flagged"]:
        assert flagged["flag_reason"] in shown
    # communes by name: the territory names them
    territory = next(t for t in tables if "Population" in t)
    expected = [f"{t['name']} ({t['commune']})" for t in diagnostic_json["territory"]]
    assert len(expected) == 12 and territory["Commune"] == expected


def test_maturity_shows_waves_and_groups_with_intervals(demo_env, diagnostic_json):
    at = open_app("diagnostic")
    assert_clean(at)
    if not diagnostic_json["maturity"]:
        pytest.fail("la démo doit contenir des vagues d'autoévaluation de maturité")
    assert [t.label for t in at.tabs][:2] == ["Par vague", "Par groupe de répondants"]
    summaries = [unescape(c.value) for c in at.caption]
    assert any(s.startswith("Maturité numérique par thème") for s in summaries)
