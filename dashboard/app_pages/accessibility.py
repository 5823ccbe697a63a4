"""Déclaration d'accessibilité, in the model of the RGAA (the French public-sector standard): the state
of conformity as measured, what automated checks cannot establish, the content known not to be
accessible, the technologies, how to report a problem (setting ``accessibility_contact``) and the
recourse to the Défenseur des droits. Readable without data: it needs neither warehouse nor plan."""

from __future__ import annotations

import contextlib
import re

import streamlit as st

from dashboard import queries
from dashboard.context import plan_path
from dashboard.navigation import PAGES, TERRITORY_PAGE
from pipelines import settings
from pipelines.errors import BarometreError
from pipelines.present.markdown import md_escape

EMAIL = re.compile(r"[^@\s<>()\[\]]+@[^@\s<>()\[\]]+\.[A-Za-z]{2,}")
WEB = re.compile(r"https://[^\s<>()\[\]]+")


def authority_name() -> str | None:
    """The authority named by the plan, if the plan can be read (this page never requires it)."""
    path = plan_path()
    with contextlib.suppress(BarometreError, OSError):
        return queries.plan(str(path), path.stat().st_mtime).authority.get("name") or None
    return None


def contact_markdown(contact: str, authority: str | None) -> str:
    """To whom to report a problem (« à … » / « au … »), as Markdown: the configured e-mail or web address
    as a link, any other text as written, else the authority's digital service."""
    contact = contact.strip()
    if EMAIL.fullmatch(contact):
        return f"à [{md_escape(contact)}](mailto:{contact})"
    if WEB.fullmatch(contact):
        return f"à [{md_escape(contact)}]({contact})"
    if contact:
        return f"à {md_escape(contact)}"
    return f"au service numérique de {md_escape(authority) if authority else 'la collectivité'}"


authority = authority_name()
publisher = md_escape(authority) if authority else "La collectivité qui publie ce tableau de bord"

st.title("Déclaration d'accessibilité")
st.markdown(
    f"{publisher} s'engage à rendre ses services numériques accessibles, conformément à l'article 47 de la "
    "loi n° 2005-102 du 11 février 2005. Cette déclaration d'accessibilité s'applique à **Baromètre**, le "
    "tableau de bord d'évaluation de son plan numérique."
)

st.subheader("État de conformité")
st.markdown(
    "Aucun audit complet selon le référentiel général d'amélioration de l'accessibilité (RGAA 4.1.2) n'a "
    "encore été réalisé. Tant qu'un tel audit manque, la réglementation impose de déclarer Baromètre "
    "**non conforme** au RGAA : cette mention ne traduit pas un résultat mesuré. Les vérifications "
    "automatiques décrites ci-dessous ne relèvent aucune violation des règles qu'elles testent, mais ne "
    "couvrent qu'une partie des critères ; la conformité (partielle ou totale) et son taux ne pourront "
    "être déclarés qu'après un audit complet, réalisé par une personne qualifiée."
)

st.subheader("Résultats des tests")
st.markdown(
    "Chaque version de l'application est vérifiée automatiquement, à chaque exécution de l'intégration "
    "continue, par le moteur **axe-core** avec les règles des niveaux **A et AA des WCAG 2.1** (la norme "
    "internationale dont le RGAA reprend les critères). Toutes les pages sont ouvertes dans un navigateur, "
    "les rubriques dépliables (tableaux des graphiques) ouvertes et chaque onglet parcouru : une seule "
    "non-conformité détectée bloque la livraison de la version. Pages vérifiées :"
)
st.markdown(
    "\n".join(f"- {md_escape(title)}" for _, title, _, _ in PAGES)
    + f"\n- {md_escape(TERRITORY_PAGE[1])} (entrepôt consolidé de plusieurs collectivités)"
)
st.markdown(
    "Un outil automatique ne peut pas établir, entre autres : la pertinence des alternatives textuelles "
    "et des résumés des graphiques, l'ordre de lecture et la cohérence de la navigation au clavier, la "
    "restitution par les lecteurs d'écran, la clarté des intitulés et des messages, ni le contraste des "
    "textes placés dans les graphiques (mesuré à part par les tests de l'application). Ces points relèvent "
    "de l'audit manuel."
)

st.subheader("Contenus non accessibles")
st.markdown(
    "Non-conformités connues :\n\n"
    "- quelques textes propres au composant Streamlit sur lequel repose l'application restent en anglais "
    "(lien d'évitement « Skip to main content », infobulles et menus des tableaux, indicateur « Running… », "
    "menu de l'application, nom du champ de dépôt de fichiers) sans que leur langue soit indiquée ;\n"
    "- les graphiques sont interactifs à la souris seulement (infobulles) ; chacun est accompagné d'une "
    "phrase qui le résume et du tableau de ses données, qui en donnent le même contenu ;\n"
    "- les grands tableaux sont dessinés par une grille interactive dont la restitution par les lecteurs "
    "d'écran n'a pas été vérifiée ; leurs données sont aussi téléchargeables (CSV) depuis la grille."
)

st.subheader("Technologies utilisées")
st.markdown(
    "HTML5, CSS, JavaScript (Streamlit, React), WAI-ARIA, SVG (graphiques Vega-Lite). Tests : axe-core "
    "dans Chromium, sous Debian."
)

st.subheader("Retour d'information et contact")
contact = contact_markdown(settings.resolve("accessibility_contact"), authority)
st.markdown(
    "Si vous n'arrivez pas à accéder à un contenu ou à un service de Baromètre, signalez-le "
    f"{contact} : vous serez orienté vers une alternative accessible ou recevrez le contenu sous une "
    "autre forme."
)

st.subheader("Voies de recours")
st.markdown(
    "Si vous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un service "
    "et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez :\n\n"
    "- écrire un message au [Défenseur des droits](https://formulaire.defenseurdesdroits.fr/) ;\n"
    "- contacter [le délégué du Défenseur des droits de votre région]"
    "(https://www.defenseurdesdroits.fr/carte-des-delegues) ;\n"
    "- envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, "
    "Libre réponse 71120, 75342 Paris CEDEX 07."
)
