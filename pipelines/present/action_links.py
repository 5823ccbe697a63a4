"""Deliverables, stakeholders and policy links of the plan's actions as frames and a chart, for the
Feuille de route page and the reports (pure: a :class:`Plan` and a reading date in, Polars frames or
a :class:`Figure` out).

- :func:`deliverables_frame`: one row per deliverable with its status at the reading date, overdue
  first; :func:`deliverables_table` its French display, :func:`overdue_table` the overdue ones for
  the reports.
- :func:`stakeholders_table`: one row per action, one column per role.
- :func:`policy_matrix_data`: actions × policies with the action's budget in each cell it serves —
  the table for the authority's sustainable-development report (CSV/XLSX); :func:`policy_figure`
  the heat map, its summary sentence and the budget per policy.

An action's budget is shown whole in every policy it serves: a policy's total is the budget of the
actions that contribute to it, and the totals of several policies overlap.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.french import fmt_date, fmt_eur, fmt_int, fmt_number
from pipelines.plan import Plan
from pipelines.plan_links import DELIVERABLE_STATUSES, POLICIES, STAKEHOLDER_ROLES, deliverable_status
from pipelines.present.charts import Figure, finish

SILO = "en silo"
_RANK = {key: n for n, key in enumerate(DELIVERABLE_STATUSES)}

DELIVERABLE_SCHEMA = {
    "action_id": pl.String,
    "action_label": pl.String,
    "label": pl.String,
    "due": pl.Date,
    "done": pl.Date,
    "evidence": pl.String,
    "owner": pl.String,
    "status": pl.String,
    "days_late": pl.Int64,  # done − due (or reading date − due when overdue); negative: ahead
}


def _plural(n: int, word: str) -> str:
    return f"{fmt_int(n)} {word}{'s' if n > 1 else ''}"


def deliverables_frame(plan: Plan, at: dt.date, action_ids: set[str] | None = None) -> pl.DataFrame:
    """Every deliverable (of ``action_ids`` when given) with its status at ``at``: overdue first,
    then late, pending…, each group by due date."""
    rows = []
    for a in plan.actions:
        if action_ids is not None and a.id not in action_ids:
            continue
        for d in a.links.deliverables:
            status = deliverable_status(d, at)
            end = d.done if status in ("late", "ahead", "on_time") else at if status == "overdue" else None
            rows.append(
                {
                    "action_id": a.id,
                    "action_label": a.label,
                    "label": d.label,
                    "due": d.due,
                    "done": d.done if d.done and d.done <= at else None,
                    "evidence": d.evidence,
                    "owner": d.owner,
                    "status": status,
                    "days_late": (end - d.due).days if end and d.due else None,
                }
            )
    rows.sort(key=lambda r: (_RANK[r["status"]], r["due"] or dt.date.max, r["action_id"]))
    return (
        pl.DataFrame(rows, schema=DELIVERABLE_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=DELIVERABLE_SCHEMA)
    )


def status_word(status: str) -> str:
    """``🔴 En retard, non livré``: icon and word (never the colour alone)."""
    symbol, word = DELIVERABLE_STATUSES[status]
    return f"{symbol} {word}"


def _gap(status: str, days: int | None) -> str:
    if days is None or status in ("on_time", "pending", "undated", "done"):
        return "—"
    if status == "ahead":
        return f"{_plural(-days, 'jour')} d'avance"
    return f"{_plural(days, 'jour')} de retard"


DELIVERABLE_COLUMNS = [
    "Statut",
    "Livrable",
    "Action",
    "Échéance",
    "Livré le",
    "Écart",
    "Responsable",
    "Preuve",
]


def deliverables_table(frame: pl.DataFrame) -> pl.DataFrame:
    """French display of :func:`deliverables_frame` (status with its icon, dates, gap in days)."""
    rows = [
        {
            "Statut": status_word(r["status"]),
            "Livrable": r["label"],
            "Action": f"{r['action_id']} · {r['action_label']}",
            "Échéance": fmt_date(r["due"]),
            "Livré le": fmt_date(r["done"]),
            "Écart": _gap(r["status"], r["days_late"]),
            "Responsable": r["owner"] or "—",
            "Preuve": r["evidence"] or "—",
        }
        for r in frame.iter_rows(named=True)
    ]
    schema = dict.fromkeys(DELIVERABLE_COLUMNS, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def deliverables_summary(frame: pl.DataFrame, at: dt.date) -> str:
    """One French sentence: how many deliverables are done, late, overdue at ``at``."""
    if frame.height == 0:
        return "Aucun livrable n'est inscrit au plan."
    counts = {k: int((frame["status"] == k).sum()) for k in DELIVERABLE_STATUSES}
    done = counts["late"] + counts["ahead"] + counts["on_time"] + counts["done"]
    parts = [f"{fmt_int(done)} livré{'s' if done > 1 else ''} sur {_plural(frame.height, 'livrable')}"]
    if done:
        parts.append(
            f"dont {fmt_int(counts['late'])} après l'échéance et {fmt_int(counts['ahead'])} en avance"
        )
    overdue = counts["overdue"]
    tail = (
        f" ; {_plural(overdue, 'livrable')} en retard (échéance passée, non livré{'s' if overdue > 1 else ''})"
        if overdue
        else " ; aucun livrable en retard"
    )
    return f"Au {fmt_date(at)} : {', '.join(parts)}{tail}."


OVERDUE_COLUMNS = ["Action", "Livrable", "Échéance", "Retard", "Responsable"]


def overdue_table(plan: Plan, at: dt.date, action_ids: set[str] | None = None) -> pl.DataFrame:
    """The deliverables overdue at ``at`` (French-formatted), for the funder pack and the review report."""
    frame = deliverables_frame(plan, at, action_ids).filter(pl.col("status") == "overdue")
    rows = [
        {
            "Action": f"{r['action_id']} · {r['action_label']}",
            "Livrable": r["label"],
            "Échéance": fmt_date(r["due"]),
            "Retard": _plural(r["days_late"], "jour"),
            "Responsable": r["owner"] or "—",
        }
        for r in frame.iter_rows(named=True)
    ]
    schema = dict.fromkeys(OVERDUE_COLUMNS, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def stakeholders_table(plan: Plan) -> pl.DataFrame:
    """One row per action, one column per role (organisations joined by « ; »)."""
    cols = ["Action", *STAKEHOLDER_ROLES.values()]
    rows = [
        {
            "Action": f"{a.id} · {a.label}",
            **{
                label: " ; ".join(a.links.stakeholders.get(role, ())) or "—"
                for role, label in STAKEHOLDER_ROLES.items()
            },
        }
        for a in plan.actions
    ]
    schema = dict.fromkeys(cols, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def policy_links_frame(plan: Plan) -> pl.DataFrame:
    """Long form: one row per (action, policy served), with the action's budget."""
    schema = {"action_id": pl.String, "action_label": pl.String, "policy": pl.String, "budget": pl.Float64}
    rows = [
        {"action_id": a.id, "action_label": a.label, "policy": POLICIES[p], "budget": a.budget}
        for a in plan.actions
        for p in a.links.policies
    ]
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def policy_matrix_data(plan: Plan) -> pl.DataFrame:
    """Actions × policies (numbers, French headers): the action's budget in each policy it serves,
    empty elsewhere; its SDG targets; « oui » when it is in silo. The table for the authority's
    sustainable-development report (every policy of the vocabulary is a column, served or not)."""
    schema = {"Action": pl.String, "Libellé": pl.String, "Budget (€)": pl.Float64}
    schema |= {f"{label} (€)": pl.Float64 for label in POLICIES.values()}
    schema |= {"Politiques servies": pl.Int64, "Cibles ODD": pl.String, "En silo": pl.String}
    rows = []
    for a in plan.actions:
        row = {"Action": a.id, "Libellé": a.label, "Budget (€)": a.budget}
        row |= {
            f"{label} (€)": (a.budget if slug in a.links.policies else None)
            for slug, label in POLICIES.items()
        }
        row |= {
            "Politiques servies": len(a.links.policies),
            "Cibles ODD": ", ".join(a.links.sdg),
            "En silo": "oui" if a.links.silo else "non",
        }
        rows.append(row)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def policy_totals(plan: Plan) -> pl.DataFrame:
    """Per policy of the vocabulary (in its order): number of actions serving it and their budget."""
    rows = []
    for slug, label in POLICIES.items():
        serving = [a for a in plan.actions if slug in a.links.policies]
        rows.append(
            {"policy": label, "actions": len(serving), "budget": float(sum(a.budget for a in serving))}
        )
    return pl.DataFrame(
        rows, schema={"policy": pl.String, "actions": pl.Int64, "budget": pl.Float64}, orient="row"
    )


def silo_actions(plan: Plan) -> list[str]:
    """``A7 · Formation…`` for each action serving no policy beyond the digital plan."""
    return [f"{a.id} · {a.label}" for a in plan.actions if a.links.silo]


def policy_summary(plan: Plan) -> str:
    totals = policy_totals(plan).filter(pl.col("actions") > 0).sort("budget", descending=True)
    if not plan.actions:
        return "Le plan ne contient aucune action."
    silo = silo_actions(plan)
    silo_text = (
        f" {_plural(len(silo), 'action')} en silo (aucune autre politique servie) : {', '.join(silo)}."
        if silo
        else " Aucune action n'est en silo."
    )
    if totals.height == 0:
        return f"Aucune action ne nomme les politiques publiques qu'elle sert.{silo_text}"
    top = totals.row(0, named=True)
    n = len(plan.actions)
    who = f"Les {fmt_int(n)} actions du plan servent" if n > 1 else "L'action du plan sert"
    return (
        f"{who} {totals.height} politique{'s' if totals.height > 1 else ''} publique{'s' if totals.height > 1 else ''} "
        f"sur {len(POLICIES)} ; la plus soutenue est « {top['policy']} » ({_plural(top['actions'], 'action')}, "
        f"{fmt_eur(top['budget'])}).{silo_text}"
    )


def _k_eur(x: float) -> str:
    """``250 k€``: short enough for a cell of the heat map."""
    return f"{fmt_number(x / 1000, 0)}\u202fk€"


def policy_figure(plan: Plan, *, title: str | None = None, width: int | None = None) -> Figure:
    """Heat map actions × policies, the cell's colour and text the action's budget; an action in
    silo keeps its row, marked « en silo »."""
    import altair as alt

    names = {a.id: f"{a.id}{f' ({SILO})' if a.links.silo else ''} · {a.label}" for a in plan.actions}
    cells = policy_links_frame(plan).with_columns(
        pl.col("action_id").replace_strict(names, return_dtype=pl.String).alias("name"),
        pl.col("budget").map_elements(_k_eur, return_dtype=pl.String).alias("budget_text"),
    )
    names = list(names.values())
    policies = list(POLICIES.values())
    base = alt.Chart(cells).encode(
        x=alt.X(
            "policy:N",
            title=None,
            sort=policies,
            scale=alt.Scale(domain=policies),
            axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=320),
        ),
        y=alt.Y(
            "name:N", title=None, sort=names, scale=alt.Scale(domain=names), axis=alt.Axis(labelLimit=380)
        ),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "budget:Q",
            title="Budget de l'action",
            # light blues only: the budget written in each cell stays dark ink on every cell (≥ 7:1)
            scale=alt.Scale(range=["#EEF4FB", "#6BAED6"]),
            legend=alt.Legend(format="$,.0f"),
        ),
        tooltip=[
            alt.Tooltip("name:N", title="Action"),
            alt.Tooltip("policy:N", title="Politique"),
            alt.Tooltip("budget:Q", title="Budget de l'action", format="$,.0f"),
        ],
    )
    text = base.mark_text(fontSize=10, color="#1B1B1F").encode(text="budget_text:N")
    chart = (rect + text).properties(height=max(120, 34 * len(names)))
    summary = policy_summary(plan)
    totals = policy_totals(plan)
    table = pl.DataFrame(
        [
            {
                "Politique": r["policy"],
                "Actions": fmt_int(r["actions"]),
                "Budget des actions": fmt_eur(r["budget"]) if r["actions"] else "—",
            }
            for r in totals.iter_rows(named=True)
        ],
        schema=dict.fromkeys(["Politique", "Actions", "Budget des actions"], pl.String),
    )
    return Figure(finish(chart, summary, title, width), summary, table)


def policy_matrix_table(plan: Plan) -> pl.DataFrame:
    """French display of the matrix: one row per action, a column per policy served by at least one
    action (budget or —), the SDG targets and the silo flag."""
    served = [slug for slug in POLICIES if any(slug in a.links.policies for a in plan.actions)]
    cols = ["Action", *(POLICIES[s] for s in served), "Cibles ODD", "En silo"]
    rows = [
        {
            "Action": f"{a.id} · {a.label}",
            **{POLICIES[s]: fmt_eur(a.budget) if s in a.links.policies else "—" for s in served},
            "Cibles ODD": ", ".join(a.links.sdg) or "—",
            "En silo": "⚠ en silo" if a.links.silo else "non",
        }
        for a in plan.actions
    ]
    schema = dict.fromkeys(cols, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
