"""Feuille de route: the plan's actions on a timeline by phase, their status, budget and funding; their
deliverables (status at a reading date, overdue first), stakeholders, and the matrix of the public
policies they serve (budget per cell, actions « en silo », CSV/XLSX export)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components as ui
from dashboard.context import load_plan
from pipelines.french import fmt_date, fmt_eur, fmt_int
from pipelines.present import action_links, plan_charts, roadmap_frames
from pipelines.present.markdown import md_escape
from pipelines.present.status_words import ACTION_STATUSES
from pipelines.report.workbook import csv_bytes, table_xlsx_bytes

st.title("Feuille de route")
plan, _ = load_plan()
if plan is None:
    st.stop()
actions = roadmap_frames.actions_frame(plan)
if actions.height == 0:
    st.info("Le plan ne contient encore aucune action : ajoutez des blocs [[actions]] au fichier du plan.")
    st.stop()

budget, funded = float(actions["budget"].sum()), float(actions["funded"].sum())
cols = st.columns(4)
cols[0].metric("Actions", fmt_int(actions.height))
cols[1].metric("Budget total", fmt_eur(budget))
cols[2].metric("Financements inscrits", fmt_eur(funded))
cols[3].metric("Reste à financer", fmt_eur(max(0.0, budget - funded)))
st.caption(
    " · ".join(
        f"{emoji} {word} : {fmt_int((actions['status'] == key).sum())}"
        for key, (emoji, word, _) in ACTION_STATUSES.items()
    )
)

st.subheader("Calendrier des actions")
ui.show_figure(
    plan_charts.roadmap_figure(actions, roadmap_frames.phases_frame(plan), today=dt.date.today()),
    key="timeline",
)

st.subheader("Budget et financements")
ui.show_figure(plan_charts.funding_figure(roadmap_frames.funding_frame(plan)), key="funding")

st.subheader("Toutes les actions")
ui.show_static_table(roadmap_frames.actions_table(actions, {i.id: i.label for i in plan.indicators}))

st.subheader("Livrables")
at = st.date_input(
    "Date de lecture",
    value=dt.date.today(),
    format="DD/MM/YYYY",
    key="roadmap_at",
    help="Un livrable est en retard quand son échéance est passée à cette date sans qu'il ait été livré.",
)
deliverables = action_links.deliverables_frame(plan, at)
st.caption(md_escape(action_links.deliverables_summary(deliverables, at)))
overdue = deliverables.filter(deliverables["status"] == "overdue")
if overdue.height:
    st.warning(
        md_escape(
            f"{fmt_int(overdue.height)} livrable{'s' if overdue.height > 1 else ''} en retard au {fmt_date(at)} : "
            + " ; ".join(f"{r['label']} ({r['action_id']})" for r in overdue.iter_rows(named=True))
            + "."
        ),
        icon=":material/schedule:",
    )
if deliverables.height:
    ui.show_table(action_links.deliverables_table(deliverables))

st.subheader("Parties prenantes")
st.caption("Les organisations et services que chaque action mobilise, par rôle.")
ui.show_table(action_links.stakeholders_table(plan))

st.subheader("Articulation avec les autres politiques publiques")
ui.show_figure(action_links.policy_figure(plan), key="policies")
silo = action_links.silo_actions(plan)
if silo:
    st.warning(
        md_escape(
            f"En silo : {' ; '.join(silo)} — {'ces actions ne servent' if len(silo) > 1 else 'cette action ne sert'} "
            "aucune politique publique au-delà du plan numérique lui-même."
        ),
        icon=":material/link_off:",
    )
ui.show_table(action_links.policy_matrix_table(plan))
matrix = action_links.policy_matrix_data(plan)
lines = [
    "Actions du plan et politiques publiques servies",
    f"{plan.title} — budget de chaque action (€) dans chaque politique qu'elle sert ; une action servant "
    "plusieurs politiques y figure pour son budget entier.",
]
cols = st.columns(2)
cols[0].download_button(
    "Télécharger la matrice (CSV)",
    csv_bytes(matrix),
    file_name="actions-politiques-publiques.csv",
    mime="text/csv",
    icon=":material/download:",
)
cols[1].download_button(
    "Télécharger la matrice (XLSX)",
    table_xlsx_bytes(matrix, "Politiques publiques", lines),
    file_name="actions-politiques-publiques.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)
