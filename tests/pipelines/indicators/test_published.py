"""Published reviews are snapshots: ``barometre review`` stores what it published, reproduces it byte for
byte while data and plan are unchanged, and a later recomputation says why it differs (late data, a
corrected export, a revised plan)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from pipelines.indicators.published import comparison, review_key
from pipelines.ingest.run import ingest
from pipelines.plan import load_plan
from tests.pipelines.report.conftest import run_cli, write_small

AT = "2025-12-31"
NAME = "Revue à mi-parcours"


def review(directory, warehouse, plan, *extra):
    code, out, err = run_cli(
        "review",
        "--at",
        AT,
        "--name",
        NAME,
        "--out",
        str(directory),
        "--warehouse",
        str(warehouse),
        "--plan",
        str(plan),
        *extra,
    )
    assert code == 0, err
    return out


@pytest.fixture
def published(tmp_path):
    warehouse, plan = write_small(tmp_path / "small")
    out = review(tmp_path / "r1", warehouse, plan)
    assert "Revue publiée" in out
    return tmp_path, warehouse, plan


def figures(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select review_key, indicator_id, review_value, n, status from published_review_figures"
        ).fetchall()
    finally:
        con.close()


def test_the_published_figures_are_the_reports(published):
    tmp_path, warehouse, _ = published
    summary = (tmp_path / "r1" / "donnees" / "synthese.csv").read_text(encoding="utf-8-sig")
    ((key, ind, value, n, status),) = figures(warehouse)
    assert key == review_key(NAME, __import__("datetime").date.fromisoformat(AT)) and ind == "taux"
    # the report's summary shows the same value (in %, decimal comma) and count
    assert f"{100 * value:.6f}".replace(".", ",")[:6] in summary and str(n) in summary
    assert status


def test_reproduced_byte_for_byte_and_nothing_to_explain(published):
    tmp_path, warehouse, plan = published
    review(tmp_path / "r2", warehouse, plan)
    first = json.loads((tmp_path / "r1" / "manifest.json").read_text(encoding="utf-8"))["files"]
    second = json.loads((tmp_path / "r2" / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert first == second
    doc = comparison(warehouse, load_plan(plan), f"{NAME}|{AT}")
    assert doc["reasons"] == [
        "Aucune différence : la revue recalculée aujourd'hui redonne les chiffres publiés."
    ]


def test_late_data_a_corrected_export_and_a_revised_plan_are_explained(published):
    tmp_path, warehouse, plan = published
    exports = tmp_path / "small" / "exports"
    # late data: a new file of requests in the review period
    (exports / "retard.csv").write_text(
        "source,source_id,submitted_at,service,channel,outcome\n"
        + "".join(
            f"test,L{i},2025-06-{1 + i % 28:02d} 10:00:00,etat-civil,online,completed\n" for i in range(400)
        ),
        encoding="utf-8",
    )
    # a corrected export: the same file name, other content
    original = (exports / "usage_events.csv").read_text(encoding="utf-8")
    (exports / "usage_events.csv").write_text(original.replace(",counter,", ",online,", 50), encoding="utf-8")
    reports = ingest([exports], warehouse, data_dir=tmp_path / "small", plan_path=plan)
    assert {r.status for r in reports} <= {"loaded", "skipped"}
    # a revised plan
    shutil.copyfile(plan, tmp_path / "plan-avant.toml")
    plan.write_text(plan.read_text(encoding="utf-8").replace("value = 0.8", "value = 0.85"), encoding="utf-8")
    doc = comparison(warehouse, load_plan(plan), f"{NAME}|{AT}")
    text = "\n".join(doc["reasons"])
    assert "Le plan a changé depuis la publication" in text
    assert "1 export corrigé importé depuis la publication : usage_events.csv." in text
    assert "1 fichier de données arrivé depuis la publication : retard.csv." in text
    assert (
        "Indicateurs dont la valeur ou le statut diffère aujourd'hui : « Part des démarches en ligne »."
        in text
    )
    (row,) = doc["rows"]
    assert row["published"] != row["today"]


def test_a_draft_is_not_published(tmp_path):
    warehouse, plan = write_small(tmp_path / "small")
    out = review(tmp_path / "draft", warehouse, plan, "--draft")
    assert "Revue publiée" not in out and figures(warehouse) == []
