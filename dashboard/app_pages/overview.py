"""Vue d'ensemble: one card per plan indicator against its target, and how to read the statuses."""

from __future__ import annotations

import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries
from dashboard.context import page_context
from dashboard.navigation import open_indicator
from pipelines.french import fmt_date
from pipelines.present import charts
from pipelines.present.markdown import md_escape
from pipelines.present.status_words import status_help

st.title("Vue d'ensemble")
ctx = page_context()
options = queries.filter_options(*ctx.wh)
flt = filters.sidebar_filters(options)
doc = queries.evaluate(*ctx.keys, flt)
indicators = doc["indicators"]
for warning in queries.plan_warnings(*ctx.wh):
    st.warning(md_escape(warning), icon=":material/history_edu:")

st.caption(
    f"Évaluation au {fmt_date(doc.get('as_of'))} : chaque valeur porte sur les 12 derniers mois complets, "
    "sauf période choisie dans les filtres. " + md_escape(filters.describe(flt, options))
)
if not indicators:
    st.info(
        "Le plan ne définit encore aucun indicateur : ajoutez des blocs [[indicators]] au fichier du plan."
    )
    st.stop()

counts = ui.status_counts(indicators)
for col, (status, n) in zip(st.columns(len(counts)), counts, strict=True):
    col.metric(status.label, f"{n} indicateur{'s' if n > 1 else ''}", icon=status.icon, border=True)
with st.expander("Comment lire les statuts", icon=":material/help:"):
    st.markdown(status_help())

for start in range(0, len(indicators), 3):
    row = indicators[start : start + 3]
    for col, ind in zip(st.columns(3), row, strict=False):
        with col, st.container(border=True):
            s = queries.series(*ctx.keys, ind["id"], flt)
            spark = charts.sparkline_figure(
                s, label=ind["label"], unit=ind["unit"], min_sample=ind.get("min_sample") or 0
            )
            medians = (
                queries.delay_medians(*ctx.keys, ind["id"], flt) if ind["measure"] == "delay_median" else None
            )
            if ui.indicator_card(ind, spark, key=ind["id"], medians=medians):
                open_indicator(ind["id"])
