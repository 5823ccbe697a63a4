"""The plan's actions and funding as frames for the Feuille de route and Financeurs pages (pure: a
:class:`Plan` in, Polars frames out). The plan is a small file; the warehouse is not involved."""

from __future__ import annotations

import polars as pl

from pipelines.french import fmt_date, fmt_eur, fmt_pct
from pipelines.plan import Plan, plan_frames
from pipelines.present.status_words import ACTION_STATUSES


def _labels(entries: tuple[dict, ...]) -> dict[str, str]:
    return {str(e.get("id")): str(e.get("label", e.get("id"))) for e in entries}


def actions_frame(plan: Plan) -> pl.DataFrame:
    """One row per action: id, label, axis/phase labels, dates, status, budget, funded amount."""
    frames = plan_frames(plan)
    funded = frames["plan_funding"].group_by("action_id").agg(pl.col("amount").sum().alias("funded"))
    phases, axes = _labels(plan.phases), _labels(plan.axes)
    return (
        frames["plan_actions"]
        .join(funded, on="action_id", how="left")
        .with_columns(
            pl.col("phase").replace_strict(phases, default=pl.col("phase")).alias("phase_label"),
            pl.col("axis").replace_strict(axes, default=pl.col("axis")).alias("axis_label"),
            pl.col("funded").fill_null(0.0),
        )
        .rename({"action_id": "id"})
        .sort("start", nulls_last=True)
    )


def phases_frame(plan: Plan) -> pl.DataFrame:
    return plan_frames(plan)["plan_phases"].select("label", "start", "end")


def funding_frame(plan: Plan) -> pl.DataFrame:
    """One row per funding line: action_id, action_label, funder, amount, budget, status."""
    frames = plan_frames(plan)
    actions = frames["plan_actions"].select(
        "action_id", pl.col("label").alias("action_label"), "budget", "status", "indicators"
    )
    return frames["plan_funding"].join(actions, on="action_id", how="left")


def funder_rows(plan: Plan, funder: str) -> pl.DataFrame:
    """The actions a funder pays for, with its amount and the action's budget."""
    return funding_frame(plan).filter(pl.col("funder") == funder).sort("amount", descending=True)


def actions_table(actions: pl.DataFrame, indicator_labels: dict[str, str]) -> pl.DataFrame:
    """Display table of the actions (French headers and formats)."""
    rows = []
    for r in actions.iter_rows(named=True):
        emoji, word, _ = ACTION_STATUSES.get(r["status"], ("", r["status"], ""))
        rows.append(
            {
                "Action": f"{r['id']} · {r['label']}",
                "Statut": f"{emoji} {word}".strip(),
                "Phase": r["phase_label"] or "—",
                "Début": fmt_date(r["start"]),
                "Fin": fmt_date(r["end"]),
                "Budget": fmt_eur(r["budget"]),
                "Financé": fmt_pct(r["funded"] / r["budget"], 0) if r["budget"] else "—",
                "Indicateurs visés": " ; ".join(indicator_labels.get(i, i) for i in r["indicators"] or []),
                "Axe": r["axis_label"] or "—",
                "Livrables": " ; ".join(r["deliverables"] or []),
            }
        )
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(
            [
                "Action",
                "Statut",
                "Phase",
                "Début",
                "Fin",
                "Budget",
                "Financé",
                "Indicateurs visés",
                "Axe",
                "Livrables",
            ],
            pl.String,
        ),
    )
