"""The Revue page shows a published review beside today's recomputation (AppTest on a copy of the demo)."""

from __future__ import annotations

from pipelines.plan import load_plan
from tests.dashboard.conftest import assert_clean, open_app, texts
from tests.pipelines.report.conftest import run_cli


def test_revue_page_compares_a_published_review_with_today(demo_copy, tmp_path):
    code, out, err = run_cli(
        "review",
        "--at",
        "2026-10-31",
        "--name",
        "Revue à mi-parcours",
        "--out",
        str(tmp_path / "revue"),
        "--warehouse",
        str(demo_copy / "warehouse.duckdb"),
        "--plan",
        str(demo_copy / "plan.toml"),
    )
    assert code == 0, err
    assert "Revue publiée" in out
    at = open_app("review")
    assert_clean(at)
    assert "Revue publiée" in [s.label for s in at.selectbox]
    table = next(t.value for t in at.table if "Valeur publiée" in list(t.value.columns))
    indicators = load_plan(demo_copy / "plan.toml").indicators
    assert len(table) == len(indicators) and set(table["Écart"].tolist()) == {"identique"}
    assert "Aucune différence" in texts(at)
