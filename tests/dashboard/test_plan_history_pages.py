"""The plan's silent edits in the app: a target changed without a revision shows a warning on the
Vue d'ensemble and on its Indicateur page (real demo warehouse copy, real ingest); a revision clears it."""

from __future__ import annotations

from pipelines.ingest.run import ingest
from tests.dashboard.conftest import open_app, texts

OLD = "target = { value = 0.70, date = 2028-12-31 }"


def _reingest(data, text: str) -> None:
    (data / "plan.toml").write_text(text, encoding="utf-8")
    ingest([], data / "warehouse.duckdb", plan_path=data / "plan.toml", wait_seconds=5)


def test_a_silent_target_change_is_shown_until_revised(demo_copy):
    plan = (demo_copy / "plan.toml").read_text(encoding="utf-8")
    assert plan.count(OLD) == 1
    at = open_app()
    assert not [w for w in at.warning if "sans révision" in w.value]
    _reingest(demo_copy, plan.replace(OLD, "target = { value = 0.72, date = 2028-12-31 }"))
    at = open_app()
    shown = texts(at)
    assert (
        "Plan modifié sans révision : indicateur « Part des démarches faites en ligne » (taux-demat)" in shown
    )
    at = open_app("indicator")
    assert at.selectbox(key="w:indicator").value == "taux-demat"
    assert any("Part des démarches faites en ligne" in w.value for w in at.warning)
    # the demo's revision (dated 2026-12-15, after the evaluation date) is listed under the method
    # (the target it replaced: the original one, 0.72 as edited)
    assert (
        "15/12/2026 — Délibération n° 2026-045 du 15/12/2026 : cible de 72,0 % au 31/12/2028 → 75,0 %"
        in texts(at).replace("\u00a0", " ")
    )
    at.selectbox(key="w:indicator").select("delai-urbanisme").run()
    assert not [w for w in at.warning if "sans révision" in w.value]
    _reingest(demo_copy, plan)  # restored
    assert not [w for w in open_app().warning if "sans révision" in w.value]
