"""The Feuille de route page on the demo: deliverables read at a date (overdue first, with their
words), stakeholders, the policy matrix with its budgets, the action « en silo », the exports."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.french import fmt_eur
from tests.dashboard.conftest import assert_clean, open_app, texts, unescape


def _frame(at, first_column: str, second_column: str) -> pl.DataFrame:
    """The one data table of the page whose first columns are these."""
    found = [
        pl.from_pandas(d.value)
        for d in at.dataframe
        if list(d.value.columns[:2]) == [first_column, second_column]
    ]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_roadmap_page_flags_overdue_deliverables_and_silo_action(demo_env):
    at = open_app("roadmap")
    at.date_input(key="roadmap_at").set_value(dt.date(2026, 10, 31)).run()
    assert_clean(at)
    shown = texts(at)
    # demo plan, read at 31/10/2026, by hand: overdue = due passed and not done:
    # A7 « Parcours de formation des instructeurs » (due 31/03/2026, 214 days), A2 « Procédure de
    # complétude en ligne » (30/06/2026, 123 days), A4 « Deux conseillers numériques » (30/09/2026, 31 days)
    assert "3 livrables en retard au 31/10/2026" in shown
    # done: A1 3, A2 2, A3 3, A4 2, A5 2, A6 1 = 13 of 21; late (done after due): A1, A2, A3, A4, A5 = 5
    assert "13 livrés sur 21 livrables, dont 5 après l'échéance" in shown
    deliverables = _frame(at, "Statut", "Livrable")
    assert deliverables.height == 21
    statuses = deliverables["Statut"].to_list()
    assert statuses[:3] == ["🔴 En retard, non livré"] * 3  # overdue first, by due date
    assert deliverables["Livrable"].to_list()[:3] == [
        "Parcours de formation des instructeurs",
        "Procédure de complétude en ligne",
        "Deux conseillers numériques",
    ]
    assert deliverables["Écart"].to_list()[:3] == [
        "214 jours de retard",
        "123 jours de retard",
        "31 jours de retard",
    ]
    assert statuses.count("🟠 Livré en retard") == 5
    assert "Sans échéance" in " ".join(statuses)  # the plain-string deliverable of A7

    stakeholders = _frame(at, "Action", "Élus")
    a1 = stakeholders.filter(pl.col("Action").str.starts_with("A1 "))
    assert a1["Partenaires technologiques"].item() == "OPSN Jura ; Éditeur du portail (marché 2024-12)"

    # matrix: « Solidarités et inclusion » served by A1 250 000 + A4 210 000 + A6 140 000 = 600 000,
    # more than « Simplification administrative » (A1 250 000 + A2 180 000 + A3 95 000 + A5 15 000 = 540 000)
    assert f"la plus soutenue est « Solidarités et inclusion » (3 actions, {fmt_eur(600_000)})" in shown
    warnings = [unescape(w.value) for w in at.warning]
    assert any(w.startswith("En silo : A7 · Formation des agents") for w in warnings)
    matrix = _frame(at, "Action", "Éducation")
    a7 = matrix.filter(pl.col("Action").str.starts_with("A7 "))
    assert a7["En silo"].item() == "⚠ en silo"
    assert matrix.filter(pl.col("Action").str.starts_with("A3 "))[
        "Simplification administrative"
    ].item() == fmt_eur(95_000)
    assert [b.label for b in at.get("download_button")] == [
        "Télécharger la matrice (CSV)",
        "Télécharger la matrice (XLSX)",
    ]


def test_reading_date_moves_the_statuses(demo_env):
    at = open_app("roadmap")
    # at 30/06/2025: A3's « Rappels par SMS » (due 30/06/2025) is done that day; A1's « Compte usager »
    # (due 30/06/2025, done 15/09/2025) is due today, not yet overdue; nothing is overdue:
    # the earliest undone due date is A2's 31/12/2025 → none passed
    at.date_input(key="roadmap_at").set_value(dt.date(2025, 6, 30)).run()
    assert_clean(at)
    assert "aucun livrable en retard" in texts(at)
    deliverables = _frame(at, "Statut", "Livrable")
    row = deliverables.filter(pl.col("Livrable") == "Compte usager avec suivi des demandes")
    assert row["Statut"].item() == "🔵 À venir" and row["Livré le"].item() == "—"
    # one day later it is overdue
    at.date_input(key="roadmap_at").set_value(dt.date(2025, 7, 1)).run()
    deliverables = _frame(at, "Statut", "Livrable")
    assert deliverables["Livrable"].to_list()[0] == "Compte usager avec suivi des demandes"
    assert deliverables["Écart"].to_list()[0] == "1 jour de retard"


def test_funders_page_names_the_funders_overdue_deliverables(demo_env):
    from pipelines.plan import load_plan
    from pipelines.present.action_links import overdue_table

    plan = load_plan(demo_env.plan)
    at = open_app("funders")
    at.selectbox(key="w:funder").select("FEDER").run()
    assert_clean(at)
    today = dt.date.today()  # the page reads at today's date
    feder = {a.id for a in plan.actions if any(f.funder == "FEDER" for f in a.funding)}
    assert feder == {"A1", "A4", "A6", "A8"}
    expected = overdue_table(plan, today, feder)["Livrable"].to_list()
    shown = texts(at)
    if expected:
        assert f"Livrables de ces actions en retard au {today:%d/%m/%Y}" in shown
        assert all(label in shown for label in expected)
    else:
        assert f"Aucun livrable de ces actions n'est en retard au {today:%d/%m/%Y}." in shown
    # A2's and A7's deliverables are not FEDER's
    assert "Procédure de complétude en ligne" not in shown
