"""Vue d'ensemble: one card per plan indicator against its target."""

from __future__ import annotations

import streamlit as st

from dashboard.context import indicators
from dashboard.formatting import fmt_date, fmt_value

st.title("Vue d'ensemble")
doc = indicators()
if doc is not None:
    first = doc["indicators"][0] if doc["indicators"] else None
    if first:
        st.caption(f"Valeurs sur 12 mois glissants, du {fmt_date(first['period_start'])} au {fmt_date(first['period_end'])}.")
    cols = st.columns(3)
    for i, ind in enumerate(doc["indicators"]):
        with cols[i % 3], st.container(border=True):
            st.metric(ind["label"], fmt_value(ind["value"], ind["unit"]))
            st.markdown(
                f"Cible : **{fmt_value(ind['target_value'], ind['unit'])}** au {fmt_date(ind['target_date'])}  \n"
                f"Référence : {fmt_value(ind['baseline_value'], ind['unit'])} · n = {ind['n']}"
            )
