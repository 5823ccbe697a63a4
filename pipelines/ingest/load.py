"""Load stage: the only code that writes rows. Works on the writer connection of
:func:`pipelines.warehouse.write_snapshot`; each file goes in one transaction.

Upsert on the natural key ``(source, source_id)``: a row whose key exists with other values
replaces it (a cumulative export updating a dossier's state), an identical row is left alone
(keeping the ``file_id`` that first brought it), a new key is inserted. Set-based (anti-join),
never row by row. The streamed path appends its batches to a staging table and merges it with
the same statement (:func:`merge_staged`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.ingest.read import LINE_COL
from schemas import DATASETS, Dataset


@dataclass
class LoadCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Taken:
    """The ledger row of a file already taken: its id, path, status and the mapping that applied."""

    file_id: int
    path: str
    status: str
    mapping_sha256: str | None


def already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> Taken | None:
    rows = con.execute(
        "select file_id, path, status, mapping_sha256 from ingest_files "
        "where sha256 = ? and status in ('loaded', 'partial') order by file_id desc limit 1",
        [sha256],
    ).fetchall()
    return Taken(int(rows[0][0]), str(rows[0][1]), str(rows[0][2]), rows[0][3]) if rows else None


def supersede(con: duckdb.DuckDBPyConnection, old: int, new: int) -> None:
    """A file read again (its mapping changed): its earlier ledger row becomes « superseded »
    (« relu ») and its rejected rows go, the new read's rows and rejections are the file's."""
    con.execute("delete from rejected_rows where file_id = ?", [old]).fetchall()
    con.execute(
        "update ingest_files set status = 'superseded', "
        "message = 'Relu (fichier n° ' || ? || ') : sa correspondance a changé. ' || coalesce(message, '') "
        "where file_id = ?",
        [new, old],
    ).fetchall()


def size_seen(con: duckdb.DuckDBPyConnection, size: int) -> bool:
    """Whether a file of exactly this size was already taken (then its hash must be checked first)."""
    return bool(
        con.execute("select count(*) from ingest_files where size_bytes = ?", [size]).fetchall()[0][0]
    )


def row_id_salt(con: duckdb.DuckDBPyConnection) -> bytes:
    """The warehouse's secret key for content ids (``stable_row_ids``), made on first need.

    Kept in ``meta`` (never exported). A warehouse that already took files before the key existed
    keeps unkeyed ids (b""): a new key would give the rows of a re-exported log new ids, and they
    would be counted twice.
    """
    rows = con.execute("select value from meta where key = 'row_id_salt'").fetchall()
    if rows:
        return bytes.fromhex(rows[0][0])
    taken = con.execute("select count(*) from ingest_files").fetchall()[0][0]
    value = "" if taken else secrets.token_hex(16)
    con.execute("insert or replace into meta values ('row_id_salt', ?)", [value]).fetchall()
    return bytes.fromhex(value)


def new_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select coalesce(max(file_id), 0) + 1 from ingest_files").fetchall()[0][0])


def record_file(con: duckdb.DuckDBPyConnection, file_id: int, meta: dict) -> None:
    """Insert (or replace) the ledger row of a file."""
    con.execute("delete from ingest_files where file_id = ?", [file_id]).fetchall()
    cols = ["file_id", *meta]
    con.execute(
        f"insert into ingest_files ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})",
        [file_id, *meta.values()],
    ).fetchall()


def forget_refusals(con: duckdb.DuckDBPyConnection, sha256: str) -> None:
    """A refused file that is tried again replaces its previous refusal in the ledger."""
    con.execute(
        "delete from rejected_rows where file_id in (select file_id from ingest_files where sha256 = ? and status = 'refused')",
        [sha256],
    ).fetchall()
    con.execute("delete from ingest_files where sha256 = ? and status = 'refused'", [sha256]).fetchall()


def stored_rows(dataset: Dataset, frame: pl.DataFrame, file_id: int) -> pa.Table:
    """Validated rows as the table stores them: its columns in order, tagged with ``file_id``."""
    rows = frame.select(dataset.columns).with_columns(pl.lit(file_id, pl.Int64).alias("file_id"))
    return rows.to_arrow(compat_level=pl.CompatLevel.newest())


def is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` holds no row (then new rows are inserted as they are, nothing to compare)."""
    return bool(con.execute(f"select not exists (select 1 from {table})").fetchall()[0][0])


def merge_staged(con: duckdb.DuckDBPyConnection, dataset: Dataset, stage: str) -> LoadCounts:
    """The upsert: the rows of table ``stage`` (shaped by :func:`stored_rows`) merged into the
    dataset's table on ``(source, source_id)``, set-based; ``stage`` is dropped."""
    table = dataset.table
    key = "t.source = s.source and t.source_id = s.source_id"
    differs = " or ".join(
        f"t.{c} is distinct from s.{c}" for c in dataset.columns if c not in ("source", "source_id")
    )
    staged = con.execute(f"select count(*) from {stage}").fetchall()[0][0]
    updated = con.execute(f"delete from {table} t using {stage} s where {key} and ({differs})").fetchall()[0][
        0
    ]
    inserted = con.execute(
        f"insert into {table} select s.* from {stage} s anti join {table} t on {key}"
    ).fetchall()[0][0]
    con.execute(f"drop table {stage}").fetchall()
    return LoadCounts(
        new=int(inserted) - int(updated), updated=int(updated), unchanged=int(staged) - int(inserted)
    )


def upsert(con: duckdb.DuckDBPyConnection, dataset: str, frame: pl.DataFrame, file_id: int) -> LoadCounts:
    """Upsert validated rows of one dataset (canonical columns, ``_line`` ignored)."""
    ds = DATASETS[dataset]
    if frame.height == 0:
        return LoadCounts()
    con.register("_stage_arrow", stored_rows(ds, frame, file_id))
    try:
        if is_empty(con, ds.table):
            con.execute(f"insert into {ds.table} select * from _stage_arrow").fetchall()
            return LoadCounts(new=frame.height)
        con.execute("create or replace temp table _stage as select * from _stage_arrow").fetchall()
        return merge_staged(con, ds, "_stage")
    finally:
        con.unregister("_stage_arrow")


def insert_rejections(
    con: duckdb.DuckDBPyConnection, file_id: int, dataset: str | None, rejections: pl.DataFrame
) -> None:
    if rejections.height == 0:
        return
    frame = rejections.select(
        pl.lit(file_id, pl.Int64).alias("file_id"),
        pl.lit(dataset, pl.String).alias("dataset"),
        pl.col(LINE_COL).alias("line"),
        pl.col("column"),
        pl.col("check"),
        pl.col("value").cast(pl.String).str.slice(0, 500),
        pl.col("message"),
    )
    con.register("_rej_arrow", frame.to_arrow())
    try:
        con.execute("insert into rejected_rows select * from _rej_arrow").fetchall()
    finally:
        con.unregister("_rej_arrow")


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
