"""The packs' « Diagnostic » part against values computed by hand.

Theme GOV (items GOV-1, GOV-2), all respondents:

    wave 2024-02-15: r1 (élu) 2, 4 → 3; r2 (agent) 1, 1 → 1        mean 2, n = 2
    wave 2026-06-15: r1 4, 4 → 4; r2 3, 3 → 3; r3 (agent) 4, 2 → 3  mean 10/3, n = 3,
        sd = √(((2/3)² + 2·(1/3)²) / 2) = √(1/3), half-width t(0.975, 2) · sd / √3
        = 4.302652729749464 × 0.57735 / 1.73205 = 1.434218 → [1.899115, 4.767551]
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.plan import load_plan
from pipelines.report.diagnostic import diagnostic_part
from tests.pipelines.indicators.conftest import PLAN_HEAD
from tests.pipelines.ingest.conftest import DropZone

ANSWERS = """wave,respondent_group,respondent_key,item,level
2024-02-15,elu,r1,GOV-1,2
2024-02-15,elu,r1,GOV-2,4
2024-02-15,agent,r2,GOV-1,1
2024-02-15,agent,r2,GOV-2,1
2026-06-15,elu,r1,GOV-1,4
2026-06-15,elu,r1,GOV-2,4
2026-06-15,agent,r2,GOV-1,3
2026-06-15,agent,r2,GOV-2,3
2026-06-15,agent,r3,GOV-1,4
2026-06-15,agent,r3,GOV-2,2
"""


@pytest.fixture
def part(tmp_path):
    zone = DropZone(tmp_path)
    zone.write("maturite.csv", ANSWERS)
    zone.ingest()
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text(PLAN_HEAD, encoding="utf-8")
    return diagnostic_part(zone.warehouse, load_plan(plan_path), dt.date(2026, 10, 31), 720)


def test_the_diagnostic_wave_against_the_latest_theme_by_theme(part):
    (row,) = part.table.filter(part.table["Thème"].str.starts_with("Gouvernance")).to_dicts()
    # n = 2: 2 ± 12.706 × √2 / √2 is cut to the scale
    assert row["Au diagnostic"] == "2,0 [0,0 – 5,0] (n = 2)"
    assert row["Aujourd'hui"] == "3,3 [1,9 – 4,8] (n = 3)"
    assert row["Évolution"].replace("+", "") == "1,3"
    data = part.data.filter(part.data["Moment"] == "aujourd'hui").to_dicts()[0]
    assert data["Score (0–5)"] == pytest.approx(10 / 3)
    assert data["IC 95 % bas"] == pytest.approx(10 / 3 - 1.434218, abs=1e-6)
    assert data["IC 95 % haut"] == pytest.approx(10 / 3 + 1.434218, abs=1e-6)
    assert data["Répondants"] == 3 and data["Vague"] == dt.date(2026, 6, 15)
    assert "vague du 15/02/2024" in part.paragraphs[0] and "vague du 15/06/2026" in part.paragraphs[0]
    assert part.chart is not None and "Maturité numérique par thème" in part.chart.figure.summary
    # the change in words, untested below the referential's minimum of respondents (5)
    (change,) = [p for p in part.paragraphs if p.startswith("Gouvernance")]
    assert "2,0 → 3,3 sur 5 entre la vague du 15/02/2024 et celle du 15/06/2026" in change
    assert "trop peu de répondants pour un test" in change and change.endswith(".")


def test_a_pack_read_before_the_second_wave_shows_the_diagnostic_alone(tmp_path):
    zone = DropZone(tmp_path)
    zone.write("maturite.csv", ANSWERS)
    zone.ingest()
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text(PLAN_HEAD, encoding="utf-8")
    part = diagnostic_part(zone.warehouse, load_plan(plan_path), dt.date(2025, 1, 31), 720)
    assert set(part.table["Aujourd'hui"].to_list()) == {"—"}
    assert "aucune vague plus récente" in part.paragraphs[0]
