"""Indicator and action statuses as the app shows them: a word, an icon and a colour — never the
colour alone. Colours are Okabe–Ito (distinguishable with the common colour-vision deficiencies)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#8C8C8C",
}


@dataclass(frozen=True)
class Status:
    key: str
    label: str  # the word
    symbol: str  # for tables, charts and plain text (in common fonts, not an emoji)
    icon: str  # Material icon for Streamlit badges
    badge: str  # Streamlit badge colour name
    color: str  # chart colour (Okabe–Ito)


STATUSES: dict[str, Status] = {
    s.key: s
    for s in (
        Status(
            "on_track", "En bonne voie", "✔", ":material/check_circle:", "green", OKABE_ITO["bluish_green"]
        ),
        Status("at_risk", "À surveiller", "⚠", ":material/warning:", "orange", OKABE_ITO["orange"]),
        Status("off_track", "En retard", "✖", ":material/block:", "red", OKABE_ITO["vermillion"]),
        Status(
            "insufficient_data", "Données insuffisantes", "?", ":material/help:", "gray", OKABE_ITO["grey"]
        ),
    )
}
UNKNOWN = Status("unknown", "Statut non calculé", "–", ":material/remove:", "gray", OKABE_ITO["grey"])


def status_of(indicator: dict) -> Status:
    """The display status of an indicator entry of ``evaluate``/``review`` (its own label wins)."""
    base = STATUSES.get(indicator.get("status") or "", UNKNOWN)
    label = indicator.get("status_label") or base.label
    label = label[:1].upper() + label[1:]
    return Status(base.key, label, base.symbol, base.icon, base.badge, base.color)


def status_text(indicator: dict) -> str:
    """``✔ En bonne voie``: icon and word, for tables and summaries."""
    s = status_of(indicator)
    return f"{s.symbol} {s.label}"


READING_HELP = """\
La **progression** mesure le chemin parcouru de la référence vers la cible (0 % = référence, 100 % = cible
atteinte). L'**intervalle à 95 %** donne la marge d'incertitude due à l'échantillon ; **n** est le nombre
d'observations (demandes, dossiers ou réponses) sur lequel porte la valeur.
"""
_ICONS = {s.label.lower(): f":{s.badge}[{s.icon}]" for s in STATUSES.values()}


def status_help() -> str:
    """How to read the statuses: the indicator engine's rule (one source of truth), one status per
    bullet with its icon, then how to read the figures."""
    from pipelines.indicators import STATUS_RULE

    intro, *parts = re.split(r"(?<=\.) (?=« )", STATUS_RULE.replace(" %", "\u00a0%"))
    bullets = []
    for part in parts:
        name = re.match(r"« ([^»]+) »", part)
        icon = _ICONS.get(name.group(1).lower(), "") if name else ""
        bullets.append(
            f"- {icon} {part}".replace(f"« {name.group(1)} »", f"**{name.group(1)}**", 1)
            if name
            else f"- {part}"
        )
    return "\n".join([intro, "", *bullets, "", READING_HELP])


ACTION_STATUSES: dict[str, tuple[str, str, str]] = {  # plan key → (symbol, word, colour)
    "a_venir": ("○", "À venir", OKABE_ITO["sky_blue"]),
    "en_cours": ("◐", "En cours", OKABE_ITO["blue"]),
    "terminee": ("✔", "Terminée", OKABE_ITO["bluish_green"]),
    "suspendue": ("‖", "Suspendue", OKABE_ITO["vermillion"]),
}
