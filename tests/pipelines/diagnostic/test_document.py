"""``barometre diagnostic --json`` on a hand-made fixture: maturity scores, intervals and the waves'
comparison equal to values computed by hand.

Theme INC (items INC-1, INC-2), wave 2024-02-15, five élus and five agents (respondent score = mean
of their two levels):

    élus   e1..e5: (1, 1) (2, 2) (1, 3) (2, 2) (3, 3)  → 1, 2, 2, 2, 3
    agents a1..a5: (0, 0) (1, 1) (0, 2) (1, 1) (2, 2)  → 0, 1, 1, 1, 2

All ten: mean 1.5 (interval from the textbook formula in ``mean_ci``); élus mean 2, sd = √0.5;
agents mean 1, sd = √0.5. Wave 2026-06-15: the same people one level higher on each item
(scores + 1). Student t(0.975, 9) = 2.2621571627409915, t(0.975, 4) = 2.7764451051977987.
"""

from __future__ import annotations

import json
import math

import pytest

from pipelines.cli import main
from pipelines.ingest.run import ingest
from tests.pipelines.indicators.conftest import PLAN_HEAD
from tests.pipelines.ingest.conftest import DropZone

ELUS = {"e1": (1, 1), "e2": (2, 2), "e3": (1, 3), "e4": (2, 2), "e5": (3, 3)}
AGENTS = {"a1": (0, 0), "a2": (1, 1), "a3": (0, 2), "a4": (1, 1), "a5": (2, 2)}
T9, T4 = 2.2621571627409915, 2.7764451051977987


def answers() -> str:
    lines = ["wave,respondent_group,respondent_key,item,level"]
    for wave, plus in (("2024-02-15", 0), ("2026-06-15", 1)):
        for group, people in (("elu", ELUS), ("agent", AGENTS)):
            for key, levels in people.items():
                for item, level in zip(("INC-1", "INC-2"), levels, strict=True):
                    lines.append(f"{wave},{group},{key},{item},{level + plus}")
    return "\n".join(lines) + "\n"


def mean_ci(scores: list[float], t: float) -> tuple[float, float, float]:
    n = len(scores)
    m = sum(scores) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in scores) / (n - 1))
    return m, m - t * sd / math.sqrt(n), m + t * sd / math.sqrt(n)


@pytest.fixture
def doc(tmp_path, capsys):
    zone = DropZone(tmp_path)
    zone.write("maturite.csv", answers())
    zone.ingest()
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_HEAD, encoding="utf-8")
    rc = main(
        [
            "diagnostic",
            "--json",
            "--warehouse",
            str(zone.warehouse),
            "--plan",
            str(plan),
            "--at",
            "2026-10-31",
        ]
    )
    assert rc == 0
    return json.loads(capsys.readouterr().out)


def row(doc: dict, wave: str, group: str) -> dict:
    (found,) = [
        m for m in doc["maturity"] if m["theme"] == "INC" and m["wave"] == wave and m["group"] == group
    ]
    return found


def test_scores_and_intervals_equal_the_hand_computation(doc):
    elus = [sum(v) / 2 for v in ELUS.values()]
    agents = [sum(v) / 2 for v in AGENTS.values()]
    m, lo, hi = mean_ci(elus + agents, T9)
    pooled = row(doc, "2024-02-15", "all")
    assert (pooled["score"], pooled["ci_low"], pooled["ci_high"], pooled["n"]) == pytest.approx(
        (m, lo, hi, 10)
    )
    assert pooled["score"] == pytest.approx(1.5) and pooled["below_min"] is False
    m, lo, hi = mean_ci(elus, T4)
    e = row(doc, "2024-02-15", "elu")
    assert (e["score"], e["ci_low"], e["ci_high"], e["n"]) == pytest.approx((2.0, lo, hi, 5))
    assert row(doc, "2026-06-15", "agent")["score"] == pytest.approx(2.0)
    assert set(doc["maturity"][0]) >= {"theme", "label", "wave", "group", "score", "ci_low", "ci_high", "n"}


def test_waves_compared_and_the_gap_between_elus_and_agents(doc):
    (change,) = [c for c in doc["maturity_changes"] if c["theme"] == "INC" and c["group"] == "all"]
    assert change["difference"] == pytest.approx(1.0) and change["significant"] is True
    assert change["sentence"].startswith("Inclusion numérique : 1,5 → 2,5 sur 5 entre la vague du 15/02/2024")
    (gap,) = [g for g in doc["group_gaps"] if g["theme"] == "INC"]
    # élus − agents at the latest wave: 3 − 2 = 1, equal variances 0.5, Welch df = 8
    assert gap["gap"] == pytest.approx(1.0) and gap["df"] == pytest.approx(8.0)
    half = 2.306004135204166 * math.sqrt(0.5 / 5 + 0.5 / 5)  # t(0.975, 8)
    assert (gap["ci_low"], gap["ci_high"]) == pytest.approx((1 - half, 1 + half))


def test_reading_before_the_second_wave_sees_the_diagnostic_only(tmp_path, capsys):
    zone = DropZone(tmp_path)
    zone.write("maturite.csv", answers())
    zone.ingest()
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_HEAD, encoding="utf-8")
    assert (
        main(
            [
                "diagnostic",
                "--json",
                "--warehouse",
                str(zone.warehouse),
                "--plan",
                str(plan),
                "--at",
                "2025-01-31",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert {m["wave"] for m in doc["maturity"]} == {"2024-02-15"} and doc["maturity_changes"] == []


def test_themes_list_the_actions_naming_them_and_an_unknown_theme_is_named(tmp_path, capsys):
    zone = DropZone(tmp_path)
    zone.write("maturite.csv", answers())
    zone.ingest()
    plan = tmp_path / "plan.toml"
    plan.write_text(
        PLAN_HEAD + '\n[[actions]]\nid = "B1"\nlabel = "Médiation"\nthemes = ["INC", "XYZ"]\n',
        encoding="utf-8",
    )
    ingest([zone.data], zone.warehouse, data_dir=zone.data, plan_path=plan)  # loads the plan's tables
    assert main(["diagnostic", "--json", "--warehouse", str(zone.warehouse), "--plan", str(plan)]) == 0
    doc = json.loads(capsys.readouterr().out)
    themes = {t["theme"]: t["actions"] for t in doc["themes"]}
    assert themes["INC"] == ["B1"] and themes["GOV"] == []
    assert doc["warnings"] == [
        "Le plan rattache l'action B1 au thème « XYZ », absent du référentiel de maturité en usage."
    ]
