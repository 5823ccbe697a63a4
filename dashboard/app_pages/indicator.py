"""Indicateur: one indicator in depth — series against its trajectory, breakdowns, method."""

from __future__ import annotations

import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries
from dashboard.context import page_context
from pipelines.french import fmt_date, fmt_int, fmt_value
from pipelines.present import charts
from pipelines.present.markdown import md_escape

st.title("Indicateur")
ctx = page_context()
options = queries.filter_options(*ctx.wh)
flt = filters.sidebar_filters(options)
doc = queries.evaluate(*ctx.keys, flt)
by_id = {ind["id"]: ind for ind in doc["indicators"]}
if not by_id:
    st.info(
        "Le plan ne définit encore aucun indicateur : ajoutez des blocs [[indicators]] au fichier du plan."
    )
    st.stop()

ids = list(by_id)
if "sel:indicator" not in st.session_state and st.query_params.get("id") in by_id:  # a shared link
    st.session_state["sel:indicator"] = st.query_params["id"]
chosen = filters.remembered_selectbox("Indicateur", ids, "indicator", format_func=lambda i: by_id[i]["label"])
st.query_params["id"] = chosen
ind = by_id[chosen]
spec = ctx.plan.indicator(chosen)
if flt is not None:
    st.caption(md_escape(filters.describe(flt, options)))
for warning in queries.plan_warnings(*ctx.wh, chosen):
    st.warning(md_escape(warning), icon=":material/history_edu:")

with st.container(border=True):
    head, value, goal = st.columns([1.2, 1.2, 1.6])
    with head:
        st.subheader(md_escape(ind["label"]))
        ui.status_badge(ind, reason=True)
        ui.quality_badge(ind)
    with value:
        ui.value_block(ind)
        ui.edge_notes(ind)
        ui.delay_medians(queries.delay_medians(*ctx.keys, chosen, flt))
    with goal:
        st.markdown(ui.target_line(ind))
        ui.progress_bar(ind)
        ui.change_sentence(queries.change(*ctx.keys, chosen, flt))
        ui.change_sentence(ind.get("change_1y"))

st.subheader("Évolution et trajectoire")
s = queries.series(*ctx.keys, chosen, flt)
traj = queries.trajectory(ctx.plan_path, ctx.mtime, chosen, ind.get("baseline_value"), ind.get("period_end"))
initial = queries.trajectory(ctx.plan_path, ctx.mtime, chosen, ind.get("baseline_value"))
projection = {
    "date": ind.get("target_date"),
    "value": ind.get("projection"),
    "low": ind.get("projection_low"),
    "high": ind.get("projection_high"),
}
fig = charts.series_figure(
    s,
    traj,
    label=ind["label"],
    unit=ind["unit"],
    min_sample=ind.get("min_sample") or 0,
    projection=projection,
    original=initial,
)
ui.show_figure(fig, key="series")
st.caption(
    "Trait plein : valeur mensuelle mesurée, avec sa bande d'incertitude à 95 % ; tirets : trajectoire attendue "
    "(référence, jalons, cible) ; pointillés : projection au rythme récent. Points gris : mois dont l'effectif "
    f"est sous le minimum du plan ({fmt_int(ind.get('min_sample'))})."
    + (
        " Gris clair : trajectoire initiale, avant révision de la cible."
        if ind.get("target_revisions")
        else ""
    )
)

st.subheader("Détail par groupe")
st.caption(
    "Sur la même période que la valeur actuelle. Barres grises : effectif insuffisant ; trait noir : intervalle à 95 %."
)
tabs = st.tabs([f"Par {t.lower()}" for t in charts.BREAKDOWN_TITLES.values()])
for tab, by in zip(tabs, charts.BREAKDOWN_TITLES, strict=True):
    with tab:
        b = queries.breakdown(*ctx.keys, chosen, by, flt)
        if b.height == 0:
            st.info("Aucune donnée pour ce découpage sur la période.")
            continue
        ui.show_figure(
            charts.breakdown_figure(
                b, by=by, unit=ind["unit"], label=ind["label"], min_sample=ind.get("min_sample") or 0
            ),
            key=f"by-{by}",
        )

st.subheader("Méthode")
with st.container(border=True):
    st.markdown(md_escape(spec.methodology) if spec.methodology else "_Pas de note de méthode dans le plan._")
    ui.method_facts(ind, ctx.plan)
    if ind.get("delay_basis_note"):
        st.markdown(md_escape(ind["delay_basis_note"]))
    revisions = ind.get("target_revisions") or []
    if revisions:
        st.markdown("**Révisions de la cible** (la trajectoire d'origine est conservée) :")
        st.markdown(
            "\n".join(
                f"- {md_escape(fmt_date(r['date']))} — {md_escape(r['decision'])} : cible de "
                f"{md_escape(fmt_value(r['previous_target_value'], ind['unit']))} au {md_escape(fmt_date(r['previous_target_date']))} "
                f"→ {md_escape(fmt_value(r['target_value'], ind['unit']))} au {md_escape(fmt_date(r['target_date']))}"
                + (f". {md_escape(r['reason'])}" if r.get("reason") else "")
                for r in revisions
            )
        )
