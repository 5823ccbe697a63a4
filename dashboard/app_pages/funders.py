"""Financeurs: for a chosen funder, the actions it pays for, the amounts, their overdue deliverables, and the
indicators they target."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries
from dashboard.context import data_context, load_plan, warehouse_path
from dashboard.funder_pack import render_pack_section
from pipelines.consolidate.members_plan import plan_with_members
from pipelines.french import fmt_date, fmt_eur, fmt_int, fmt_pct
from pipelines.present import action_links, plan_charts, roadmap_frames, tables
from pipelines.present.markdown import md_escape

st.title("Financeurs")
plan, mtime = load_plan()
if plan is None:
    st.stop()
plan = plan_with_members(plan, warehouse_path())  # consolidated warehouse: the members' actions too
funders = plan.funders()
if not funders:
    st.info(
        "Aucune action du plan n'indique de financement : ajoutez des lignes « funding = [ { funder = …, "
        "amount = … } ] » aux actions du fichier du plan."
    )
    st.stop()

funder = filters.remembered_selectbox("Financeur", funders, "funder")
rows = roadmap_frames.funder_rows(plan, funder)
total_plan = float(roadmap_frames.funding_frame(plan)["amount"].sum())
amount, budget = float(rows["amount"].sum()), float(rows["budget"].sum())

cols = st.columns(4)
cols[0].metric("Montant engagé", fmt_eur(amount))
cols[1].metric("Actions financées", fmt_int(rows.height))
cols[2].metric("Part de leur budget", fmt_pct(amount / budget, 0) if budget else "—")
cols[3].metric("Part des financements du plan", fmt_pct(amount / total_plan, 0) if total_plan else "—")

st.subheader(f"Actions financées par {md_escape(funder)}")
ui.show_figure(plan_charts.funder_figure(rows, funder=funder), key="funder-actions")
today = dt.date.today()
overdue = action_links.overdue_table(plan, today, set(rows["action_id"].to_list()))
if overdue.height:
    st.warning(
        md_escape(
            f"Livrables de ces actions en retard au {fmt_date(today)} : "
            + " ; ".join(
                f"{r['Livrable']} ({r['Action']}, échéance {r['Échéance']})"
                for r in overdue.iter_rows(named=True)
            )
            + "."
        ),
        icon=":material/schedule:",
    )
else:
    st.caption(f"Aucun livrable de ces actions n'est en retard au {fmt_date(today)}.")

st.subheader("Indicateurs visés par ces actions")
linked = list(dict.fromkeys(i for ids in rows["indicators"].to_list() for i in ids))
if not linked:
    st.caption("Les actions de ce financeur ne sont reliées à aucun indicateur dans le plan.")
elif (ctx := data_context(plan, mtime)) is None:
    st.caption("Valeurs indisponibles : aucune donnée n'a encore été importée.")
else:
    doc = queries.evaluate(*ctx.keys)
    evaluated = [ind for ind in doc["indicators"] if ind["id"] in linked]
    ui.show_static_table(tables.linked_indicators_table(evaluated, rows))

st.divider()
st.subheader("Dossier du financeur")
render_pack_section(funder)
