"""Démarches Simplifiées (demarche.numerique.gouv.fr): dossier exports, CSV and XLSX.

Recognised: the default export (``ID``, ``État du dossier``, ``Déposé le``, ``Passé en
instruction le``, ``Traité le``…) whatever the procedure's extra columns (personne morale,
Chorus, SVA/SVR, routing), and exports made with a « modèle d'export » using the default labels
(``N° dossier``/``Nº dossier``, ``État du dossier``/``Statut``, ``Date de dépôt``, ``Date de passage
en instruction``, ``Date de traitement``/``Date de décision``). In a workbook only the dossiers
sheet matches; the ``Etablissements``, ``Avis`` and repeated-block sheets are ignored.

Each dossier gives two rows:

- ``processing_cases``: Déposé le → submitted_at, Passé en instruction le → started_at,
  Traité le → decided_at, channel ``online``; states En construction → ``submitted`` (a filed dossier
  not yet taken up, *not* a draft: drafts are never exported), En instruction → ``in_review``,
  Accepté → ``accepted``, Refusé → ``rejected``, Classé sans suite → ``closed_without_decision``.
  A dossier classé sans suite keeps its ``decided_at`` (the date it was closed) but the delay
  indicator counts only accepted and rejected dossiers. ``deadline_days`` = days from filing to the
  ``Date décision SVA|SVR`` when the procedure has one (silence vaut accord/rejet: the legal deadline).
- ``usage_events``: one online request per dossier (« Dépôt pour un tiers » is not read as assisted:
  a relative filing for someone is still an online request); outcome accepted → ``completed``, refused →
  ``rejected``, still open (en construction / en instruction) → ``pending``, classé sans suite →
  ``abandoned`` (withdrawn, duplicate or left incomplete by the user: the request did not end in a decision).

Timestamps ``2025-03-10 22:18:19 +0100`` (offset changing with summer time) become Paris time;
workbook date cells are already Paris time. The service comes from the procedure path in the file
name ``dossiers_<procedure-path>_<AAAA-MM-JJ_HH-MM>.csv`` (resolved through the service catalogue's
aliases), or from a mapping file constant. The commune is the first ``… (Code INSEE)`` column (the
one about the home when several). Personal columns (e-mail, civilité, names, mandataire, birth
date, SIRET/entreprise/association, addresses, instructors, motivation, free-text fields) are
never selected; the usager's ``Email`` becomes ``usage_events.user_key``, a salted hash
(:mod:`pipelines.ingest.user_keys`), never the address itself. source = ``demarches-simplifiees``, source_id = the dossier number: a later
cumulative export updates the same rows.

Each export also gives its scope (``absences.ExportScope``: every line's dossier number, state,
filing date, ``Groupe instructeur`` and ``À archiver``), from which the ingest finds the known
dossiers of the same procedure that a newer full export no longer lists (see ``absences``). The
procedure is the one of the file name only: without it, absences are not looked for.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.ingest.absences import ExportScope
from pipelines.ingest.adapters.base import (
    MapContext,
    Mapped,
    col,
    find_column,
    find_like,
    norm,
    translate,
    vocabulary,
)
from pipelines.ingest.adapters.vocabulary import STATUS_TO_OUTCOME
from pipelines.ingest.coerce import parse_datetime
from pipelines.ingest.read import LINE_COL, RawTable
from pipelines.ingest.user_keys import hash_user_keys

SOURCE = "demarches-simplifiees"
ID_HEADERS = (
    "ID",
    "N° dossier",
    "Nº dossier",
    "No dossier",
    "Numéro de dossier",
    "Numéro dossier",
    "Dossier ID",
)
STATE_HEADERS = ("État du dossier", "Etat du dossier", "Statut", "État")
FILED_HEADERS = ("Déposé le", "Date de dépôt", "Date de depot")
STARTED_HEADERS = ("Passé en instruction le", "Date de passage en instruction", "En instruction le")
DECIDED_HEADERS = ("Traité le", "Date de traitement", "Date de décision")
STATES = vocabulary(
    {
        "submitted": ["En construction", "en_construction"],
        "in_review": ["En instruction", "en_instruction"],
        "accepted": ["Accepté", "accepte"],
        "rejected": ["Refusé", "refuse"],
        "closed_without_decision": ["Classé sans suite", "sans_suite"],
    }
)
FILE_NAME = re.compile(
    r"^dossiers_(?P<path>.+?)_\d{4}-\d{2}-\d{2}(?:_\d{2}-\d{2})?(?:\.\w+)?$", re.IGNORECASE
)


class DemarchesSimplifiees:
    name = "Démarches Simplifiées (export des dossiers)"
    source = SOURCE

    def signature(self) -> list[str]:
        return ["ID", "État du dossier", "Déposé le", "Passé en instruction le", "Traité le", "Instructeurs"]

    def matches(self, raw: RawTable) -> bool:
        ident = find_column(raw.header, *ID_HEADERS)
        state = find_column(raw.header, *STATE_HEADERS)
        filed = find_column(raw.header, *FILED_HEADERS)
        if not (ident and state and filed):
            return False
        if norm(state).startswith("etat du dossier") and find_column(raw.header, "Déposé le"):
            return True  # the default export
        # a « modèle d'export »: the states must be DS's own words, and a log with a channel column is not DS
        if find_like(raw.header, "canal", "mode de depot"):
            return False
        values = raw.frame.get_column(state).drop_nulls().unique().head(50).to_list()
        return bool(values) and all(norm(v) in STATES for v in values)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        h, f = raw.header, raw.frame
        ident = find_column(h, *ID_HEADERS)
        state = find_column(h, *STATE_HEADERS)
        filed = find_column(h, *FILED_HEADERS)
        started = find_column(h, *STARTED_HEADERS)
        decided = find_column(h, *DECIDED_HEADERS)
        sva = find_like(h, "date decision sva", "date decision svr")
        insee = _commune_column(h)
        service = (
            ctx.service_hint or procedure_from_name(raw.name) or procedure_from_name(raw.container or "")
        )
        if service is None:
            service = re.sub(r"_\d{4}-\d{2}-\d{2}.*$", "", raw.name.rsplit(".", 1)[0]) or raw.name
            ctx.notes.append(
                f"nom de fichier sans démarche reconnaissable (attendu « dossiers_<démarche>_<date>.csv ») : service « {service} » pris par défaut"
            )
        status = translate(f, state, STATES)
        ctx.scope = _scope(raw, ident, status, filed)
        base = f.select(
            pl.lit(SOURCE).alias("source"),
            col(f, ident).str.strip_chars().alias("source_id"),
            pl.lit(service).alias("service"),
            pl.lit("online").alias("channel"),
            col(f, filed).alias("submitted_at"),
            col(f, insee).alias("commune"),
            status.alias("status"),
            pl.col(LINE_COL),
            col(f, _email_column(h)).alias("user_key"),
            col(f, started).alias("_started"),
            col(f, decided).alias("_decided"),
            col(f, sva).alias("_sva"),
        )
        cases = base.select(
            "source",
            "source_id",
            "service",
            "channel",
            "submitted_at",
            pl.col("_started").alias("started_at"),
            pl.col("_decided").alias("decided_at"),
            "status",
            _deadline_days(pl.col("submitted_at"), pl.col("_sva")).alias("deadline_days"),
            "commune",
            pl.col(LINE_COL),
        )
        events = base.select(
            "source",
            "source_id",
            "submitted_at",
            "service",
            "channel",
            "commune",
            pl.lit(None, pl.String).alias("age_band"),
            pl.col("status")
            .replace_strict(STATUS_TO_OUTCOME, default=None, return_dtype=pl.String)
            .alias("outcome"),
            "user_key",
            pl.col(LINE_COL),
        )
        events = hash_user_keys(events, ctx.salt)  # the usager's e-mail, kept only as a salted hash
        return [Mapped("processing", SOURCE, cases), Mapped("usage", SOURCE, events)]


GROUP_HEADERS = ("Groupe instructeur", "Groupe instructeurs")
ARCHIVED_HEADERS = ("À archiver", "A archiver", "Archivé", "Archive")
TRUE = ["true", "vrai", "oui", "1", "1.0"]


def _scope(raw: RawTable, ident: str | None, status: pl.Expr, filed: str | None) -> ExportScope:
    """What the export shows of its procedure (every line, also those the validation will reject)."""
    f = raw.frame
    group = find_column(raw.header, *GROUP_HEADERS)
    archived = find_column(raw.header, *ARCHIVED_HEADERS)
    frame = f.select(
        col(f, ident).str.strip_chars().alias("source_id"),
        status.alias("status"),
        parse_datetime(col(f, filed)).dt.date().alias("filed"),
        col(f, group).str.strip_chars().alias("groupe"),
        col(f, archived).str.strip_chars().str.to_lowercase().is_in(TRUE).fill_null(False).alias("archived"),
    )
    procedure = procedure_from_name(raw.name) or procedure_from_name(raw.container or "")
    return ExportScope(SOURCE, procedure, frame, group is not None, archived is not None)


def procedure_from_name(name: str) -> str | None:
    """``dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv`` → ``carte-stationnement-residentiel``."""
    m = FILE_NAME.match(name)
    return m.group("path") if m else None


EMAIL_HEADERS = ("Email", "E-mail", "Courriel", "Adresse électronique", "Adresse e-mail", "Email de l'usager")


def _email_column(header: list[str]) -> str | None:
    """The usager's e-mail (the default export's ``Email``), never the instructors' or a mandataire's."""
    return find_column(header, *EMAIL_HEADERS)


def _commune_column(header: list[str]) -> str | None:
    insee = [h for h in header if norm(h).endswith("(code insee)")]
    for h in insee:
        if any(w in norm(h) for w in ("domicile", "residence", "habitation", "demeure")):
            return h
    return insee[0] if insee else None


def _deadline_days(filed: pl.Expr, sva: pl.Expr) -> pl.Expr:
    """Calendar days from filing to the SVA/SVR decision date (text, for ``coerce``)."""
    days = (parse_datetime(sva).dt.date() - parse_datetime(filed).dt.date()).dt.total_days()
    return pl.when(days >= 0).then(days.cast(pl.String)).otherwise(None)
