"""LimeSurvey response exports (CSV, any delimiter), code and full-text headings.

Recognised by LimeSurvey's own columns: ``id, submitdate, lastpage, startlanguage, seed…`` in code
mode, ``Response ID, Date submitted, Last page, Start language…`` (or the French ``ID de la réponse,
Date de soumission, Dernière page, Langue de départ…``) in full-text mode.

A questionnaire's own questions cannot be guessed: which column is the satisfaction score, on which
scale, which answer code means which channel (``A5`` is not necessarily 5). So without a mapping
file this adapter recognises the file and refuses it with a French message that carries a
ready-to-fill mapping file (question columns listed, LimeSurvey columns pre-filled). With a mapping
file (``data/mappings/*.toml``, tried before the built-in adapters) the file loads, and these rules
apply on top of the mapping (see :func:`response_defaults`):

- ``complete`` = ``submitdate`` is filled (an incomplete response is kept but not counted);
- ``submitdate = 1980-01-01 00:00:00`` (anonymised survey without date stamps) = completed, date
  unknown: ``responded_at`` stays empty and ``complete`` is true;
- ``N/A``, ``""``, empty and ``Sans réponse`` are missing answers;
- ``source = limesurvey-<survey id>`` from the file name ``results-survey<ID>…`` when the mapping
  gives no source; ``source_id`` = the response id.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters.base import MapContext, Mapped, find_column, norm
from pipelines.ingest.headers import mapping_name
from pipelines.ingest.mapping_template import mapping_template
from pipelines.ingest.read import RawTable

# German interface (LimeSurvey's de translation): recognised, then refused with a survey mapping to fill
GERMAN = ("Antwort ID", "Antwort-ID", "Datum Abgeschickt", "Letzte Seite", "Start-Sprache", "Startsprache")
ID = (
    "id",
    "Response ID",
    "ID de la réponse",
    "Identifiant de la réponse",
    "ID réponse",
    "Antwort ID",
    "Antwort-ID",
)
SUBMITDATE = (
    "submitdate",
    "Date submitted",
    "Date de soumission",
    "Date de soumission de la réponse",
    "Date d'envoi",
    "Datum Abgeschickt",
)
LASTPAGE = ("lastpage", "Last page", "Dernière page", "Derniere page vue", "Letzte Seite")
STARTLANGUAGE = (
    "startlanguage",
    "Start language",
    "Langue de départ",
    "Langue de démarrage",
    "Langue initiale",
    "Start-Sprache",
    "Startsprache",
)
SEED = ("seed", "Seed", "Graine", "Tête de série", "Amorce")
STARTED = (
    "startdate",
    "Date started",
    "Date de début",
    "Date de lancement",
    "datestamp",
    "Date last action",
    "Date de la dernière action",
    "Date de dernière action",
)
SYSTEM = {
    norm(h)
    for h in (
        *ID,
        *SUBMITDATE,
        *LASTPAGE,
        *STARTLANGUAGE,
        "seed",
        "Seed",
        "Graine",
        "Tête de série",
        "Amorce",
        "token",
        "Access code",
        "Token",
        "Code d'accès",
        "Jeton",
        "startdate",
        "Date started",
        "Date de début",
        "Date de lancement",
        "datestamp",
        "Date last action",
        "Date de la dernière action",
        "Date de dernière action",
        "ipaddr",
        "IP address",
        "Adresse IP",
        "refurl",
        "Referrer URL",
        "URL de provenance",
        "URL référente",
        "interviewtime",
        "Total time",
        "Temps total",
        "Startwert",
        "Zugangsschlüssel",
        "Datum gestartet",
        "Datum der letzten Aktivität",
        "IP-Adresse",
        "Referrer-URL",
        "Gesamtzeit",
    )
}
UNDATED = "1980-01-01 00:00:00"
SURVEY_ID = re.compile(r"(?:results-survey|survey[_-]?|limesurvey[_-]?)(\d{3,})", re.IGNORECASE)


def is_limesurvey(raw: RawTable) -> bool:
    h = raw.header
    return bool(
        find_column(h, *ID)
        and find_column(h, *SUBMITDATE)
        and find_column(h, *LASTPAGE, *STARTLANGUAGE, *SEED, *STARTED)
    )


def survey_source(raw: RawTable) -> str:
    """``limesurvey-<survey id>`` from the file (or archive) name, else ``limesurvey``."""
    for name in (raw.name, raw.container or ""):
        m = SURVEY_ID.search(name)
        if m:
            return f"limesurvey-{m.group(1)}"
    return "limesurvey"


def question_columns(raw: RawTable) -> list[str]:
    """The questionnaire's own columns (LimeSurvey's built-in ones left out)."""
    return [h for h in raw.header if norm(h) not in SYSTEM]


# LimeSurvey's headings for a subquestion (array, multiple choice, « other », comment): the question
# code then ``[SQCODE]`` in code mode, the question text then `` [Sub-question text]`` in full text
CODE_SUB = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\[([^\[\]]+)\]$")
TEXT_SUB = re.compile(r"^(.*\S) \[([^\[\]]+)\]$")


def questions(raw: RawTable) -> list[tuple[str, list[str]]]:
    """The questionnaire's questions, each once: (question code or text, its columns in order).

    A question's subquestion columns (``SATIS[SQ001]``, « Êtes-vous satisfait de… [L'accueil] »)
    go under it. Two questions with the same text (« Commentaire » in two groups) stay two questions:
    LimeSurvey writes the same heading twice, the reader numbers the second (« Commentaire (2) »).
    """
    out: dict[str, list[str]] = {}
    for h in question_columns(raw):
        m = CODE_SUB.match(h) or TEXT_SUB.match(h)
        out.setdefault(m[1] if m else h, []).append(h)
    return list(out.items())


def _listed(raw: RawTable, groups: list[tuple[str, list[str]]]) -> str:
    def one(q: str, cols: list[str]) -> str:
        if cols == [q]:
            return f"« {mapping_name(q, raw.header)} »"
        return f"« {q} » ({len(cols)} colonnes : " + ", ".join(f"« {c} »" for c in cols) + ")"

    return ", ".join(one(q, cols) for q, cols in groups[:40])


def response_defaults(raw: RawTable) -> dict[str, pl.Expr]:
    """Canonical expressions a LimeSurvey export always allows (a mapping may override them)."""
    ident = find_column(raw.header, *ID)
    submit = find_column(raw.header, *SUBMITDATE)
    s = pl.col(submit).str.strip_chars()
    return {
        "source_id": pl.col(ident).str.strip_chars(),
        "responded_at": pl.when(s.str.starts_with(UNDATED)).then(None).otherwise(s),
        "complete": pl.when(s.is_null() | (s == "")).then(pl.lit("false")).otherwise(pl.lit("true")),
    }


class LimeSurvey:
    name = "LimeSurvey (export des réponses)"
    source = "limesurvey"

    def signature(self) -> list[str]:
        return ["id", "submitdate", "lastpage", "startlanguage", "seed"]

    def matches(self, raw: RawTable) -> bool:
        return is_limesurvey(raw)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        source = survey_source(raw)
        template = mapping_template(
            raw,
            dataset="survey",
            source=source,
            preset={
                "source_id": find_column(raw.header, *ID),
                "responded_at": find_column(raw.header, *SUBMITDATE),
            },
            skip=[h for h in raw.header if norm(h) in SYSTEM],
            groups=questions(raw),
        )
        language = (
            "export LimeSurvey reconnu, langue non gérée (en-têtes en allemand) : le fichier de correspondance "
            "ci-dessous, pré-réglé pour les enquêtes, permet de l'importer (ou exportez les réponses en français "
            "ou en anglais, ou avec les codes des questions). "
            if find_column(raw.header, *GERMAN)
            else ""
        )
        raise FileRefused(
            language
            + f"Export LimeSurvey reconnu (questionnaire {source.removeprefix('limesurvey-') if source != 'limesurvey' else 'sans numéro'}, "
            f"{raw.frame.height} réponse(s)), mais Baromètre ne peut pas deviner quelle question porte la note de satisfaction, "
            f"sur quelle échelle, ni ce que signifient les codes de réponse. Questions trouvées : "
            + _listed(raw, questions(raw))
            + ". Enregistrez ce fichier de correspondance dans data/mappings/ (par exemple "
            f"data/mappings/{source}.toml), complétez-le, puis relancez l'import :\n{template}"
        )
