"""Feuille de route: the plan's actions on a timeline by phase, their status, budget and funding."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components as ui
from dashboard.context import load_plan
from pipelines.french import fmt_eur, fmt_int
from pipelines.present import plan_charts, roadmap_frames
from pipelines.present.status_words import ACTION_STATUSES

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
