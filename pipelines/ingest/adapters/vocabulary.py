"""French synonyms for headers and values, shared by the spreadsheet adapter, mapping files and
the ready-to-fill mapping template.

Matching is on normal forms (case, accents, apostrophes and non-breaking spaces ignored), so
« Canal de dépôt », « CANAL DE DEPOT » and « canal de dépôt » are one header, and « TRAITÉ »,
« traite » and « Traité » one status.

Words that say a case was decided without saying how (« Traité », « Instruit », « Clôturé »,
« Terminé », « Réalisé », « Fait »…) become the status ``decided`` (« décidé, issue non
précisée »): the case leaves the backlog and its delay counts (the delay SQL takes ``accepted``,
``rejected`` and ``decided``), but nothing counts it as an acceptance or a refusal, and the request's
outcome (``usage_events.outcome``) stays empty rather than guessed. « Délivré », « Accordé »,
« Favorable » do say how: ``accepted``; « Défavorable », « Refusé »: ``rejected``; « Classé sans
suite », « Abandonné »: ``closed_without_decision`` (no delay). A status a service writes that is not
here is kept as written, so validation refuses its rows and the ingest writes a mapping to complete.
"""

from __future__ import annotations

import re

from pipelines.ingest.adapters.base import norm, vocabulary
from schemas.common import CASE_STATUSES
from schemas.common import CHANNELS as CHANNEL_CODES
from schemas.common import OUTCOMES as OUTCOME_CODES

# --- values ---------------------------------------------------------------------------------

CHANNELS = vocabulary(
    {
        "online": [
            "En ligne",
            "Internet",
            "Site internet",
            "Site web",
            "Web",
            "Téléservice",
            "Télé-service",
            "Portail",
            "Portail citoyen",
            "Démarche en ligne",
            "Dématérialisé",
            "Numérique",
            "Formulaire en ligne",
            "Online",
            "Site",
            "Site de la mairie",
            "Site de la ville",
            "Site internet de la mairie",
            "Internet (site)",
            "Portail famille",
            "Portail usagers",
            "Espace citoyen",
            "Guichet numérique",
            "Guichet unique numérique",
            "GNAU",
            "Démarches simplifiées",
            "Service-public.fr",
            "ANTS",
            "Application",
            "Appli",
            "Dématérialisée",
            "Télédéclaration",
        ],
        "assisted": [
            "France Services",
            "Maison France Services",
            "Espace France Services",
            "Accompagné",
            "Accompagnée",
            "Accompagnement",
            "Assisté",
            "Assistée",
            "Conseiller numérique",
            "Conseillère numérique",
            "En ligne accompagné",
            "Aidant numérique",
            "Médiation numérique",
        ],
        "counter": [
            "Guichet",
            "Accueil",
            "Accueil physique",
            "Sur place",
            "Mairie",
            "En mairie",
            "Présentiel",
            "Au guichet",
            "Rendez-vous",
            "Sur rendez-vous",
            "Physique",
            "Accueil mairie",
            "Accueil de la mairie",
            "Guichet unique",
            "Comptoir",
            "Permanence",
            "En personne",
            "Visite",
            "Dépôt en mairie",
            "Mairie annexe",
            "Sur site",
        ],
        "mail": [
            "Courrier",
            "Voie postale",
            "Papier",
            "Par courrier",
            "Poste",
            "Lettre",
            "Formulaire papier",
            "Courrier postal",
            "Lettre recommandée",
            "Recommandé",
            "LRAR",
            "Boîte aux lettres",
            "Dépôt boîte aux lettres",
        ],
        "phone": [
            "Téléphone",
            "Tél",
            "Tel",
            "Tél.",
            "Par téléphone",
            "Appel",
            "Appel téléphonique",
            "Standard",
            "Téléphonique",
            "Tél",
            "Tel.",
            "Appel entrant",
            "Accueil téléphonique",
            "Phone",
        ],
        "email": [
            "Courriel",
            "E-mail",
            "Email",
            "Mail",
            "Mél",
            "Mel",
            "Par courriel",
            "Par e-mail",
            "Par mail",
            "Messagerie",
            "Courrier électronique",
            "Mél.",
            "Adresse mail",
            "Boîte mail",
        ],
        "other": ["Autre", "Autres", "Divers"],
    }
)

STATUSES = vocabulary(
    {
        "accepted": [
            "Délivré",
            "Délivrée",
            "Délivrés",
            "Accordé",
            "Accordée",
            "Accepté",
            "Acceptée",
            "Favorable",
            "Avis favorable",
            "Validé",
            "Validée",
            "Autorisé",
            "Autorisée",
            "Admis",
            "Admise",
            "Délivrance",
            "Octroyé",
            "Octroyée",
            "Attribué",
            "Attribuée",
            "Avis favorable avec réserves",
            "Favorable avec réserves",
            "Favorable sous réserve",
            "Accord",
            "Accepté avec prescriptions",
            "Non-opposition",
            "Non opposition",
        ],
        "rejected": [
            "Refusé",
            "Refusée",
            "Rejeté",
            "Rejetée",
            "Défavorable",
            "Avis défavorable",
            "Refus",
            "Irrecevable",
            "Non conforme",
            "Rejet",
            "Opposition",
            "Ajourné",
            "Ajournée",
            "Non accordé",
            "Non accordée",
        ],
        "in_review": [
            "En cours",
            "En instruction",
            "En cours d'instruction",
            "Instruction",
            "En traitement",
            "En attente",
            "En attente de pièces",
            "Incomplet",
            "Incomplète",
            "À compléter",
            "Pris en charge",
            "En cours de traitement",
            "En cours d'examen",
            "En examen",
            "À l'étude",
            "En attente de réponse",
            "En attente de validation",
            "En attente de signature",
            "En attente de pièces complémentaires",
            "Pièces manquantes",
            "Dossier incomplet",
            "Suspendu",
            "Suspendue",
            "À instruire",
            "En instruction technique",
        ],
        "decided": [
            "Traité",
            "Traitée",
            "Traités",
            "Instruit",
            "Instruite",
            "Clôturé",
            "Clôturée",
            "Clos",
            "Close",
            "Terminé",
            "Terminée",
            "Réalisé",
            "Réalisée",
            "Fait",
            "Faite",
            "Finalisé",
            "Finalisée",
            "Achevé",
            "Achevée",
            "Décidé",
            "Décidée",
            "Décision rendue",
            "Répondu",
            "Réponse envoyée",
            "Fermé",
            "Fermée",
        ],
        "submitted": [
            "Déposé",
            "Déposée",
            "Reçu",
            "Reçue",
            "Nouveau",
            "Nouvelle",
            "Enregistré",
            "Enregistrée",
            "En construction",
            "À traiter",
            "Ouvert",
            "Ouverte",
            "Non traité",
            "Non traitée",
            "En attente de traitement",
            "Arrivé",
            "Arrivée",
            "Transmis",
            "Transmise",
        ],
        "closed_without_decision": [
            "Classé sans suite",
            "Classée sans suite",
            "Sans suite",
            "Annulé",
            "Annulée",
            "Abandonné",
            "Abandonnée",
            "Retiré",
            "Retirée",
            "Désistement",
            "Caduc",
            "Caduque",
            "Abandon",
            "Annulation",
            "Renonciation",
            "Sans objet",
            "Retrait",
            "Dessaisi",
            "Doublon",
        ],
    }
)

OUTCOMES = vocabulary(
    {
        "completed": [
            "Terminé",
            "Terminée",
            "Réalisé",
            "Réalisée",
            "Abouti",
            "Aboutie",
            "Complété",
            "Complétée",
            "Finalisé",
            "Finalisée",
            "Délivré",
            "Délivrée",
            "Accordé",
            "Accordée",
            "Accepté",
            "Acceptée",
            "Traité",
            "Traitée",
        ],
        "abandoned": [
            "Abandonné",
            "Abandonnée",
            "Annulé",
            "Annulée",
            "Sans suite",
            "Classé sans suite",
            "Classée sans suite",
            "Retiré",
            "Retirée",
        ],
        "rejected": ["Refusé", "Refusée", "Rejeté", "Rejetée", "Refus", "Irrecevable"],
        "pending": [
            "En cours",
            "En attente",
            "En instruction",
            "Déposé",
            "Déposée",
            "Reçu",
            "Reçue",
            "Ouvert",
            "Ouverte",
        ],
    }
)

# when no synonym matches a whole value (« Sur le site internet de la mairie »): key words, first match wins
CHANNEL_WORDS = (
    ("france services", "assisted"),
    ("accompagn", "assisted"),
    ("conseill", "assisted"),
    ("aidant", "assisted"),
    ("courriel", "email"),
    ("e-mail", "email"),
    ("email", "email"),
    ("par mail", "email"),
    ("courrier", "mail"),
    ("postal", "mail"),
    ("papier", "mail"),
    ("telephon", "phone"),
    ("en ligne", "online"),
    ("internet", "online"),
    ("site web", "online"),
    ("teleservice", "online"),
    ("application", "online"),
    ("guichet", "counter"),
    ("accueil", "counter"),
    ("sur place", "counter"),
    ("en personne", "counter"),
    ("mairie", "counter"),
    ("autre", "other"),
)


def channel_by_words(value: str) -> str | None:
    """The channel a free phrasing names (« À l'accueil de la mairie » → counter), or None."""
    n = norm(value)
    return next((channel for word, channel in CHANNEL_WORDS if word in n), None)


# a case's status says how the request ended (usage_events.outcome)
# the built-in translations of each coded column, and its canonical codes
BUILT_IN_VALUES = {"channel": CHANNELS, "status": STATUSES, "outcome": OUTCOMES}
ALLOWED_VALUES = {"channel": CHANNEL_CODES, "status": CASE_STATUSES, "outcome": OUTCOME_CODES}

STATUS_TO_OUTCOME = {
    "accepted": "completed",
    "rejected": "rejected",
    "in_review": "pending",
    "submitted": "pending",
    "closed_without_decision": "abandoned",
    "decided": None,  # decided, outcome unknown: the request's outcome is not guessed
}

# « Je donne mon avis » smileys and the Observatoire's scores
SMILEYS = vocabulary({"10": ["Très bien", "Tres bien"], "5": ["Moyen"], "0": ["Pas bien"]})

# --- headers --------------------------------------------------------------------------------

# canonical column → headers (normal forms compared for equality), most specific first
HEADERS: dict[str, list[str]] = {
    "source_id": [
        "N° demande",
        "Numéro de demande",
        "N° de demande",
        "N° dossier",
        "Numéro de dossier",
        "N° de dossier",
        "Référence",
        "Référence de la demande",
        "Référence dossier",
        "Identifiant",
        "Identifiant demande",
        "ID demande",
        "N° enregistrement",
        "Numéro d'enregistrement",
        "N°",
        "Numéro",
        "ID",
        "Id",
    ],
    "service": [
        "Type de démarche",
        "Démarche",
        "Type de demande",
        "Objet de la demande",
        "Objet",
        "Prestation",
        "Service",
        "Service concerné",
        "Nature de la demande",
        "Procédure",
        "Type d'acte",
        "Acte demandé",
        "Catégorie",
    ],
    "channel": [
        "Canal de dépôt",
        "Canal",
        "Canal de la demande",
        "Mode de dépôt",
        "Mode de saisine",
        "Mode de demande",
        "Mode de réception",
        "Origine",
        "Origine de la demande",
        "Moyen de dépôt",
        "Mode de contact",
        "Mode",
    ],
    "submitted_at": [
        "Date de dépôt",
        "Date de la demande",
        "Date de demande",
        "Date de réception",
        "Date d'arrivée",
        "Date de saisine",
        "Déposé le",
        "Reçu le",
        "Date d'enregistrement",
        "Date de création",
        "Date",
    ],
    "started_at": [
        "Date de début d'instruction",
        "Date de prise en charge",
        "Date d'instruction",
        "Date de passage en instruction",
        "Passé en instruction le",
        "Date de complétude",
        "Dossier complet le",
        "Date de dossier complet",
    ],
    "decided_at": [
        "Date de décision",
        "Date de délivrance",
        "Date de traitement",
        "Date de réponse",
        "Date de clôture",
        "Date de fin",
        "Date de remise",
        "Traité le",
        "Délivré le",
        "Décidé le",
        "Date d'envoi de la réponse",
    ],
    "status": [
        "Statut",
        "État",
        "Etat",
        "Statut de la demande",
        "État de la demande",
        "État du dossier",
        "Statut du dossier",
        "Décision",
        "Suite donnée",
        "Avancement",
    ],
    "outcome": ["Issue", "Issue de la demande", "Résultat", "Aboutissement"],
    "deadline_days": [
        "Délai légal (jours)",
        "Délai légal",
        "Délai réglementaire (jours)",
        "Délai réglementaire",
        "Délai annoncé (jours)",
        "Délai annoncé",
        "Délai cible (jours)",
        "Délai cible",
        "Délai maximal (jours)",
    ],
    "commune": [
        "Code INSEE",
        "Code commune",
        "Commune (code INSEE)",
        "Code INSEE commune",
        "INSEE",
        "Commune",
    ],
    "age_band": ["Tranche d'âge", "Tranche d'age", "Classe d'âge", "Âge", "Age", "Tranche âge"],
    # surveys
    "responded_at": [
        "Date de soumission",
        "Date submitted",
        "submitdate",
        "Date de réponse",
        "Date de l'avis",
        "Horodateur",
        "Horodatage",
    ],
    "score_raw": ["Note", "Note globale", "Satisfaction", "Note de satisfaction", "Score"],
    "comment": [
        "Commentaire",
        "Commentaires",
        "Comment",
        "Comments",
        "Remarque",
        "Remarques",
        "Suggestion",
        "Suggestions",
        "Verbatim",
        "Observations",
    ],
    "nps": ["NPS", "Recommandation"],
}

# key words when no header is an exact synonym (used by the template and, for dates, by the spreadsheet adapter)
HEADER_WORDS: dict[str, list[str]] = {
    "service": ["type de demarche", "demarche", "nature de", "prestation", "type d'acte", "objet"],
    "submitted_at": ["date de depot", "date de la demande", "date de reception", "depose le"],
    "decided_at": [
        "date de decision",
        "date de delivrance",
        "date de traitement",
        "date de reponse",
        "date de cloture",
    ],
    "started_at": ["date de debut d'instruction", "prise en charge", "passe en instruction"],
    "score_raw": ["satisf", "note", "echelle", "evaluez"],
    "channel": ["canal", "par quel moyen", "comment avez-vous", "mode de"],
    "comment": ["commentaire", "remarque", "suggestion", "dire plus", "precisez", "verbatim"],
    "age_band": ["tranche d'age", "classe d'age", "tranche age"],
    "commune": ["commune", "insee"],
    "nps": ["recommand"],
}

# headers never kept whatever the format (personal data): words, compared on normal forms
PERSONAL_WORDS = (
    "nom",
    "prenom",
    "email",
    "e-mail",
    "mail",
    "courriel",
    "telephone",
    "tel",
    "portable",
    "adresse",
    "civilite",
    "naissance",
    "instructeur",
    "instructeurs",
    "agent",
    "mandataire",
    "siret",
    "siren",
    "iban",
    "nir",
    "securite sociale",
    "contact",
)


def is_personal(header: str) -> bool:
    """True when a header names personal data (names, contact details, instructors…)."""
    words = set(norm(header).replace("'", " ").replace("(", " ").replace(")", " ").split())
    h = norm(header)
    return any((w in words) if " " not in w else (w in h) for w in PERSONAL_WORDS)


def guess_columns(header: list[str], wanted: list[str]) -> dict[str, str]:
    """canonical column → header, from exact synonyms first, then key words; each header used once."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for canonical in wanted:
        found = _exact(header, HEADERS.get(canonical, []), used)
        if found:
            out[canonical] = found
            used.add(found)
    for canonical in wanted:
        if canonical in out:
            continue
        for phrase in HEADER_WORDS.get(canonical, []):
            found = next(
                (h for h in header if h not in used and phrase in norm(h) and not is_personal(h)), None
            )
            if found:
                out[canonical] = found
                used.add(found)
                break
    return out


def _exact(header: list[str], synonyms: list[str], used: set[str]) -> str | None:
    forms = [norm(s) for s in synonyms]
    for form in forms:
        for h in header:
            if h not in used and norm(h) == form:
                return h
    return None


_BAND_RANGE = re.compile(r"^(\d{1,3})\s*(?:-|à|a|–)\s*(\d{1,3})(?:\s*ans)?$")
_BAND_PLUS = re.compile(
    r"^(?:plus de |> ?|>= ?)(\d{1,3})(?: ans)?$|^(\d{1,3})(?: ans)? (?:ou|et) plus$|^(\d{1,3}) ?\+$"
)
_BAND_UNDER = re.compile(r"^(?:moins de |< ?)(\d{1,3})(?: ans)?$")


def normalise_age_band(value: str) -> str:
    """« 30 à 44 ans » → ``30-44``, « Plus de 75 ans » → ``75+``, « < 25 ans » → ``<25``; other text unchanged."""
    v = norm(value)
    m = _BAND_RANGE.match(v)
    if m:
        return f"{m[1]}-{m[2]}"
    m = _BAND_PLUS.match(v)
    if m:
        return f"{m[1] or m[2] or m[3]}+"
    m = _BAND_UNDER.match(v)
    if m:
        return f"<{m[1]}"
    return value.strip()


_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def normalise_communes(values: list[str]) -> tuple[dict[str, str | None], bool]:
    """{value: INSEE code} for a commune column, and whether the column holds codes at all.

    Excel drops the leading zero of codes such as ``01053`` (``1053``): four digits get it back.
    A column made mostly of names (« Villeurbanne ») is not a code column: (all None, False).
    """
    out: dict[str, str | None] = {v: commune_code(v) for v in values}
    codes = count_codes(values)
    if values and codes < len(values) / 2:
        return {v: None for v in values}, False
    return out, True


def commune_code(value: str) -> str:
    """The value as an INSEE code would be written (upper case, leading zero put back)."""
    t = value.strip().upper()
    return "0" + t if re.fullmatch(r"\d{4}", t) else t


def count_codes(values: list[str]) -> int:
    """How many of the values are INSEE codes (once normalised)."""
    return sum(1 for v in values if _INSEE.match(commune_code(v)))
