"""The plan's charts: its actions on a timeline over the phases, coloured and labelled by status;
its funding by funder and action. Built like every chart (:mod:`pipelines.present.charts`: French
locale, Okabe–Ito colours, one sentence and the table behind it)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.french import fmt_date, fmt_eur, fmt_month, fmt_pct
from pipelines.present.charts import MEASURED, MONTH_AXIS, PALETTE, Figure, finish
from pipelines.present.palette import OKABE_ITO, TEXT_VERMILLION
from pipelines.present.status_words import ACTION_STATUSES

PHASE_ROW = "Phases du plan"  # the timeline's first row: the phases


def roadmap_figure(
    actions: pl.DataFrame,
    phases: pl.DataFrame,
    *,
    today: dt.date | None = None,
    title: str | None = None,
    width: int | None = None,
) -> Figure:
    """Actions as bars on a timeline, coloured and labelled by status, over the plan's phases.
    ``actions``: id, label, phase_label, start, end, status. ``phases``: label, start, end."""
    import altair as alt

    a = (
        actions.drop_nulls(["start", "end"])
        .with_columns(
            (pl.col("id") + " · " + pl.col("label")).alias("name"),
            pl.col("status")
            .replace_strict({k: v[1] for k, v in ACTION_STATUSES.items()}, default=pl.col("status"))
            .alias("status_label"),
        )
        .sort("start")
    )
    domain = [v[1] for v in ACTION_STATUSES.values()]
    order = [PHASE_ROW, *a["name"].to_list()]  # first row: the phase names
    x = alt.X("start:T", title=None, axis=alt.Axis(format=MONTH_AXIS, labelAngle=0, tickCount=8))
    y = alt.Y("name:N", title=None, sort=order, scale=alt.Scale(domain=order), axis=alt.Axis(labelLimit=380))
    p = (
        phases.drop_nulls(["start", "end"])
        .sort("start")
        .with_row_index("i")
        .with_columns(pl.lit(PHASE_ROW).alias("name"))
    )
    phase_layer = alt.Chart(p).encode(x=x, x2="end:T")
    phase_text = {
        "align": "left",
        "dx": 4,
        "fontSize": 11,
        "fontStyle": "italic",
        "fontWeight": "bold",
        "color": "#4A4F57",
    }
    layers = [
        phase_layer.mark_rect(color="#EEF1F5", stroke="white", strokeWidth=3).encode(
            tooltip=[
                alt.Tooltip("label:N", title="Phase"),
                alt.Tooltip("start:T", title="Début", format="%d/%m/%Y"),
                alt.Tooltip("end:T", title="Fin", format="%d/%m/%Y"),
            ]
        ),
        # phase names on two staggered lines, so that a short phase does not run into the next one
        phase_layer.transform_filter("datum.i % 2 == 0")
        .mark_text(dy=-7, **phase_text)
        .encode(text="label:N", y=y),
        phase_layer.transform_filter("datum.i % 2 == 1")
        .mark_text(dy=7, **phase_text)
        .encode(text="label:N", y=y),
        alt.Chart(a)
        .mark_bar(height={"band": 0.6}, cornerRadius=3)
        .encode(
            x=x,
            x2="end:T",
            y=y,
            color=alt.Color(
                "status_label:N",
                title="Statut",
                scale=alt.Scale(domain=domain, range=[v[2] for v in ACTION_STATUSES.values()]),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Action"),
                alt.Tooltip("status_label:N", title="Statut"),
                alt.Tooltip("phase_label:N", title="Phase"),
                alt.Tooltip("start:T", title="Début", format="%d/%m/%Y"),
                alt.Tooltip("end:T", title="Fin", format="%d/%m/%Y"),
            ],
        ),
        alt.Chart(a)
        .mark_text(align="left", dx=4, fontSize=11, color="#1B1B1F")
        .encode(x="end:T", y=y, text="status_label:N"),
    ]
    height = max(160, 34 * (a.height + 1))
    if today is not None:
        t = pl.DataFrame({"start": [today], "label": ["aujourd'hui"], "name": [PHASE_ROW]})
        layers.append(
            alt.Chart(t).mark_rule(color=OKABE_ITO["vermillion"], strokeDash=[4, 3]).encode(x="start:T")
        )
        layers.append(
            alt.Chart(t)
            .mark_text(align="center", baseline="bottom", dy=-3, color=TEXT_VERMILLION, fontSize=11)
            .encode(x="start:T", y=alt.value(0), text="label:N")
        )
    chart = alt.layer(*layers).properties(height=height)
    counts = (
        a.group_by("status_label", maintain_order=True)
        .len()
        .sort("len", descending=True, maintain_order=True)
    )
    parts = ", ".join(
        f"{r['len']} {_agree(r['status_label'].lower(), r['len'])}" for r in counts.iter_rows(named=True)
    )
    span = f" de {fmt_month(a['start'].min())} à {fmt_month(a['end'].max())}" if a.height else ""
    summary = (
        f"{a.height} action{'s' if a.height > 1 else ''} du plan{span} : {parts}."
        if a.height
        else "Aucune action datée dans le plan."
    )
    table = pl.DataFrame(
        [
            {
                "Action": r["name"],
                "Phase": r.get("phase_label") or "—",
                "Début": fmt_date(r["start"]),
                "Fin": fmt_date(r["end"]),
                "Statut": f"{ACTION_STATUSES.get(r['status'], ('', r['status']))[0]} {r['status_label']}".strip(),
            }
            for r in a.iter_rows(named=True)
        ],
        schema=dict.fromkeys(["Action", "Phase", "Début", "Fin", "Statut"], pl.String),
    )
    return Figure(finish(chart, summary, title, width), summary, table)


def funding_figure(funding: pl.DataFrame, *, title: str | None = None, width: int | None = None) -> Figure:
    """Amounts per action, stacked by funder. ``funding``: action_id, action_label, funder, amount."""
    import altair as alt

    d = funding.with_columns((pl.col("action_id") + " · " + pl.col("action_label")).alias("name"))
    totals = d.group_by("funder").agg(pl.col("amount").sum()).sort("amount", descending=True)
    funders = totals["funder"].to_list()
    order = d.group_by("name").agg(pl.col("amount").sum()).sort("amount", descending=True)["name"].to_list()
    chart = (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X("sum(amount):Q", title=None, axis=alt.Axis(format="$,.0f")),
            y=alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=380)),
            color=alt.Color(
                "funder:N", title="Financeur", scale=alt.Scale(domain=funders, range=PALETTE[: len(funders)])
            ),
            order=alt.Order("funder_rank:Q"),
            tooltip=[
                alt.Tooltip("name:N", title="Action"),
                alt.Tooltip("funder:N", title="Financeur"),
                alt.Tooltip("amount:Q", title="Montant", format="$,.0f"),
            ],
        )
        .transform_calculate(funder_rank=f"indexof({funders!r}, datum.funder)")
        .properties(height=max(120, 30 * len(order)))
    )
    total = float(totals["amount"].sum()) if totals.height else 0.0
    parts = ", ".join(
        f"{r['funder']} {fmt_eur(r['amount'])} ({fmt_pct(r['amount'] / total, 0) if total else '—'})"
        for r in totals.iter_rows(named=True)
    )
    summary = (
        f"Le plan mobilise {fmt_eur(total)} sur {len(order)} actions : {parts}."
        if total
        else "Aucun financement inscrit au plan."
    )
    table = pl.DataFrame(
        [
            {
                "Financeur": r["funder"],
                "Montant": fmt_eur(r["amount"]),
                "Part du total": fmt_pct(r["amount"] / total, 1) if total else "—",
            }
            for r in totals.iter_rows(named=True)
        ],
        schema=dict.fromkeys(["Financeur", "Montant", "Part du total"], pl.String),
    )
    return Figure(finish(chart, summary, title, width), summary, table)


def funder_figure(
    rows: pl.DataFrame, *, funder: str, title: str | None = None, width: int | None = None
) -> Figure:
    """For one funder: each action's budget split into this funder's share and the rest.
    ``rows``: action_id, action_label, amount (this funder), budget."""
    import altair as alt

    d = rows.with_columns((pl.col("action_id") + " · " + pl.col("action_label")).alias("name"))
    order = d.sort("amount", descending=True)["name"].to_list()
    long = pl.concat(
        [
            d.select("name", pl.lit(funder).alias("part"), pl.col("amount"), pl.lit(0).alias("rank")),
            d.select(
                "name",
                pl.lit("Autres financements").alias("part"),
                (pl.col("budget") - pl.col("amount")).clip(0).alias("amount"),
                pl.lit(1).alias("rank"),
            ),
        ]
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("amount:Q", title=None, stack="zero", axis=alt.Axis(format="$,.0f")),
            y=alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=380)),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=[funder, "Autres financements"], range=[MEASURED, "#C8CCD2"]),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("name:N", title="Action"),
                alt.Tooltip("part:N", title="Financement"),
                alt.Tooltip("amount:Q", title="Montant", format="$,.0f"),
            ],
        )
        .properties(height=max(90, 34 * len(order)))
    )
    total, budget = float(d["amount"].sum()), float(d["budget"].sum())
    share = f", soit {fmt_pct(total / budget, 0)} de leur budget ({fmt_eur(budget)})" if budget else ""
    summary = (
        f"{funder} finance {d.height} action{'s' if d.height > 1 else ''} pour {fmt_eur(total)}{share}."
        if d.height
        else f"{funder} ne finance aucune action du plan."
    )
    table = pl.DataFrame(
        [
            {
                "Action": r["name"],
                f"Montant {funder}": fmt_eur(r["amount"]),
                "Budget de l'action": fmt_eur(r["budget"]),
                "Part": fmt_pct(r["amount"] / r["budget"], 0) if r["budget"] else "—",
            }
            for r in d.sort("amount", descending=True).iter_rows(named=True)
        ],
        schema=dict.fromkeys(["Action", f"Montant {funder}", "Budget de l'action", "Part"], pl.String),
    )
    return Figure(finish(chart, summary, title, width), summary, table)


def _agree(status: str, n: int) -> str:
    """« terminée » → « 3 terminées »: the participles agree with the count; « en cours », « à venir » do not vary."""
    return status + "s" if n > 1 and status.endswith("e") else status
