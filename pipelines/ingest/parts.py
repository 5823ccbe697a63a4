"""Pure stage of the ingest: raw tables → validated parts, one per (table, dataset).

For each table of a file: detect its adapter (mapping files first), map it, resolve services,
coerce, validate. Rules for files holding several tables:

- a workbook sheet that matches no format is ignored when another sheet matched (named in the
  report's notes); an archive member that matches nothing refuses the whole archive, since every
  member of an export archive is meant to be data;
- a table that was recognised but cannot be taken (LimeSurvey without a mapping, Sitadel…) refuses
  the whole file with its reason;
- the header may sit below title lines (see ``read``): the report notes the line and sheet it
  was found on;
- a table with a header and no data is skipped; when nothing but headers is left, the file is
  refused (« aucune donnée »).

The first dataset an adapter returns for a table is that table's primary one: the file's rows
read / loaded are counted on it (the others, e.g. Démarches Simplifiées' usage events, are derived
from the same lines). A line refused for one dataset is refused for all, so every line of a file is
either loaded or rejected: rows read = rows loaded + rows rejected. Rejection messages name the
sheet or archive member when the file has several.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters import MapContext, closest_format, detect
from pipelines.ingest.adapters.base import Adapter, Mapped
from pipelines.ingest.coerce import coerce, empty_rejections
from pipelines.ingest.mapping_template import mapping_template
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL, RawTable
from pipelines.ingest.remedy import origin
from pipelines.ingest.services import Catalogue
from pipelines.ingest.validate import validate
from schemas import DATASETS


@dataclass
class Part:
    dataset: str
    source: str
    adapter: str
    good: pl.DataFrame
    rejections: pl.DataFrame
    unknown_services: list[str]
    notes: list[str]
    table: int = 0  # index of the raw table it comes from
    primary: bool = True  # the table's first dataset: counted in the file's totals
    rows_read: int = 0  # records of the table (primary part only)
    scope: object | None = None  # the export's scope (``absences.ExportScope``), primary part only
    sheet: str | None = None  # the workbook sheet the table comes from
    header_line: int = 1  # the line (row of the sheet) its header was found on
    header: list[str] | None = None  # the table's header (for the mapping offered on unknown values)
    format: str | None = None  # the built-in adapter's source that mapped it (itself or a mapping's delegate)
    mapping: Path | None = None  # the mapping file that applied, if any
    mapping_sha256: str | None = None  # ... and its content hash (recorded in the ledger)


def map_tables(
    tables: list[RawTable],
    catalogue: Catalogue,
    extra: list[Adapter],
    salt: bytes = b"",
    cog: frozenset[str] | None = None,
) -> list[Part]:
    """Raw tables → validated parts per dataset (or FileRefused with the French reason); ``salt``:
    the warehouse's key for content ids (see ``stable_row_ids``); ``cog``: the communes of the
    Code officiel géographique loaded in the warehouse, if any (territory files check their codes)."""
    parts: list[Part] = []
    unmatched: list[RawTable] = []
    empty: list[RawTable] = []
    several = len(tables) > 1
    for index, raw in enumerate(tables):
        adapter = detect(raw, extra)
        if adapter is None:
            unmatched.append(raw)
            continue
        ctx = MapContext(
            salt=salt, communes=catalogue.communes, cog=cog, referential=catalogue.maturity_referential
        )
        if raw.header_line > 1:
            ctx.notes.append(header_note(raw))
        try:
            mapped_list = adapter.map(raw, ctx)
        except FileRefused as err:
            raise FileRefused(f"{_where(raw, several)}{err}") from err
        if raw.frame.height == 0 and not raw.ragged:
            empty.append(raw)
            continue
        table_parts = [
            prepare_part(
                raw,
                mapped,
                adapter,
                catalogue,
                index=index,
                primary=k == 0,
                notes=ctx.notes if k == 0 else [],
                several=several,
            ).part
            for k, mapped in enumerate(mapped_list)
        ]
        if table_parts:
            table_parts[0].scope = ctx.scope
        parts += _one_fate_per_line(table_parts)
    if unmatched and ((not parts and not empty) or any(r.member for r in unmatched)):
        raise FileRefused(" ".join(unknown_layout_message(r, extra) for r in unmatched[:3]))
    if not parts:
        raise FileRefused(
            "Le fichier ne contient que la ligne d'en-tête : aucune donnée à importer."
            if empty
            else "Le fichier ne contient aucune donnée à importer."
        )
    sections = [r for r in unmatched if r.section]
    if sections:
        names = ", ".join(f"« {r.section} »" for r in sections)
        parts[0].notes.append(
            f"rapport(s) de l'envoi programmé non repris, faute de mesures d'audience reconnues "
            f"(visites, actions, visiteurs uniques…) : {names}"
        )
    if len(sections) < len(unmatched):
        names = ", ".join(f"« {r.sheet or r.name} »" for r in unmatched if not r.section)
        parts[0].notes.append(f"feuille(s) ignorée(s), sans format reconnu : {names}")
    return parts


def _one_fate_per_line(parts: list[Part]) -> list[Part]:
    """A line refused for one dataset is refused for all (a dossier is not half loaded); its
    rejection is written once, by the first dataset that refused it."""
    if len(parts) < 2:
        return parts
    seen: set[int] = set()
    for part in parts:
        lines = set(part.rejections[LINE_COL].drop_nulls().to_list())
        if seen:
            part.rejections = part.rejections.filter(~pl.col(LINE_COL).is_in(list(seen)))
        seen |= lines
    if seen:
        for part in parts:
            part.good = part.good.filter(~pl.col(LINE_COL).is_in(list(seen)))
    return parts


def _where(raw: RawTable, several: bool) -> str:
    if raw.member or (several and (raw.sheet or raw.section)):
        return f"[{raw.where}] "
    return ""


class Prepared(NamedTuple):
    part: Part
    typed: pl.DataFrame  # the rows that went into validation
    refused: pl.DataFrame  # the validation's rejections


def prepare_part(
    raw: RawTable,
    mapped: Mapped,
    adapter: Adapter,
    catalogue: Catalogue,
    *,
    index: int = 0,
    primary: bool = True,
    notes: Sequence[str] = (),
    several: bool = False,
    duplicates: bool = True,
    memo: dict | None = None,
) -> Prepared:
    """The pure stage after mapping, for a whole table or a streamed batch: one mapped dataset →
    services → coerce → validate → Part. ``index``/``primary``/``several``: the table's place in
    its file. The streamed path also needs the typed rows and the validation's rejections (to find
    duplicates across batches as the whole file would); it passes ``duplicates=False`` and a
    ``memo`` kept from batch to batch (see ``coerce`` and ``validate``)."""
    ds = DATASETS[mapped.dataset]
    frame = mapped.frame
    adapter_rej = pl.DataFrame(list(mapped.rejected), schema=empty_rejections().schema, orient="row")
    if adapter_rej.height:  # defensive: an adapter's refused lines never load
        frame = frame.filter(~pl.col(LINE_COL).is_in(adapter_rej[LINE_COL].drop_nulls().implode()))
    if mapped.dataset == "consultation":  # an item names a service or is none (never « unknown »)
        frame, unknown = catalogue.known_only(frame), []
    else:
        frame, unknown = catalogue.resolve(frame)
    typed, coerce_rej = coerce(frame, ds.polars_schema, memo)
    good, val_rej = validate(typed, ds, duplicates, memo)
    ragged = pl.DataFrame(
        [
            (line, None, "columns", str(n), f"Ligne mal formée : {n} champ(s) au lieu de {len(raw.header)}.")
            for line, n in raw.ragged
        ]
        if primary
        else [],
        schema=empty_rejections().schema,
        orient="row",
    )
    rej = pl.concat(
        [r for r in (ragged, adapter_rej, coerce_rej, val_rej) if r.height] or [empty_rejections()]
    )
    prefix = _where(raw, several)
    if rej.height:  # a value quoted in a rejection may be someone's e-mail or phone typed in the wrong column
        rej = rej.with_columns(
            mask_free_text(pl.col("value")),
            (pl.lit(prefix) + mask_free_text(pl.col("message"))).alias("message"),
        )
    rows_read = raw.frame.height + len(raw.ragged) if primary else 0
    part = Part(
        mapped.dataset,
        mapped.source,
        adapter.name,
        good,
        rej,
        unknown,
        list(notes),
        index,
        primary,
        rows_read,
        sheet=raw.sheet,
        header_line=raw.header_line,
        header=list(raw.header),
    )
    where = origin(adapter)
    part.format, part.mapping, part.mapping_sha256 = where.format, where.mapping, where.mapping_sha256
    return Prepared(part, typed, val_rej)


def header_note(raw: RawTable) -> str:
    """French note: where a header that is not on the first line was found (« en-tête trouvé
    ligne 4 de la feuille « Suivi » »)."""
    sheet = f" de la feuille « {raw.sheet} »" if raw.sheet else ""
    return f"en-tête trouvé ligne {raw.header_line}{sheet} (lignes de titre au-dessus ignorées)"


def unknown_layout_message(raw: RawTable, extra: list[Adapter]) -> str:
    """French refusal for a layout no adapter knows: columns found, closest format, mapping to fill."""
    closest, score = closest_format(raw, extra)
    where = f" ({raw.where})" if raw.where else ""
    found = ", ".join(f"« {h} »" for h in raw.header[:40])
    more = f" (et {len(raw.header) - 40} autres)" if len(raw.header) > 40 else ""
    hint = (
        f" Format connu le plus proche : {closest.name} ({round(score * 100)}\u00a0% de ses colonnes caractéristiques trouvées)."
        if closest and score > 0
        else " Aucun format connu n'en est proche."
    )
    return (
        f"Format de fichier non reconnu{where}. Colonnes trouvées : {found}{more}.{hint} "
        f"Pour l'importer, enregistrez un fichier de correspondance dans data/mappings/ "
        f"(modèle pré-rempli ci-dessous, à vérifier et compléter), puis relancez l'import :\n{mapping_template(raw)}"
    )
