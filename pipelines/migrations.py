"""Schema version of the warehouse and the migrations between versions, declared as data.

The warehouse records its version in ``meta`` (key ``schema_version``). A file with tables but no
version was written by a release from before versions existed: version 1.

- The writer (:func:`pipelines.warehouse.write_snapshot`) calls :func:`upgrade` on its snapshot
  copy: the steps from the file's version to :data:`SCHEMA_VERSION` run in ONE transaction, before
  anything else is written. A failing step rolls back, the copy is dropped, the warehouse itself is
  untouched (:class:`MigrationFailed`).
- Readers call :func:`check_readable`: an older or newer file stops them with one French line
  saying what to run (``barometre ingest`` migrates, ``barometre rebuild`` rebuilds from the files).

After the migration the writer still runs ``ensure_schema`` (tables created if missing) and the
ingest rebuilds the indicator views: a step only has to do what those do not (add a column, move
data, pin a ``meta`` value), so that a migrated warehouse equals a fresh one.

To change the schema: add a step ``Migration(n, n + 1, "…", apply)`` at the end of
:data:`MIGRATIONS` and raise :data:`SCHEMA_VERSION` to ``n + 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.absence_tables import create_absence_tables
from pipelines.diagnostic.tables import create_maturity_tables
from pipelines.errors import MigrationFailed, WarehouseOutdated, WarehouseTooNew

SCHEMA_VERSION = 9
VERSION_KEY = "schema_version"
META_DDL = "create table if not exists meta (key varchar primary key, value varchar)"
# meta keys that the writer computes again; every other key is data (e.g. the salt of the row ids)
RECOMPUTED_META = {VERSION_KEY, "indicator_views"}


@dataclass(frozen=True)
class Migration:
    """One step ``from_version → to_version``; ``apply`` runs inside the migration's transaction."""

    from_version: int
    to_version: int
    description: str  # French, shown when the step fails
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _pin_row_id_salt(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1 made the key of the row ids on first need, and kept unkeyed ids (an empty key) in
    a warehouse that had taken files before the key existed. Version 2 writes that choice down, so
    that a rebuild from the files gives the same ids."""
    con.execute(META_DDL).fetchall()
    con.execute(
        "insert into meta select 'row_id_salt', '' "
        "where not exists (select 1 from meta where key = 'row_id_salt') "
        "and exists (select 1 from ingest_files)"
    ).fetchall()


def _absence_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Version 3 keeps the procedure of each Démarches Simplifiées dossier, to find those a newer
    export no longer lists, and the prunes (``pipelines.ingest.absences``). The dossiers already
    loaded get their procedure from the name of the file that last changed them (``dossiers_<procedure>_<date>``);
    their instructor group is unknown (never pruned from a routed procedure's export until listed again)."""
    if not create_absence_tables(con):
        return
    con.execute(
        r"""
        insert or ignore into export_dossiers
        select c.source, c.source_id, p.procedure, null, c.file_id, null
        from processing_cases c join (
            select file_id, regexp_extract(regexp_replace(path, '^.*[/\\]', ''),
                '^dossiers_(.+?)_\d{4}-\d{2}-\d{2}', 1) as procedure
            from ingest_files
        ) p using (file_id)
        where c.source = 'demarches-simplifiees' and p.procedure <> ''
        """
    ).fetchall()


def _ledger_mapping_column(con: duckdb.DuckDBPyConnection) -> None:
    """Version 4 records in the ledger the mapping file that applied to each file (its SHA-256):
    a file whose mapping changed is read again. Files taken before had none recorded (null)."""
    con.execute("alter table ingest_files add column if not exists mapping_sha256 varchar").fetchall()


def _maturity_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Version 5 holds the maturity self-assessment: the answers (``maturity_answers``, from its
    Pandera model) and the referential in use (``maturity_themes``, ``maturity_items``,
    ``maturity_levels``; ``ensure_schema`` fills them)."""
    from schemas import DATASETS

    ds = DATASETS["maturity"]
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type, _ in ds.sql_columns())
    con.execute(f"create table if not exists {ds.table} ({cols}, file_id bigint not null)").fetchall()
    create_maturity_tables(con)


def _diagnostic_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Version 6 holds the rest of the diagnostic: the inventory (``equipment``), the territory's
    communes (``territory``) and the consultations' results (``consultation_items``), each from its
    Pandera model."""
    from schemas import DATASETS

    for name in ("equipment", "territory", "consultation"):
        ds = DATASETS[name]
        cols = ", ".join(f"{col} {sql_type}" for col, sql_type, _ in ds.sql_columns())
        con.execute(f"create table if not exists {ds.table} ({cols}, file_id bigint not null)").fetchall()


def _plan_history_table(con: duckdb.DuckDBPyConnection) -> None:
    """Version 7 keeps a fingerprint of each plan indicator's trajectory at every load of the plan
    (``plan_history``), to catch a target, milestone or baseline edited without a revision
    (:mod:`pipelines.plan_history`). A warehouse migrated has no history yet: its next ingest is
    the first load, accepted."""
    from pipelines.plan_history import create_plan_history_table

    create_plan_history_table(con)


def _published_reviews(con: duckdb.DuckDBPyConnection) -> None:
    """Version 8 keeps the reviews as published (``published_reviews``, ``published_review_figures``)."""
    from pipelines.published_tables import create_published_tables

    create_published_tables(con)


def _usage_user_key(con: duckdb.DuckDBPyConnection) -> None:
    """Version 9 keeps the user's pseudonymous key on each request (``usage_events.user_key``, a
    salted hash; the FEDER indicator RCR11 counts unique users). The rows already loaded have none
    (null: counted as requests). The column goes before ``file_id``, where a fresh warehouse has it
    (the load inserts by position), in ``usage_events`` and in its pruned copy (before ``prune_id``)."""
    for table in ("usage_events", "pruned_usage_events"):
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where table_name = ? and schema_name = 'main' "
                "order by column_index",
                [table],
            ).fetchall()
        ]
        if not cols or "user_key" in cols:
            continue
        at = cols.index("file_id")
        select = [*cols[:at], "null::varchar as user_key", *cols[at:]]
        con.execute(f"create table _v9_{table} as select {', '.join(select)} from {table}").fetchall()
        con.execute(f"drop table {table}").fetchall()
        con.execute(f"alter table _v9_{table} rename to {table}").fetchall()
        if table == "usage_events":
            con.execute("alter table usage_events alter column file_id set not null").fetchall()


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        2,
        "version du schéma inscrite dans l'entrepôt, clé des identifiants de lignes fixée",
        _pin_row_id_salt,
    ),
    Migration(
        2,
        3,
        "démarche de chaque dossier Démarches Simplifiées, dossiers retirés des indicateurs",
        _absence_tables,
    ),
    Migration(
        3,
        4,
        "registre des fichiers : empreinte du fichier de correspondance appliqué",
        _ledger_mapping_column,
    ),
    Migration(
        4,
        5,
        "autoévaluation de maturité numérique : réponses et référentiel en usage",
        _maturity_tables,
    ),
    Migration(
        5,
        6,
        "diagnostic : inventaire des équipements, communes du territoire, consultations citoyennes",
        _diagnostic_tables,
    ),
    Migration(
        6,
        7,
        "plan : empreinte de la trajectoire de chaque indicateur à chaque chargement (modifications sans révision)",
        _plan_history_table,
    ),
    Migration(
        7,
        8,
        "revues publiées : chiffres, empreintes du plan et des données, manifeste",
        _published_reviews,
    ),
    Migration(
        8,
        9,
        "demandes : clé pseudonyme de l'usager (empreinte salée, indicateur FEDER RCR11)",
        _usage_user_key,
    ),
]


def stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version; None for an empty file (no table yet)."""
    try:
        rows = con.execute("select value from meta where key = ?", [VERSION_KEY]).fetchall()
    except duckdb.CatalogException:  # no meta table
        rows = []
    if rows:
        try:
            return int(rows[0][0])
        except (TypeError, ValueError):
            return 1
    tables = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() and not internal"
    ).fetchall()[0][0]
    return 1 if tables else None


def set_version(con: duckdb.DuckDBPyConnection, version: int = SCHEMA_VERSION) -> None:
    con.execute(META_DDL).fetchall()
    con.execute("insert or replace into meta values (?, ?)", [VERSION_KEY, str(version)]).fetchall()


def steps_from(version: int) -> list[Migration]:
    """The chain of steps from ``version`` to :data:`SCHEMA_VERSION`, in order."""
    chain, at = [], version
    by_start = {m.from_version: m for m in MIGRATIONS}
    while at < SCHEMA_VERSION:
        step = by_start.get(at)
        if step is None:
            raise MigrationFailed(
                f"Aucune mise à niveau connue depuis la version {at} du schéma de l'entrepôt : "
                "lancez « barometre rebuild » pour le reconstruire à partir des fichiers déposés."
            )
        chain.append(step)
        at = step.to_version
    return chain


def too_new_message(path: Path, version: int) -> str:
    return (
        f"L'entrepôt {Path(path).name} a été écrit par une version plus récente de Baromètre (schéma {version}, "
        f"celle-ci connaît le {SCHEMA_VERSION}) : mettez Baromètre à jour, ou lancez « barometre rebuild » "
        "pour le reconstruire avec cette version à partir des fichiers déposés."
    )


def upgrade(con: duckdb.DuckDBPyConnection, path: Path) -> list[Migration]:
    """Bring the writer's copy to :data:`SCHEMA_VERSION` in one transaction; the steps applied.

    ``path`` is the warehouse (not the copy), for the messages. An empty file is left as it is
    (``ensure_schema`` stamps it)."""
    version = stored_version(con)
    if version is None or version == SCHEMA_VERSION:
        return []
    if version > SCHEMA_VERSION:
        raise WarehouseTooNew(too_new_message(path, version))
    chain = steps_from(version)
    con.execute("begin transaction").fetchall()
    step = chain[0]
    try:
        for step in chain:
            step.apply(con)
            set_version(con, step.to_version)
        con.execute("commit").fetchall()
    except Exception as err:
        con.execute("rollback").fetchall()
        raise MigrationFailed(
            f"La mise à niveau de l'entrepôt {Path(path).name} (version {step.from_version} → {step.to_version} : "
            f"{step.description}) a échoué ({type(err).__name__} : {err}) ; l'entrepôt d'origine est intact. "
            "Lancez « barometre rebuild » pour le reconstruire à partir des fichiers déposés."
        ) from err
    return chain


def check_readable(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Readers: stop with one French line on a warehouse of another schema version."""
    version = stored_version(con)
    if version is None or version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise WarehouseTooNew(too_new_message(path, version))
    raise WarehouseOutdated(
        f"L'entrepôt {Path(path).name} vient d'une version précédente de Baromètre (schéma {version}, "
        f"{SCHEMA_VERSION} attendu) : lancez « barometre ingest » pour le mettre à niveau, "
        "ou « barometre rebuild » pour le reconstruire à partir des fichiers déposés."
    )


def carried_meta(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The ``meta`` values a rebuild must keep (the data depends on them), whatever the file's
    version: every key but those the writer computes again, with version 1's implicit empty key of
    the row ids made explicit (see :func:`_pin_row_id_salt`)."""
    try:
        rows = con.execute("select key, value from meta order by key").fetchall()
    except duckdb.CatalogException:
        rows = []
    kept = [(k, v) for k, v in rows if k not in RECOMPUTED_META]
    if not any(k == "row_id_salt" for k, _ in kept):
        try:
            taken = con.execute("select count(*) from ingest_files").fetchall()[0][0]
        except duckdb.CatalogException:
            taken = 0
        if taken:
            kept.append(("row_id_salt", ""))
    return kept
