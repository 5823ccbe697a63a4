"""Gains: what the plan gained so far and per year — each figure with its interval, its formula with
the numbers put in, its inputs and their sources, never a figure alone."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import components as ui
from dashboard import queries
from dashboard.context import page_context
from pipelines.present import gains as present
from pipelines.present.markdown import md_escape


@st.cache_data(ttl=queries.TTL, max_entries=16, show_spinner="Calcul des gains…")
def _gains(warehouse: str, version: str, plan_path: str, mtime: float) -> dict:
    from pipelines.indicators.gains import gains

    return gains(Path(warehouse), queries.plan(plan_path, mtime))


st.title("Gains")
ctx = page_context()
doc = _gains(*ctx.keys)
st.caption(md_escape(present.period_sentence(doc)))
if not ctx.plan.costs:
    st.info(
        "Le plan n'indique pas de coûts unitaires par canal : ajoutez une table [costs] au fichier du plan "
        '(par exemple « counter = { euros = 12.0, minutes = 20, source = "hypothèse" } ») pour chiffrer le coût '
        "et le temps d'agent économisés.",
        icon=":material/euro:",
    )

st.subheader("Synthèse")
ui.show_static_table(present.summary_table(doc))

for item in doc["items"]:
    with st.container(border=True):
        st.markdown(f"**{md_escape(item['label'])}**")
        cols = st.columns(2)
        cols[0].metric("Depuis le début du plan", present.fmt_gain(item["value"], item["unit"]))
        cols[1].metric(
            "Intervalle à 95 %", present.fmt_gain_interval(item["ci_low"], item["ci_high"], item["unit"])
        )
        if item.get("note"):
            st.warning(md_escape(item["note"]), icon=":material/info:")
        st.markdown(f"Formule : {md_escape(item['formula'])}")
        if not item.get("note"):
            st.markdown(f"Calcul : {md_escape(present.applied(item))}")
        st.caption(f"Intervalle : {md_escape(item['ci_method'])}.")
        st.markdown("Données utilisées")
        ui.show_static_table(present.inputs_table(item))
        if item["per_year"]:
            st.markdown("Par année")
            ui.show_static_table(present.per_year_table(item))

st.subheader("Hypothèses")
st.markdown("\n".join(f"- {md_escape(a)}" for a in doc["assumptions"]))
