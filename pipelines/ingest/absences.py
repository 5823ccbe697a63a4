"""Dossiers known from an earlier Démarches Simplifiées export and absent from a newer one.

A cumulative DS export lists every dossier of its procedure that still exists; one deleted by its
author, a test dossier removed or one erased by the platform's retention simply stops appearing,
and would stay « en construction » in the warehouse forever. This module keeps, per dossier, the
procedure it was exported under (``export_dossiers``), finds the known dossiers a new export does
not list, and lets the analyst take them out of the indicators (*prune*) and put them back.

**Covered** (conservative; in doubt a dossier is reported as « hors du champ » and never pruned).
A filtered export has the same file name and columns as a full one (DS's ``Export`` model: a
status tab ``a-suivre``/``suivis``/``traites``/``tous``/``archives``…, column filters, a « 30
derniers jours » span, and always the instructor's own ``groupe_instructeurs``), so coverage is
read from the content. A known dossier absent from the new export E is covered when all hold:

1. E names its procedure (``dossiers_<procedure>_<date>``) and the dossier was known under the same;
2. E holds both open (en construction / en instruction) and decided dossiers (a status tab holds
   one kind only), and the dossier's last known state is one of E's states;
3. a decided dossier can be archived, and archived dossiers leave the « tous » tab: E must list
   archived dossiers (``À archiver`` = true) for a decided one to be covered;
4. its filing date lies between E's first and last filing dates (a date-filtered export);
5. routed procedures: E has the ``Groupe instructeur`` column and the dossier's known group is one
   of E's groups (an instructor exports only their groups); without the column in E, the dossier
   must have no known group;
6. when more than half the known dossiers of the procedure would be absent, the export is taken as
   filtered: nothing is covered.

**Prune** (``barometre ingest --prune-missing``, or the Données page's button): every dossier
marked absent by the latest covering export leaves ``processing_cases`` and ``usage_events`` for
``pruned_processing_cases`` / ``pruned_usage_events`` (same columns plus ``prune_id``), with one
``prunes`` record per export file. The indicators, the marts and the Parquet export read only the
canonical tables, so a pruned dossier is out of all of them, and kept in the warehouse.
**Restore**: ``barometre ingest --restore-pruned FILE_ID`` puts back the rows of the prunes made
on that export (recorded as ``restored_at``). A pruned dossier that a later export lists again
comes back by itself (the upsert inserts it, its pruned copy is dropped). ``barometre rebuild``
prunes again, after taking the files again, the dossiers still pruned (:func:`carried_prunes`,
:func:`reapply`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines.absence_tables import PRUNABLE

OPEN = ("submitted", "in_review")
DECIDED = ("accepted", "rejected", "closed_without_decision")
DOUBT_SHARE = 0.5  # more known dossiers absent than this share: a filtered export, never pruned


@dataclass
class ExportScope:
    """What a DS export shows of its procedure, from its lines (rejected ones included).

    ``frame``: source_id, status (canonical), filed (date), groupe, archived (bool)."""

    source: str
    procedure: str | None
    frame: pl.DataFrame
    has_group: bool
    has_archived: bool


@dataclass
class Absences:
    missing: int = 0  # covered: can be pruned
    uncovered: int = 0  # absent but outside what the export covers
    returned: int = 0  # pruned dossiers listed again, back in the indicators

    def notes(self) -> list[str]:
        out = []
        if self.missing:
            out.append(
                f"{self.missing} dossiers connus absents de ce nouvel export (supprimés, dossiers de test retirés ou "
                "effacés à l'échéance de conservation) : « barometre ingest --prune-missing » ou le bouton de la page "
                "Données les retire des indicateurs"
            )
        if self.uncovered:
            out.append(
                f"{self.uncovered} autre(s) dossier(s) connu(s) absent(s), hors du champ de cet export (export filtré "
                "par statut, date ou groupe instructeur ?) : gardés"
            )
        if self.returned:
            out.append(f"{self.returned} dossier(s) retiré(s) des indicateurs de nouveau présent(s) : repris")
        return out


def after_load(con: duckdb.DuckDBPyConnection, file_id: int, scope: ExportScope) -> Absences:
    """Record the export's dossiers, mark the covered absent ones, take back reappeared ones."""
    result = Absences()
    ids = scope.frame.filter(pl.col("source_id").is_not_null() & (pl.col("source_id") != ""))
    if scope.procedure is None or ids.height == 0:
        return result
    con.register("_export_scope", ids.to_arrow())
    try:
        result.returned = _take_back(con, scope.source)
        known = con.execute(
            """
            select d.source_id, d.groupe, c.status, c.submitted_at::date
            from export_dossiers d join processing_cases c using (source, source_id)
            where d.source = ? and d.procedure = ?
              and d.source_id not in (select source_id from _export_scope)
            """,
            [scope.source, scope.procedure],
        ).fetchall()
        known = pl.DataFrame(
            known,
            schema={
                "source_id": pl.String,
                "groupe": pl.String,
                "status": pl.String,
                "submitted_at": pl.Date,
            },
            orient="row",
        )
        n_known = con.execute(
            "select count(*) from export_dossiers d join processing_cases c using (source, source_id) "
            "where d.source = ? and d.procedure = ?",
            [scope.source, scope.procedure],
        ).fetchall()[0][0]
        covered = _covered(known, scope)
        if n_known and covered.height > DOUBT_SHARE * n_known:
            covered = covered.head(0)
        result.missing = covered.height
        result.uncovered = known.height - covered.height
        con.execute(
            """
            insert or replace into export_dossiers
            select ?, source_id, ?, any_value(groupe), ?, null from _export_scope group by source_id
            """,
            [scope.source, scope.procedure, file_id],
        ).fetchall()
        if covered.height:
            con.register("_covered", covered.select("source_id").to_arrow())
            con.execute(
                "update export_dossiers set absent_from_file_id = ? where source = ? "
                "and source_id in (select source_id from _covered)",
                [file_id, scope.source],
            ).fetchall()
            con.unregister("_covered")
    finally:
        con.unregister("_export_scope")
    return result


def _covered(known: pl.DataFrame, scope: ExportScope) -> pl.DataFrame:
    """The known absent dossiers the export covers (rules 2–5 of the module docstring)."""
    f = scope.frame
    states = set(f.get_column("status").drop_nulls().to_list())
    if not (states & set(OPEN) and states & set(DECIDED)):
        return known.head(0)
    filed = f.get_column("filed").drop_nulls()
    if filed.len() == 0:
        return known.head(0)
    first, last = filed.min(), filed.max()
    archived = scope.has_archived and bool(f.get_column("archived").any())
    cond = pl.col("status").is_in(sorted(states)) & pl.col("submitted_at").is_between(first, last)
    if not archived:
        cond &= pl.col("status").is_in(OPEN)
    if scope.has_group:
        groups = f.get_column("groupe").drop_nulls().unique().to_list()
        cond &= pl.col("groupe").is_in(groups)
    else:
        cond &= pl.col("groupe").is_null()
    return known.filter(cond.fill_null(False))


def _take_back(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Pruned dossiers this export lists again and that the upsert brought back: drop their copies."""
    back = con.execute(
        "select count(distinct source_id) from pruned_processing_cases p where source = ? "
        "and source_id in (select source_id from _export_scope) "
        "and exists (select 1 from processing_cases c where c.source = p.source and c.source_id = p.source_id)",
        [source],
    ).fetchall()[0][0]
    if back:
        for table in PRUNABLE:
            con.execute(
                f"delete from pruned_{table} p where source = ? and source_id in (select source_id from _export_scope) "
                f"and exists (select 1 from {table} c where c.source = p.source and c.source_id = p.source_id)",
                [source],
            ).fetchall()
    return int(back)


def pending(con: duckdb.DuckDBPyConnection) -> int:
    """Dossiers marked absent by a covering export and still counted in the indicators."""
    try:
        return con.execute(
            "select count(*) from export_dossiers d join processing_cases c using (source, source_id) "
            "where d.absent_from_file_id is not null"
        ).fetchall()[0][0]
    except duckdb.CatalogException:
        return 0


def pending_in(warehouse) -> int:
    """:func:`pending` on the warehouse file, read-only (the Données page's button)."""
    from pipelines.warehouse import read_connection

    with read_connection(warehouse) as con:
        return pending(con)


def prune_missing(
    con: duckdb.DuckDBPyConnection, origin: str = "cli", only: pl.DataFrame | None = None
) -> int:
    """Take every dossier marked absent out of the indicators (rows moved to the pruned tables,
    one ``prunes`` record per export file); ``only`` (source, source_id, file_id) restricts it to
    those keys, marked absent by those files (the rebuild). The number of dossiers pruned."""
    if only is not None:
        con.register("_only", only.to_arrow())
        con.execute(
            "update export_dossiers d set absent_from_file_id = o.file_id from _only o "
            "where d.source = o.source and d.source_id = o.source_id"
        ).fetchall()
    scope = "d.absent_from_file_id is not null" + (
        " and exists (select 1 from _only o where o.source = d.source and o.source_id = d.source_id)"
        if only is not None
        else ""
    )
    groups = con.execute(
        f"select d.absent_from_file_id, d.source, d.procedure, count(*) from export_dossiers d "
        f"join processing_cases c using (source, source_id) where {scope} group by all order by 1, 2, 3"
    ).fetchall()
    total = 0
    for file_id, source, procedure, n in groups:
        prune_id = con.execute("select coalesce(max(prune_id), 0) + 1 from prunes").fetchall()[0][0]
        con.execute(
            "insert into prunes values (?, ?, ?, ?, ?, ?, ?, null)",
            [prune_id, file_id, source, procedure, n, origin, dt.datetime.now()],
        ).fetchall()
        con.execute(
            "create or replace temp table _prune_keys as select d.source, d.source_id from export_dossiers d "
            f"where {scope} and d.absent_from_file_id = ? and d.source = ? and d.procedure = ?",
            [file_id, source, procedure],
        ).fetchall()
        for table in PRUNABLE:
            con.execute(
                f"insert into pruned_{table} select t.*, ? from {table} t where {_IN_KEYS}", [prune_id]
            ).fetchall()
            con.execute(f"delete from {table} t where {_IN_KEYS}").fetchall()
        con.execute("drop table _prune_keys").fetchall()
        total += n
    if only is not None:
        con.unregister("_only")
    return total


_IN_KEYS = "exists (select 1 from _prune_keys k where k.source = t.source and k.source_id = t.source_id)"


def restore(con: duckdb.DuckDBPyConnection, file_id: int) -> int:
    """Put back the dossiers pruned on the absences of export ``file_id``; how many came back."""
    prunes = [
        r[0]
        for r in con.execute(
            "select prune_id from prunes where file_id = ? and restored_at is null", [file_id]
        ).fetchall()
    ]
    total = 0
    for prune_id in prunes:
        total += con.execute(
            "select count(distinct source_id) from pruned_processing_cases where prune_id = ?", [prune_id]
        ).fetchall()[0][0]
        for table in PRUNABLE:
            cols = ", ".join(
                f'"{c[0]}"' for c in con.execute(f"select * from {table} limit 0").description or []
            )
            con.execute(
                f"insert into {table} ({cols}) select {cols} from pruned_{table} p where prune_id = ? "
                f"and not exists (select 1 from {table} c where c.source = p.source and c.source_id = p.source_id)",
                [prune_id],
            ).fetchall()
            con.execute(
                f"update export_dossiers d set absent_from_file_id = null from pruned_{table} p "
                "where p.prune_id = ? and p.source = d.source and p.source_id = d.source_id",
                [prune_id],
            ).fetchall()
            con.execute(f"delete from pruned_{table} where prune_id = ?", [prune_id]).fetchall()
        con.execute(
            "update prunes set restored_at = ? where prune_id = ?", [dt.datetime.now(), prune_id]
        ).fetchall()
    return total


def carried_prunes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(export sha256, source, source_id) of every dossier still pruned: what a rebuild prunes again."""
    try:
        return [
            (str(r[0]), str(r[1]), str(r[2]))
            for r in con.execute(
                "select distinct f.sha256, p.source, p.source_id from pruned_processing_cases p "
                "join prunes r using (prune_id) join ingest_files f on f.file_id = r.file_id "
                "where r.restored_at is null order by all"
            ).fetchall()
        ]
    except duckdb.CatalogException:  # a warehouse from before prunes
        return []


def reapply(con: duckdb.DuckDBPyConnection, carried: list[tuple[str, str, str]]) -> int:
    """The rebuild: prune again the carried dossiers, on the export file of the same content."""
    if not carried:
        return 0
    ids = dict(
        con.execute(
            "select sha256, min(file_id) from ingest_files where status in ('loaded', 'partial') group by sha256"
        ).fetchall()
    )
    rows = [(s, k, ids[sha]) for sha, s, k in carried if sha in ids]
    if not rows:
        return 0
    only = pl.DataFrame(
        rows, schema={"source": pl.String, "source_id": pl.String, "file_id": pl.Int64}, orient="row"
    )
    return prune_missing(con, origin="rebuild", only=only)
