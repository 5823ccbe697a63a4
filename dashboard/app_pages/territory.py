"""Territoire: the view of the body that consolidates several authorities (``barometre consolidate``) —
every member's status on each shared indicator, a funnel plot per rate indicator (so that a small
commune is not called the « worst » for being small), peer groups, and the members with their exports.
Listed by :mod:`dashboard.navigation` only for a warehouse of at least two members."""

from __future__ import annotations

import streamlit as st

from dashboard import components as ui
from dashboard import queries
from dashboard.context import page_context
from pipelines.present import territory as words
from pipelines.present import territory_charts as charts
from pipelines.present.markdown import md_escape
from pipelines.present.status_words import status_help

STATIC_ROWS = 40  # up to this many members a table is shown whole, wrapped; beyond, scrollable
MAX_LISTED = 20  # members outside the limits listed under a funnel (all of them are in its table)

st.title("Territoire")
ctx = page_context(require_data=False)
doc = queries.territory(*ctx.wh)
members, results, meta = doc["members"], doc["results"], doc["meta"]
name = meta.get("territory") or ctx.plan.authority.get("name") or "le territoire"
st.caption(
    f"{md_escape(name)} · {md_escape(words.consolidation_sentence(meta, members.height))} Chaque membre garde ses "
    "propres données : ses indicateurs sont calculés comme par son propre tableau de bord, puis comparés à la valeur "
    "de l'ensemble du territoire (toutes les données des membres réunies)."
)
if members.height < 2:
    st.info(
        "Cet entrepôt ne réunit pas plusieurs collectivités : la page Territoire sert aux entrepôts consolidés "
        "(« barometre consolidate »).",
        icon=":material/hub:",
    )
    st.stop()


def _table(df) -> None:
    if df.height <= STATIC_ROWS:
        ui.show_static_table(df)
    else:
        ui.show_table(df)


groups = words.peer_groups(members)
group = st.selectbox(
    "Groupe de pairs",
    [words.ALL_MEMBERS, *groups],
    format_func=lambda g: g if g == words.ALL_MEMBERS else g[:1].upper() + g[1:],
    key="territory:group",
    help="Les groupes de pairs réunissent les membres de même nature et de même taille (population, ou à défaut "
    "nombre de demandes).",
)
chosen = None if group == words.ALL_MEMBERS else group
if chosen:
    st.info(
        f"Seuls les membres du groupe « {md_escape(chosen[:1].upper() + chosen[1:])} » sont montrés. Ils restent "
        "comparés à la valeur de l'ensemble du territoire (tous les membres), et non à la moyenne du seul groupe.",
        icon=":material/filter_alt:",
    )
order = [i.id for i in ctx.plan.indicators]

st.header("Les membres et les indicateurs partagés")
_table(words.status_table(results, members, order=order, peer_group=chosen))
st.caption(
    "Chaque case donne le statut du membre pour l'indicateur (icône et mot), sa valeur et n, le nombre "
    "d'observations. Sous l'effectif minimum fixé par le plan, seule la taille de l'échantillon est donnée : la "
    "valeur n'est ni jugée ni classée."
)
with st.expander("Comment lire les statuts", icon=":material/help:"):
    st.markdown(status_help())

st.header("Les taux comparés : entonnoirs")
rates = words.rate_indicators(results, order)
if not rates:
    st.info(
        "Aucun indicateur du plan du territoire n'est un taux (part des démarches en ligne, part des dossiers dans "
        "les délais…) : il n'y a pas d'entonnoir à tracer. Les autres indicateurs sont comparés dans le tableau "
        "ci-dessus."
    )
for ind in rates:
    st.subheader(ind["label"])
    pooled = words.pooled_row(results, ind["indicator_id"])
    points = words.funnel_points(results, members, ind["indicator_id"], peer_group=chosen)
    if points.filter(points["value"].is_not_null() & (points["n"].fill_null(0) > 0)).is_empty():
        st.info("Aucun membre de ce groupe n'a de valeur pour cet indicateur sur la période.")
        continue
    curves = words.funnel_curves(pooled["value"], points["n"].to_list())
    fig = charts.funnel_figure(
        points, curves, label=ind["label"], unit=ind["unit"], p0=pooled["value"], group=chosen
    )
    ui.show_figure(fig, key=f"funnel-{ind['indicator_id']}", table_label="Voir les données de l'entonnoir")
    outside = points.filter(points["side"].is_in(["above", "below"]))
    if outside.height:
        listed = [
            f"- **{md_escape(r['name'])}** : {md_escape(r['judgement'])}"
            for r in outside.head(MAX_LISTED).iter_rows(named=True)
        ]
        if outside.height > MAX_LISTED:
            listed.append(
                f"- et {outside.height - MAX_LISTED} autres membres hors des limites (voir le tableau)."
            )
        st.markdown("\n".join(listed))
    else:
        st.markdown("Aucun membre comparé ne sort des limites : les écarts s'expliquent par le hasard.")
    st.caption(charts.EXPLANATION)
if rates:
    st.caption(
        "Les indicateurs qui ne sont pas des taux (délais, notes, coûts) n'ont pas d'entonnoir : ils sont comparés "
        "dans le tableau des membres."
    )

st.header("Les membres")
_table(words.members_table(members))
st.caption(
    "Quand un membre a été exporté plusieurs fois, seul son export le plus récent est consolidé ; les plus anciens "
    "sont indiqués ici, ignorés."
)
