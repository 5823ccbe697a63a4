"""Spreadsheet logs kept by the services (French Excel CSV or XLSX, French headers).

Typical file: « N° demande ; Type de démarche ; Canal de dépôt ; Date de dépôt ; Date de décision ;
Délai (jours) ; Statut ; Commune ; Tranche d'âge … », ``;``, cp1252 or UTF-8 with BOM,
``dd/mm/yyyy``, decimal comma. Headers and values go through the French synonym dictionary of
:mod:`.vocabulary` (« En ligne » → online, « Guichet »/« Accueil » → counter, « Courrier » → mail,
« Téléphone » → phone, « Courriel » → email, « France Services »/« Accompagné » → assisted;
« Délivré »/« Accordé »/« Accepté »/« Favorable » → accepted, « Refusé »/« Défavorable » → rejected,
« Traité »/« Instruit »/« Clôturé » → decided (decided, outcome unknown: see :mod:`.vocabulary`),
« En cours »/« En attente »/« En instruction » → in_review, « Déposé » → submitted, « Classé sans
suite »/« Sans suite »/« Abandonné » → closed_without_decision). Unknown values are kept as written so validation refuses the row with
the list of accepted values (a mapping file's ``[values.…]`` can add them).

Recognised when a filing date and a service column are found, plus a channel, a status, an
outcome or a decision/instruction date. What it feeds (decision):

- ``processing_cases`` when the file has a decision or instruction date or a status column: the
  case clock (without a status column: decided → ``decided``, started → in_review, else submitted);
- ``usage_events`` when it has a channel column: every request with its channel (outcome from an
  « Issue » column, else from the status); that is what the take-up indicator counts.
  A log with both gives both, like Démarches Simplifiées.

« Délai (jours) » is the observed delay, recomputed from the dates: not loaded. Personal columns
(agent instructeur, nom, prénom, e-mail, téléphone, adresse) and free comments are never selected.
The service is « Type de démarche » resolved through the catalogue (unknown services accepted and
listed). Communes: INSEE codes (a code that lost its leading zero in Excel gets it back); a column
of commune *names* is ignored with a note. Age bands « 30 à 44 ans » → ``30-44``.

source = ``tableur-<log>``, where ``<log>`` is the file name without dates, years and export noise
(« suivi_demandes_etat-civil_2025_excel-fr.csv » → ``tableur-suivi-demandes-etat-civil``), so the
next month's save of the same log updates its rows instead of adding them again; source_id =
« N° demande » (or a hash of the row's content when the log has no number column, noted).
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.errors import NotStreamable
from pipelines.ingest.adapters.base import (
    MapContext,
    Mapped,
    col,
    norm,
    replace_values,
    slugify,
    stable_row_ids,
    translate,
)
from pipelines.ingest.adapters.vocabulary import (
    CHANNELS,
    OUTCOMES,
    STATUS_TO_OUTCOME,
    STATUSES,
    channel_by_words,
    count_codes,
    guess_columns,
    normalise_age_band,
    normalise_communes,
)
from pipelines.ingest.read import LINE_COL, RawTable

SOURCE_PREFIX = "tableur"
WANTED = [
    "source_id",
    "service",
    "channel",
    "submitted_at",
    "started_at",
    "decided_at",
    "status",
    "outcome",
    "deadline_days",
    "commune",
    "age_band",
]
NOISE = {
    "export",
    "exports",
    "extraction",
    "extrait",
    "copie",
    "copy",
    "final",
    "finale",
    "def",
    "definitif",
    "csv",
    "xlsx",
    "xls",
    "excel",
    "fr",
    "utf8",
    "utf",
    "bom",
    "cp1252",
    "ansi",
    "point",
    "virgule",
    "separateur",
    "sep",
    "tableau",
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
    "jan",
    "fev",
    "avr",
    "juil",
    "sept",
    "oct",
    "nov",
    "dec",
    "maj",
    "version",
}


def log_source(name: str) -> str:
    """``tableur-<log>`` from a file name, dates and export noise removed (stable month after month)."""
    stem = name.rsplit(".", 1)[0]
    tokens = [t for t in re.split(r"[^a-z0-9]+", norm(stem)) if t]
    kept = [
        t
        for t in tokens
        if not (t.isdigit() or t in NOISE or re.fullmatch(r"(v|s|t|q)\d{1,2}|\d+(er|e|eme)?", t))
    ]
    return f"{SOURCE_PREFIX}-{slugify('-'.join(kept))}" if kept else SOURCE_PREFIX


def columns_of(raw: RawTable) -> dict[str, str]:
    return guess_columns(raw.header, WANTED)


class Tableur:
    name = "tableau de suivi (Excel, en-têtes en français)"
    source = SOURCE_PREFIX
    # row-wise: a large log streams batch by batch (content ids and the commune-column verdict carry
    # over between batches through ``ctx.stream``)
    streamable = True

    def signature(self) -> list[str]:
        return [
            "N° demande",
            "Type de démarche",
            "Canal de dépôt",
            "Date de dépôt",
            "Date de décision",
            "Statut",
            "Commune",
            "Tranche d'âge",
        ]

    def affinity(self, raw: RawTable) -> float:
        """Share of the typical log columns found through the synonyms (for « closest format »)."""
        key = {"source_id", "service", "channel", "submitted_at", "decided_at", "status"}
        return len(key & set(columns_of(raw))) / len(key)

    def matches(self, raw: RawTable) -> bool:
        cols = columns_of(raw)
        return (
            "submitted_at" in cols
            and "service" in cols
            and bool({"channel", "status", "outcome", "decided_at", "started_at"} & set(cols))
        )

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        f = raw.frame
        cols = columns_of(raw)
        source = log_source(raw.name)
        if "source_id" in cols:
            ident = col(f, cols["source_id"]).str.strip_chars()
        else:
            ident = stable_row_ids(f, raw.header, prefix="ligne-", seen=ctx.stream, salt=ctx.salt)
            ctx.notes.append(
                "pas de colonne « N° demande » : identifiant calculé à partir du contenu de chaque ligne"
            )
        status = translate(f, cols.get("status"), STATUSES)
        common = f.select(
            pl.lit(source).alias("source"),
            ident.alias("source_id") if isinstance(ident, pl.Expr) else pl.lit(ident).alias("source_id"),
            col(f, cols.get("service")).alias("service"),
            translate(f, cols.get("channel"), CHANNELS, fallback=channel_by_words).alias("channel"),
            col(f, cols.get("submitted_at")).alias("submitted_at"),
            col(f, cols.get("started_at")).alias("started_at"),
            col(f, cols.get("decided_at")).alias("decided_at"),
            status.alias("status"),
            translate(f, cols.get("outcome"), OUTCOMES).alias("outcome"),
            col(f, cols.get("deadline_days")).alias("deadline_days"),
            _communes(f, cols.get("commune"), ctx).alias("commune"),
            _age_bands(f, cols.get("age_band")).alias("age_band"),
            pl.col(LINE_COL),
        )
        out: list[Mapped] = []
        if {"decided_at", "started_at", "status"} & set(cols):
            if "status" not in cols:
                ctx.notes.append(
                    "pas de colonne « Statut » : dossier décidé (issue non précisée) s'il a une date de décision, en instruction s'il a une date d'instruction, sinon déposé"
                )
                common = common.with_columns(
                    pl.when(pl.col("decided_at").is_not_null())
                    .then(pl.lit("decided"))
                    .when(pl.col("started_at").is_not_null())
                    .then(pl.lit("in_review"))
                    .otherwise(pl.lit("submitted"))
                    .alias("status")
                )
            cases = common.select(
                "source",
                "source_id",
                "service",
                "channel",
                "submitted_at",
                "started_at",
                "decided_at",
                "status",
                "deadline_days",
                "commune",
                LINE_COL,
            )
            out.append(Mapped("processing", source, cases))
        if "channel" in cols:
            outcome = pl.coalesce(
                pl.col("outcome"),
                pl.col("status").replace_strict(STATUS_TO_OUTCOME, default=None, return_dtype=pl.String),
            )
            events = common.select(
                "source",
                "source_id",
                "submitted_at",
                "service",
                "channel",
                "commune",
                "age_band",
                outcome.alias("outcome"),
                LINE_COL,
            )
            out.append(Mapped("usage", source, events))
        elif out:
            ctx.notes.append(
                "pas de colonne « Canal » : dossiers chargés, mais pas de demandes pour le taux d'usage en ligne"
            )
        return out


def _communes(frame: pl.DataFrame, column: str | None, ctx: MapContext) -> pl.Expr:
    if column is None:
        return pl.lit(None, pl.String)
    values = frame.get_column(column).drop_nulls().unique().to_list()
    mapping, are_codes = normalise_communes(values)
    if ctx.stream is not None:
        are_codes = _streamed_verdict(values, ctx.stream)
        if not are_codes:
            mapping = dict.fromkeys(values)
    if not are_codes:
        ctx.notes.append(
            f"la colonne « {column} » contient des noms de communes et non des codes INSEE : elle n'est pas reprise"
        )
    return replace_values(column, mapping)


def _streamed_verdict(values: list[str], state: dict) -> bool:
    """Codes or names, judged like the whole file would be: on every distinct value so far. A
    verdict that changes from one batch to the next means the file must be read in one go."""
    seen: set[str] = state.setdefault("communes", set())
    new = [v for v in values if v not in seen]
    seen.update(new)
    state["commune_codes"] = state.get("commune_codes", 0) + count_codes(new)
    if len(seen) > 1_000_000:
        raise NotStreamable("trop de valeurs distinctes dans la colonne des communes")
    are_codes = not (seen and state["commune_codes"] < len(seen) / 2)
    if state.setdefault("communes_are_codes", are_codes) != are_codes:
        raise NotStreamable("colonne des communes : codes et noms mêlés")
    return are_codes


def _age_bands(frame: pl.DataFrame, column: str | None) -> pl.Expr:
    if column is None:
        return pl.lit(None, pl.String)
    values = frame.get_column(column).drop_nulls().unique().to_list()
    return replace_values(column, {v: normalise_age_band(v) for v in values})
