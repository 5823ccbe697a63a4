"""Warehouse tables of the dossiers absent from a Démarches Simplifiées export and of their
prunes (the rules are in :mod:`pipelines.ingest.absences`): created by ``ensure_schema`` and by the
schema's step 2 → 3 (:mod:`pipelines.migrations`)."""

from __future__ import annotations

import duckdb

PRUNABLE = ("processing_cases", "usage_events")  # a pruned dossier leaves both

DDL = """
create table if not exists export_dossiers (
    source varchar not null,
    source_id varchar not null,
    procedure varchar not null,
    groupe varchar,
    last_file_id bigint not null,
    absent_from_file_id bigint,
    primary key (source, source_id)
);
comment on table export_dossiers is 'Dossiers des exports Démarches Simplifiées : démarche, groupe instructeur, dernier export qui les liste, export complet dont ils sont absents.';
create table if not exists prunes (
    prune_id bigint primary key,
    file_id bigint not null,
    source varchar not null,
    procedure varchar,
    dossiers bigint not null,
    origin varchar,
    pruned_at timestamp not null,
    restored_at timestamp
);
comment on table prunes is 'Dossiers retirés des indicateurs parce qu''absents d''un export complet (fichier file_id) ; restored_at : remis.';
"""


def create_absence_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """The tables, if missing; the pruned copies take the canonical tables' columns (+ prune_id).
    False when the canonical tables are not there yet (``ensure_schema`` creates them, then these)."""
    con.execute(DDL).fetchall()
    present = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
    }
    if not set(PRUNABLE) <= present:
        return False
    for table in PRUNABLE:
        con.execute(
            f"create table if not exists pruned_{table} as select *, 0::bigint as prune_id from {table} limit 0"
        ).fetchall()
        con.execute(
            f"comment on table pruned_{table} is 'Lignes de {table} retirées des indicateurs (voir prunes).'"
        ).fetchall()
    return True
