"""French names of the canonical columns and French rendering of values, for rejection messages.

A message names the column as the analyst knows it (« date de dépôt ») with the canonical name in
brackets (``submitted_at``), which is also what mapping files use.
"""

from __future__ import annotations

import datetime as dt

COLUMN_LABELS = {
    "source": "source",
    "source_id": "identifiant",
    "service": "service",
    "service_label": "libellé du service",
    "channel": "canal",
    "submitted_at": "date de dépôt",
    "started_at": "date de début d'instruction",
    "decided_at": "date de décision",
    "status": "statut",
    "deadline_days": "délai légal (jours)",
    "commune": "commune (code INSEE)",
    "wave": "vague (date)",
    "respondent_group": "groupe de répondants",
    "respondent_key": "répondant",
    "item": "affirmation du référentiel",
    "level": "niveau",
    "age_band": "tranche d'âge",
    "outcome": "issue de la demande",
    "responded_at": "date de réponse",
    "score_raw": "note",
    "scale_min": "bas de l'échelle",
    "scale_max": "haut de l'échelle",
    "score_10": "note sur 10",
    "satisfied": "satisfait",
    "clarity_10": "clarté sur 10",
    "nps": "recommandation (0 à 10)",
    "comment": "commentaire",
    "complete": "réponse complète",
    "report": "rapport",
    "label": "libellé",
    "period_type": "type de période",
    "period_start": "début de période",
    "period_end": "fin de période",
}


def column_label(column: str | None) -> str:
    """« date de dépôt (submitted_at) » for a canonical column; other names unchanged."""
    if not column:
        return "ligne"
    label = COLUMN_LABELS.get(column)
    return f"{label} ({column})" if label and label != column else column


def fmt_value(value: object) -> str | None:
    """A value as a French reader expects it: ``-3`` not ``-3.0``, ``1,5``, ``01/01/2031 00:00``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%d/%m/%Y %H:%M")
            if (value.hour, value.minute, value.second) != (0, 0, 0)
            else value.strftime("%d/%m/%Y")
        )
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)
