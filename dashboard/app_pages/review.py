"""Revue: the baseline period against the review period, every indicator side by side."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components as ui
from dashboard import filters, queries
from dashboard.context import page_context
from dashboard.funder_pack import render_handover_section
from pipelines.french import fmt_date, fmt_month
from pipelines.present import charts, tables
from pipelines.present.markdown import md_escape

st.title("Revue")
ctx = page_context()
reviews = list(ctx.plan.reviews)
if not reviews:
    st.info(
        "Le plan ne prévoit pas encore de revue : ajoutez « reviews = [ { name = …, baseline_start = …, "
        "baseline_end = …, start = …, end = … } ] » dans la table [plan] du fichier du plan."
    )
    st.stop()

fresh = queries.freshness(*ctx.wh)
latest = fresh["latest_data"].max()
latest_day = latest.date() if isinstance(latest, dt.datetime) else latest
names = [r["name"] for r in reviews]
started = [r["name"] for r in reviews if latest_day is None or r["start"] <= latest_day]
by_name = {r["name"]: r for r in reviews}
name = filters.remembered_selectbox(
    "Revue",
    names,
    "review",
    default=started[-1] if started else names[0],
    format_func=lambda n: (
        f"{n} ({fmt_month(by_name[n]['start'], True)} – {fmt_month(by_name[n]['end'], True)})"
    ),
)
doc = queries.review(*ctx.keys, name)

base_label = f"Référence ({fmt_month(doc['baseline_start'], True)} – {fmt_month(doc['baseline_end'], True)})"
rev_label = f"Revue ({fmt_month(doc['start'], True)} – {fmt_month(doc['end'], True)})"
st.caption(
    f"Période de référence : du {fmt_date(doc['baseline_start'])} au {fmt_date(doc['baseline_end'])} · "
    f"période de revue : du {fmt_date(doc['start'])} au {fmt_date(doc['end'])}. Une évolution est dite "
    "significative quand le test statistique écarte le hasard au seuil de 5 % (p < 0,05)."
)
if latest_day is not None and dt.date.fromisoformat(str(doc["end"])[:10]) > latest_day:
    st.warning(
        f"La période de revue n'est pas encore couverte par les données (dernières données : "
        f"{fmt_date(latest_day)}) : les valeurs de revue sont partielles ou absentes.",
        icon=":material/schedule:",
    )

st.subheader("Tableau de la revue")
ui.show_static_table(tables.review_table(doc["indicators"]))

st.subheader("Indicateur par indicateur")
rows = doc["indicators"]
for start in range(0, len(rows), 2):
    for col, row in zip(st.columns(2), rows[start : start + 2], strict=False):
        with col, st.container(border=True):
            st.markdown(f"**{md_escape(row['label'])}**")
            ui.status_badge(row)
            ui.show_figure(
                charts.review_figure(row, baseline_label=base_label, review_label=rev_label),
                key=f"rev-{row['id']}",
            )

st.subheader("Revues publiées")
published = queries.published_reviews(*ctx.wh)
if not published:
    st.caption(
        "Aucune revue publiée : « barometre review » enregistre dans l'entrepôt les chiffres du rapport qu'il écrit, "
        "pour les comparer plus tard aux chiffres recalculés."
    )
else:
    keys = [p["review_key"] for p in published]
    by_key = {p["review_key"]: p for p in published}
    chosen = st.selectbox(
        "Revue publiée",
        keys,
        format_func=lambda k: (
            f"{by_key[k]['name']} — lue au {fmt_date(by_key[k]['as_of'])}, publiée le "
            f"{fmt_date(by_key[k]['published_at'])}"
        ),
        key="published-review",
    )
    compared = queries.published_comparison(*ctx.keys, chosen)
    if compared is not None:
        ui.show_static_table(tables.published_table(compared["rows"]))
        for reason in compared["reasons"]:
            st.markdown(f"- {md_escape(reason)}")
        st.caption(
            f"Le rapport publié se reproduit à l'octet près par « barometre review --at "
            f'{by_key[chosen]["as_of"]} --name "{md_escape(by_key[chosen]["name"])}" » tant que les données et le '
            "plan sont ceux de la publication (empreintes gardées dans son manifeste)."
        )

st.subheader("Bilan et continuité du plan")
render_handover_section()
