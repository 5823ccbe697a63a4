"""Deliverables, stakeholders and policy links of the plan's actions: parsed from real plan text,
statuses at a date and matrix sums checked against values computed by hand, errors in French with
the key and the line, the ``plan_*`` tables in a real DuckDB file."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.errors import PlanError
from pipelines.plan import load_plan, load_plan_tables
from pipelines.plan_links import Deliverable, deliverable_status, is_person
from pipelines.present.action_links import (
    deliverables_frame,
    overdue_table,
    policy_matrix_data,
    policy_totals,
    silo_actions,
)

HEAD = """\
[authority]
name = "Commune de Test"

[plan]
title = "Plan de test"
start = 2024-01-01
end = 2028-12-31
"""

ACTIONS = """\
[[actions]]
id = "A1"
label = "Portail"
budget = 100000
deliverables = [
  { label = "Portail en ligne", due = 2025-03-31, done = 2025-03-20, evidence = "https://exemple.fr", owner = "Service état civil" },
  { label = "Compte usager", due = 2025-06-30, done = 2025-09-15, owner = "Direction du numérique" },
  { label = "FranceConnect", due = 2025-09-30, done = 2025-09-30 },
  { label = "Paiement", due = 2026-06-30 },
  "Guide",
]
stakeholders = { elus = ["Conseil municipal"], partenaires = ["OPSN Jura", "Éditeur X"] }
policies = ["simplification-administrative", "solidarites-inclusion"]
sdg = ["16.6", "4.4"]

[[actions]]
id = "A2"
label = "Urbanisme"
budget = 40000
deliverables = [ { label = "GNAU", due = 2025-01-01 } ]
policies = ["urbanisme-logement", "simplification-administrative"]
sdg = ["11.3"]

[[actions]]
id = "A3"
label = "Formation"
budget = 5000
"""


def _load(tmp_path, text: str):
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


def _error(tmp_path, text: str) -> str:
    with pytest.raises(PlanError) as err:
        _load(tmp_path, text)
    return str(err.value)


def test_records_and_plain_strings_are_read(tmp_path):
    plan = _load(tmp_path, HEAD + ACTIONS)
    a1 = plan.actions[0]
    assert a1.deliverables == ("Portail en ligne", "Compte usager", "FranceConnect", "Paiement", "Guide")
    assert a1.links.deliverables[0] == Deliverable(
        "Portail en ligne",
        dt.date(2025, 3, 31),
        dt.date(2025, 3, 20),
        "https://exemple.fr",
        "Service état civil",
    )
    assert a1.links.deliverables[4] == Deliverable("Guide")
    assert a1.links.stakeholders == {
        "elus": ("Conseil municipal",),
        "partenaires": ("OPSN Jura", "Éditeur X"),
    }
    assert a1.links.sdg == ("16.6", "4.4")
    assert [a.links.silo for a in plan.actions] == [False, False, True]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # at 2025-06-30: « Compte usager » is due today, not yet passed; GNAU (due 2025-01-01) is overdue
        (dt.date(2025, 6, 30), ["ahead", "pending", "pending", "pending", "undated", "overdue"]),
        # at 2025-07-01: « Compte usager » is overdue (done only on 2025-09-15)
        (dt.date(2025, 7, 1), ["ahead", "overdue", "pending", "pending", "undated", "overdue"]),
        # at 2026-10-31: done after due = late, done on the due date = on time, « Paiement » overdue
        (dt.date(2026, 10, 31), ["ahead", "late", "on_time", "overdue", "undated", "overdue"]),
    ],
)
def test_statuses_at_a_date(tmp_path, at, expected):
    plan = _load(tmp_path, HEAD + ACTIONS)
    got = [deliverable_status(d, at) for a in plan.actions for d in a.links.deliverables]
    assert got == expected


def test_done_without_due_date():
    assert deliverable_status(Deliverable("x", done=dt.date(2025, 1, 1)), dt.date(2025, 1, 1)) == "done"
    assert deliverable_status(Deliverable("x", done=dt.date(2025, 1, 2)), dt.date(2025, 1, 1)) == "undated"


def test_overdue_first_with_days_by_hand(tmp_path):
    plan = _load(tmp_path, HEAD + ACTIONS)
    frame = deliverables_frame(plan, dt.date(2026, 10, 31))
    # overdue sorted by due date: GNAU (2025-01-01 → 2026-10-31 = 668 days), Paiement (2026-06-30 → 123 days)
    assert frame["label"].to_list()[:3] == ["GNAU", "Paiement", "Compte usager"]
    assert frame["days_late"].to_list()[:3] == [668, 123, 77]  # Compte usager: 2025-06-30 → 2025-09-15
    assert frame.filter(frame["label"] == "Portail en ligne")["days_late"].item() == -11
    table = overdue_table(plan, dt.date(2026, 10, 31), {"A1"})  # a funder pack's actions only
    assert table["Livrable"].to_list() == ["Paiement"]
    assert table["Retard"].to_list() == ["123 jours"]


def test_matrix_budget_sums(tmp_path):
    plan = _load(tmp_path, HEAD + ACTIONS)
    matrix = policy_matrix_data(plan)
    # simplification: A1 100 000 + A2 40 000; solidarités: A1 only; urbanisme: A2 only; A3 nowhere
    assert matrix["Simplification administrative (€)"].sum() == 140_000
    assert matrix["Solidarités et inclusion (€)"].to_list() == [100_000, None, None]
    assert matrix["Urbanisme et logement (€)"].sum() == 40_000
    assert matrix["Politiques servies"].to_list() == [2, 2, 0]
    assert matrix["En silo"].to_list() == ["non", "non", "oui"]
    assert matrix["Cibles ODD"].to_list() == ["16.6, 4.4", "11.3", ""]
    totals = {r["policy"]: (r["actions"], r["budget"]) for r in policy_totals(plan).iter_rows(named=True)}
    assert totals["Simplification administrative"] == (2, 140_000)
    assert totals["Culture"] == (0, 0)
    assert silo_actions(plan) == ["A3 · Formation"]


def test_plan_tables_in_duckdb(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(HEAD + ACTIONS, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        load_plan_tables(con, path)
        assert con.execute("select count(*), count(due), count(done) from plan_deliverables").fetchone() == (
            6,
            5,
            3,
        )
        assert con.execute(
            "select role, organisation from plan_stakeholders where action_id = 'A1' order by role, organisation"
        ).fetchall() == [
            ("elus", "Conseil municipal"),
            ("partenaires", "OPSN Jura"),
            ("partenaires", "Éditeur X"),
        ]
        assert con.execute(
            "select kind, count(*) from plan_policy_links group by kind order by kind"
        ).fetchall() == [("policy", 4), ("sdg", 3)]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        (
            'owner = "Direction du numérique"',
            'owner = "M. Dupont"',
            "M. Dupont",
            [
                "actions[1].deliverables.owner",
                "« M. Dupont » désigne une personne",
                "jamais le nom d'une personne",
            ],
        ),
        (
            'partenaires = ["OPSN Jura", "Éditeur X"]',
            'partenaires = ["OPSN Jura", "Mme Martin"]',
            "Mme Martin",
            ["actions[1].stakeholders.partenaires", "« Mme Martin » désigne une personne"],
        ),
        (
            "elus = [",
            "maires = [",
            "maires = [",
            ["actions[1].stakeholders", "rôle « maires » inconnu", "elus, agents, citoyens, partenaires"],
        ),
        (
            'policies = ["urbanisme-logement"',
            'policies = ["logement"',
            'policies = ["logement"',
            ["actions[2].policies", "politique « logement » inconnue", "urbanisme-logement"],
        ),
        (
            'policies = ["urbanisme-logement"',
            "policies = [{ a = 1 }",
            "policies = [{ a = 1 }",
            ["actions[2].policies", "politique « {'a': 1} » inconnue"],
        ),
        ('sdg = ["11.3"]', "sdg = [11.3]", "sdg = [11.3]", ["actions[2].sdg", "entre guillemets"]),
        ('sdg = ["11.3"]', 'sdg = ["18.1"]', 'sdg = ["18.1"]', ["actions[2].sdg", "de 1 à 17"]),
        ('sdg = ["11.3"]', 'sdg = ["11-3"]', 'sdg = ["11-3"]', ["actions[2].sdg", "« 11-3 » illisible"]),
        (
            "due = 2025-01-01 }",
            'due = "2025-01-01" }',
            'due = "2025-01-01"',
            ["actions[2].deliverables", "« due » est une date"],
        ),
        (
            '{ label = "FranceConnect", due',
            '{ label = "FranceConnect", echeance = 2025-01-01, due',
            "echeance",
            ["actions[1].deliverables", "clé « echeance » inconnue"],
        ),
    ],
)
def test_errors_name_key_and_line_in_french(tmp_path, old, new, needle, words):
    text = (HEAD + ACTIONS).replace(old, new, 1)
    assert text != HEAD + ACTIONS
    message = _error(tmp_path, text)
    assert f"ligne {_line_of(text, needle)}" in message, message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("value", "person"),
    [
        ("M. Dupont", True),
        ("Mme Martin", True),
        ("Madame la directrice", True),
        ("Dr Lefèvre", True),
        ("Mr Smith", True),
        ("Me Durand", True),
        ("Maison France Services", False),
        ("Service état civil", False),
        ("Mairie de Montrevel", False),
        ("Médiathèque", False),
        ("Metz Métropole", False),
        ("MS Teams", False),
        ("OPSN Jura", False),
    ],
)
def test_person_names_are_told_from_organisations(value, person):
    assert is_person(value) is person


def test_policy_figure_sentence_table_and_silo_row(tmp_path):
    from pipelines.french import fmt_eur
    from pipelines.present.action_links import policy_figure

    plan = _load(tmp_path, HEAD + ACTIONS)
    fig = policy_figure(plan)
    assert fig.summary == (
        "Les 3 actions du plan servent 3 politiques publiques sur 11 ; la plus soutenue est "
        f"« Simplification administrative » (2 actions, {fmt_eur(140_000)}). 1 action en silo (aucune autre "
        "politique servie) : A3 · Formation."
    )
    rows = {r["Politique"]: (r["Actions"], r["Budget des actions"]) for r in fig.table.iter_rows(named=True)}
    assert rows["Simplification administrative"] == ("2", fmt_eur(140_000))
    assert rows["Culture"] == ("0", "—")
    spec = fig.vega_lite()
    y_domains = [layer["encoding"]["y"]["scale"]["domain"] for layer in spec["layer"]]
    assert y_domains[0] == ["A1 · Portail", "A2 · Urbanisme", "A3 (en silo) · Formation"]


def test_matrix_xlsx_keeps_text_inert(tmp_path):
    import io

    import openpyxl

    from pipelines.report.workbook import table_xlsx_bytes

    text = (HEAD + ACTIONS).replace('label = "Portail"', 'label = "=HYPERLINK(\\"http://x\\",\\"y\\")"')
    matrix = policy_matrix_data(_load(tmp_path, text))
    wb = openpyxl.load_workbook(io.BytesIO(table_xlsx_bytes(matrix, "Politiques publiques", ["Titre"])))
    ws = wb["Politiques publiques"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    formula = cells['=HYPERLINK("http://x","y")']
    assert formula.data_type == "s" and formula.quotePrefix
    assert cells[100_000].data_type == "n"  # amounts stay numbers
