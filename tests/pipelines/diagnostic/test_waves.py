"""The plan's own maturity referential, and waves compared / élus–agents gaps against values
computed by hand.

A small referential of two themes (AAA, BBB; three statements each; ``min_respondents = 2``) named
by the plan's ``[diagnostic] referential``. Theme scores per respondent (mean of their levels, NSP
left out), as written in ``LEVELS`` below:

    AAA  2024-02-15   élus e1 2, e2 3 (3, 3, NSP), e3 2 (1, 2, 3)   agents a1 1, a2 1 (0, 1, 2), a3 2, a4 NSP×3
    AAA  2026-06-15   élus e1 4, e2 5, e3 3                         agents a1 3, a2 2, a3 4, a4 3
    BBB  2024-02-15   e1 3 only;   2026-06-15: e1 4, a1 2

AAA pooled: 2024 [2, 3, 2, 1, 1, 2] mean 11/6; 2026 [4, 5, 3, 3, 2, 4, 3] mean 24/7.
AAA 2026 élus [4, 5, 3]: mean 4, sd 1; agents [3, 2, 4, 3]: mean 3, sd √(2/3); gap +1,
Welch se = √(1/3 + 1/6) = √0,5, df = 0,25 / ((1/3)²/2 + (1/6)²/3) = 3,857…
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest
from scipy import stats

from pipelines.diagnostic.maturity import compare_waves, group_gaps
from pipelines.ingest.run import ingest

REFERENTIAL = """
version = "test"
titre = "Référentiel d'essai"
min_respondents = 2

[niveaux]
0 = "Rien."
1 = "Un peu."
2 = "Engagé."
3 = "Organisé."
4 = "Piloté."
5 = "Généralisé et évalué."

[[themes]]
id = "AAA"
libelle = "Accueil numérique"
ocde = ["user_driven"]
items = [
  { id = "AAA-1", enonce = "Premier énoncé." },
  { id = "AAA-2", enonce = "Deuxième énoncé." },
  { id = "AAA-3", enonce = "Troisième énoncé." },
]

[[themes]]
id = "BBB"
libelle = "Bureautique partagée"
ocde = ["digital_by_design"]
items = [
  { id = "BBB-1", enonce = "Premier énoncé." },
  { id = "BBB-2", enonce = "Deuxième énoncé." },
  { id = "BBB-3", enonce = "Troisième énoncé." },
]
"""

W1, W2 = "2024-02-15", "2026-06-15"
# (wave, group, respondent, theme) → levels of the theme's three items (None = « ne sait pas »)
LEVELS = {
    (W1, "élu", "e1", "AAA"): (2, 2, 2),
    (W1, "élu", "e2", "AAA"): (3, 3, None),
    (W1, "élu", "e3", "AAA"): (1, 2, 3),
    (W1, "agent", "a1", "AAA"): (1, 1, 1),
    (W1, "agent", "a2", "AAA"): (0, 1, 2),
    (W1, "agent", "a3", "AAA"): (2, 2, 2),
    (W1, "agent", "a4", "AAA"): (None, None, None),
    (W2, "élu", "e1", "AAA"): (4, 4, 4),
    (W2, "élu", "e2", "AAA"): (5, 5, 5),
    (W2, "élu", "e3", "AAA"): (3, 3, 3),
    (W2, "agent", "a1", "AAA"): (3, 3, 3),
    (W2, "agent", "a2", "AAA"): (2, 2, 2),
    (W2, "agent", "a3", "AAA"): (4, 4, 4),
    (W2, "agent", "a4", "AAA"): (3, 3, 3),
    (W1, "élu", "e1", "BBB"): (3, 3, 3),
    (W2, "élu", "e1", "BBB"): (4, 4, 4),
    (W2, "agent", "a1", "BBB"): (2, 2, 2),
}


def _csv() -> str:
    lines = ["wave,respondent_group,respondent_key,item,level"]
    for (wave, group, who, theme), levels in LEVELS.items():
        for k, level in enumerate(levels, start=1):
            lines.append(f"{wave},{group},{who},{theme}-{k},{'NSP' if level is None else level}")
    lines.append(f"{W2},élu,e1,GOV-1,3")  # a statement of the shipped referential, not of the plan's
    return "\n".join(lines) + "\n"


@pytest.fixture
def warehouse(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "referentiel-maison.toml").write_text(REFERENTIAL, encoding="utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text('[diagnostic]\nreferential = "referentiel-maison.toml"\n', encoding="utf-8")
    (data / "maturite.csv").write_text(_csv(), encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    (report,) = ingest([data], wh, data_dir=data, plan_path=plan)
    assert report.rows_loaded == 3 * 17 and report.rows_rejected == 1
    con = duckdb.connect(str(wh), read_only=True)
    yield con
    con.close()


def test_plan_referential_in_use(warehouse):
    assert warehouse.execute("select theme, min_respondents from maturity_themes order by 1").fetchall() == [
        ("AAA", 2),
        ("BBB", 2),
    ]
    assert warehouse.execute("select count(*) from maturity_items").fetchone()[0] == 6
    (msg,) = warehouse.execute("select message from rejected_rows").fetchone()
    assert (
        msg == "L'affirmation « GOV-1 » n'existe pas dans le référentiel de maturité « Référentiel d'essai »."
    )
    # the scores view reads the plan's referential too
    n = warehouse.execute(
        "select n from kpi_maturity_scores where theme = 'AAA' and wave = date '2024-02-15' and \"group\" = 'all'"
    ).fetchone()[0]
    assert n == 6


def test_compare_waves_by_hand(warehouse):
    table = compare_waves(warehouse)
    row = table.filter((table["theme"] == "AAA") & (table["group"] == "all")).row(0, named=True)
    before, after = [2, 3, 2, 1, 1, 2], [4, 5, 3, 3, 2, 4, 3]
    assert (row["wave_before"], row["wave_after"]) == (dt.date(2024, 2, 15), dt.date(2026, 6, 15))
    assert row["score_before"] == pytest.approx(11 / 6)
    assert row["score_after"] == pytest.approx(24 / 7)
    assert row["difference"] == pytest.approx(24 / 7 - 11 / 6)
    assert (row["n_before"], row["n_after"]) == (6, 7)
    reference = stats.ttest_ind(after, before, equal_var=False).pvalue
    assert row["p_value"] == pytest.approx(reference, rel=1e-9)
    assert row["significant"] is True and reference < 0.05
    assert row["sentence"].startswith(
        "Accueil numérique : 1,8 → 3,4 sur 5 entre la vague du 15/02/2024 et celle du 15/06/2026 (+1,6 ; "
        "différence significative, p"
    )
    # élus alone: [2, 3, 2] → [4, 5, 3]
    elus = table.filter((table["theme"] == "AAA") & (table["group"] == "elu")).row(0, named=True)
    assert elus["p_value"] == pytest.approx(stats.ttest_ind([4, 5, 3], [2, 3, 2], equal_var=False).pvalue)
    # BBB pooled: one respondent, then two: below min_respondents = 2 on one side, no test
    bbb = table.filter((table["theme"] == "BBB") & (table["group"] == "all")).row(0, named=True)
    assert bbb["tested"] is False and bbb["p_value"] is None
    assert bbb["score_before"] == 3 and bbb["score_after"] == 3 and bbb["difference"] == 0
    assert (
        "trop peu de répondants pour un test : 1 répondant puis 2 répondants, 2 au moins" in bbb["sentence"]
    )


def test_no_difference_sentence(warehouse):
    table = compare_waves(warehouse, dt.date(2024, 2, 15), dt.date(2026, 6, 15))
    agents = table.filter((table["theme"] == "AAA") & (table["group"] == "agent")).row(0, named=True)
    # agents [1, 1, 2] → [3, 2, 4, 3]
    p = stats.ttest_ind([3, 2, 4, 3], [1, 1, 2], equal_var=False).pvalue
    assert agents["p_value"] == pytest.approx(p)
    if p < 0.05:
        assert "différence significative" in agents["sentence"]
    else:
        assert "pas de différence établie" in agents["sentence"]
    same = compare_waves(warehouse, dt.date(2024, 2, 15), dt.date(2024, 2, 15))
    assert same.height == 0


def test_group_gap_by_hand(warehouse):
    gaps = group_gaps(warehouse, dt.date(2026, 6, 15))
    row = gaps.filter(gaps["theme"] == "AAA").row(0, named=True)
    assert (row["score_elu"], row["score_agent"], row["gap"]) == pytest.approx((4.0, 3.0, 1.0))
    assert (row["n_elu"], row["n_agent"]) == (3, 4)
    vn1, vn2 = 1 / 3, (2 / 3) / 4
    df = (vn1 + vn2) ** 2 / (vn1**2 / 2 + vn2**2 / 3)
    assert row["df"] == pytest.approx(df) and df == pytest.approx(3.857, abs=1e-3)
    half = stats.t.ppf(0.975, df) * math.sqrt(vn1 + vn2)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((1 - half, 1 + half))
    assert row["p_value"] == pytest.approx(stats.ttest_ind([4, 5, 3], [3, 2, 4, 3], equal_var=False).pvalue)
    assert row["sentence"].startswith(
        "Accueil numérique : élus 4,0, agents 3,0 sur 5 à la vague du 15/06/2026 (écart +1,0, intervalle à 95"
    )
    assert "pas d'écart établi" in row["sentence"]  # the interval crosses 0
    assert row["ci_low"] < 0 < row["ci_high"]
    bbb = gaps.filter(gaps["theme"] == "BBB").row(0, named=True)
    assert bbb["gap"] == 2 and bbb["ci_low"] is None
    assert (
        "trop peu de répondants pour un intervalle : 1 élu, 1 agent, 2 au moins par groupe" in bbb["sentence"]
    )


BROKEN = [
    (
        'ocde = ["user_driven"]',
        'ocde = ["numerique"]',
        "clé « themes[1].ocde » : dimension inconnue « numerique »",
    ),
    (
        'id = "AAA-2"',
        'id = "AAA-1"',
        "clé « themes[1].items[2].id » : l'affirmation « AAA-1 » figure deux fois",
    ),
    ("min_respondents = 2", "min_respondents = deux", "illisible (TOML)"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN)
def test_broken_plan_referential_refused_in_french(tmp_path, old, new, expected):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "referentiel-maison.toml").write_text(REFERENTIAL.replace(old, new, 1), encoding="utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text('[diagnostic]\nreferential = "referentiel-maison.toml"\n', encoding="utf-8")
    (data / "maturite.csv").write_text(_csv(), encoding="utf-8")
    reports = ingest([data], tmp_path / "wh.duckdb", data_dir=data, plan_path=plan)
    by = {r.path.split("/")[-1]: r for r in reports}
    assert expected in by["referentiel-maison.toml"].message
    assert by["maturite.csv"].status == "refused"
    assert "le référentiel du plan est invalide" in by["maturite.csv"].message
    assert expected in by["maturite.csv"].message
    if "TOML" in expected:
        assert "(ligne 4, colonne" in by["maturite.csv"].message
