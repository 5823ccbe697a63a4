"""Diagnostic: the plan's first phase — digital maturity by theme, group and wave, the priority
ranking of services and communes with every component shown, and the blind spots (a high priority
that no action of the plan addresses)."""

from __future__ import annotations

import streamlit as st

from dashboard import components as ui
from dashboard import queries
from dashboard.context import page_context
from pipelines.french import fmt_date
from pipelines.present import charts as indicator_charts
from pipelines.present import diagnostic as words
from pipelines.present import diagnostic_charts as charts
from pipelines.present.markdown import md_escape

st.title("Diagnostic")
ctx = page_context()
doc = queries.diagnostic(*ctx.keys)
st.caption(
    "Le diagnostic pose le constat de départ du plan : la maturité numérique de la collectivité vue par ses élus "
    "et ses agents, ce qui pèse le plus sur les usagers, et où le plan porte ses efforts. "
    f"Données lues au {fmt_date(doc['as_of'])}."
)

st.header("Maturité numérique")
if not doc["maturity"]:
    st.info(
        "Aucune autoévaluation de maturité n'est encore chargée. Déposez les réponses (export LimeSurvey avec son "
        "fichier de correspondance, tableur ou fichier canonique) dans le dossier de dépôt, ou saisissez un atelier "
        "depuis la page Données (mode analyste).",
        icon=":material/inbox:",
    )
else:
    waves = sorted({m["wave"] for m in doc["maturity"]})
    groups = [g for g in words.GROUP_LABELS if any(m["group"] == g for m in doc["maturity"])]
    tab_waves, tab_groups = st.tabs(["Par vague", "Par groupe de répondants"])
    with tab_waves:
        group = st.selectbox(
            "Répondants", groups, format_func=lambda g: words.GROUP_LABELS[g], key="diag:group"
        )
        ui.show_figure(
            charts.maturity_figure(charts.maturity_frame(doc, group=group), legend="Vague"),
            key="maturity-waves",
        )
    with tab_groups:
        wave = st.selectbox("Vague", waves, index=len(waves) - 1, format_func=fmt_date, key="diag:wave")
        ui.show_figure(
            charts.maturity_figure(charts.maturity_frame(doc, group=None, wave=wave), legend="Groupe"),
            key="maturity-groups",
        )
    changes = [c for c in doc["maturity_changes"] if c["group"] == "all"]
    if changes:
        st.subheader("Évolution depuis le diagnostic")
        st.markdown("\n".join(f"- {md_escape(words.sentence(c['sentence']))}" for c in changes))
        with st.expander("Évolution par groupe de répondants", icon=":material/groups:"):
            for group in groups:
                rows = [c for c in doc["maturity_changes"] if c["group"] == group and group != "all"]
                if rows:
                    st.markdown(f"**{words.GROUP_LABELS[group]}**")
                    st.markdown("\n".join(f"- {md_escape(words.sentence(c['sentence']))}" for c in rows))
    if doc["group_gaps"]:
        st.subheader("Élus et agents")
        st.markdown("\n".join(f"- {md_escape(words.sentence(g['sentence']))}" for g in doc["group_gaps"]))
    st.subheader("Thèmes et actions du plan")
    ui.show_static_table(words.themes_table(doc))
    st.caption(
        "Pour saisir les réponses d'un atelier (élus, agents), ouvrez la page Données en mode analyste : "
        "« Saisir une autoévaluation de maturité »."
    )
    st.caption(
        "Score d'un thème : chaque répondant reçoit la moyenne des niveaux (0 à 5) qu'il a donnés aux affirmations du "
        "thème, « ne sait pas » exclu ; le score est la moyenne sur les répondants, avec son intervalle de confiance "
        "à 95 % (loi de Student). Une vague sous le nombre minimal de répondants du référentiel est montrée en clair."
    )

for warning in doc["warnings"]:
    st.warning(md_escape(warning), icon=":material/warning:")

st.header("Priorités des services")
ui.show_figure(charts.priorities_figure(doc), key="priorities")
ui.show_static_table(words.services_table(doc))
st.caption(md_escape(words.score_rule(doc)))

st.header("Le territoire")
territory = words.territory_table(doc)
if territory.is_empty():
    st.info(
        "Aucune donnée sur les communes n'est chargée : déposez les fichiers ouverts de l'INSEE (liste des communes, "
        "populations légales, grille de densité), l'indice de fragilité numérique (MedNum) et l'éligibilité au très haut "
        "débit (Arcep) dans le dossier de dépôt.",
        icon=":material/inbox:",
    )
else:
    ui.show_static_table(territory)

st.header("Priorités des communes")
communes = words.communes_table(doc)
if communes.is_empty():
    st.info("Aucune commune n'est connue : renseignez « communes » dans la table [authority] du plan.")
else:
    ui.show_static_table(communes)
    st.caption(
        "Communes classées selon la part de leurs demandes faites hors ligne (guichet, téléphone, courrier) et leur "
        "indice de fragilité numérique (IFN, 100 = moyenne nationale) : là où l'accompagnement paie le plus."
    )

st.header("Consultation des habitants")
found = words.consultations(doc)
if not found:
    st.info(
        "Aucune consultation n'est chargée : déposez l'export LimeSurvey d'une question à choix multiple (« Quelles "
        "démarches aimeriez-vous faire en ligne ? ») ou l'export des propositions d'un espace Decidim.",
        icon=":material/inbox:",
    )
labels = {s["service"]: s["label"] for s in doc["priorities"]["services"]}
for key, title, rows in found:
    st.subheader(title)
    shares = words.consultation_frame(rows)
    if shares["value"].is_not_null().any():
        ui.show_figure(
            indicator_charts.breakdown_figure(shares, by="Élément", unit="%", label="Part des participants"),
            key=f"consultation-{key}",
        )
    else:
        st.caption(
            "Le nombre de participants n'est pas connu : les éléments sont classés par soutiens, sans part."
        )
    ui.show_static_table(words.consultation_table(rows, labels))
st.caption(
    "Part : participants ayant choisi l'élément ÷ participants de la consultation, avec son intervalle de confiance à "
    "95 % (Wilson). La demande d'un service alimente la composante « Demande citoyenne » des priorités."
)

st.header("Inventaire des équipements et plateformes")
inventory = words.inventory_table(doc)
if inventory.is_empty():
    st.info(
        "Aucun inventaire n'est chargé : déposez le registre des équipements (Wi-Fi public, raccordements, plateformes "
        "en ligne, lieux de médiation, équipements des écoles…) dans le dossier de dépôt.",
        icon=":material/inbox:",
    )
else:
    ui.show_static_table(inventory)
    for flagged in doc["inventory"]["flagged"]:
        st.warning(
            f"{md_escape(flagged['label'])} : {md_escape(flagged['flag_reason'])}",
            icon=":material/accessibility:",
        )
    if not doc["inventory"]["flagged"]:
        st.success("Chaque plateforme en ligne a une déclaration d'accessibilité de moins de 3 ans.")

st.header("Angles morts")
if doc["blind_spots"]:
    for spot in doc["blind_spots"]:
        st.warning(md_escape(spot["message"]), icon=":material/visibility_off:")
else:
    st.success(
        "Aucun angle mort : chaque service et chaque commune du haut du classement est visé par une action du plan.",
        icon=":material/check_circle:",
    )
