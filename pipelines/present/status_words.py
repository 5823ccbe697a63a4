"""Indicator and action statuses as the app and the funder pack show them: a word, an icon and a
colour — never the colour alone. Colours are Okabe–Ito (:mod:`pipelines.present.palette`).

The rules that decide a status are the indicator engine's (:mod:`pipelines.indicators.status`);
this module only words and draws them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.indicators.status import STATUS_LABELS, STATUS_RULE
from pipelines.plan import ACTION_STATUSES as ACTION_WORDS
from pipelines.present.palette import OKABE_ITO


@dataclass(frozen=True)
class Status:
    key: str
    label: str  # the word
    symbol: str  # for tables, charts and plain text (in common fonts, not an emoji)
    icon: str  # Material icon for Streamlit badges
    badge: str  # Streamlit badge colour name
    color: str  # chart colour (Okabe–Ito)


_LOOKS = {  # status key → (symbol, Material icon, badge colour, chart colour); the words are the engine's
    "on_track": ("✔", ":material/check_circle:", "green", OKABE_ITO["bluish_green"]),
    "at_risk": ("⚠", ":material/warning:", "orange", OKABE_ITO["orange"]),
    "off_track": ("✖", ":material/block:", "red", OKABE_ITO["vermillion"]),
    "insufficient_data": ("?", ":material/help:", "gray", OKABE_ITO["grey"]),
}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


STATUSES: dict[str, Status] = {
    key: Status(key, _capitalised(STATUS_LABELS[key]), *look) for key, look in _LOOKS.items()
}
UNKNOWN = Status("unknown", "Statut non calculé", "–", ":material/remove:", "gray", OKABE_ITO["grey"])


def status_of(indicator: dict) -> Status:
    """The display status of an indicator entry of ``evaluate``/``review`` (its own label wins)."""
    base = STATUSES.get(indicator.get("status") or "", UNKNOWN)
    label = _capitalised(indicator.get("status_label") or base.label)
    return Status(base.key, label, base.symbol, base.icon, base.badge, base.color)


def status_text(indicator: dict) -> str:
    """``✔ En bonne voie``: icon and word, for tables and summaries."""
    s = status_of(indicator)
    return f"{s.symbol} {s.label}"


READING_HELP = """\
La **progression** mesure le chemin parcouru de la référence vers la cible (0 % = référence, 100 % = cible
atteinte). L'**intervalle à 95 %** donne la marge d'incertitude : erreur d'échantillonnage pour une enquête,
variabilité d'un mois à l'autre du processus pour un registre complet de demandes ou de dossiers ; **n** est le
nombre d'observations (demandes, dossiers ou réponses) sur lequel porte la valeur. La valeur porte sur 12 mois et se
compare à la trajectoire moyenne sur ces mêmes mois ; l'évolution sur un an compare aux mêmes mois de l'année
précédente.
"""
_ICONS = {s.label.lower(): f":{s.badge}[{s.icon}]" for s in STATUSES.values()}


def status_help() -> str:
    """How to read the statuses: the indicator engine's rule (one source of truth), one status per
    bullet with its icon, then how to read the figures."""
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


_ACTION_LOOKS = {  # plan key → (symbol, colour); the words are the plan's
    "a_venir": ("○", OKABE_ITO["sky_blue"]),
    "en_cours": ("◐", OKABE_ITO["blue"]),
    "terminee": ("✔", OKABE_ITO["bluish_green"]),
    "suspendue": ("‖", OKABE_ITO["vermillion"]),
}
ACTION_STATUSES: dict[str, tuple[str, str, str]] = {  # plan key → (symbol, word, colour)
    key: (symbol, ACTION_WORDS[key], color) for key, (symbol, color) in _ACTION_LOOKS.items()
}
