"""The warehouse file: table definitions, read-only connections for everyone, one writer.

Concurrency scheme (DuckDB allows either one read-write process or several read-only ones on a
file, never both): **snapshot swap**.

- Readers (app, ``kpi``, reports) open the file read-only for the duration of one query batch and
  close it at once; a lock conflict is retried for a few seconds, then reported in French.
- The writer (ingest) takes an exclusive ``flock`` on ``<warehouse>.lock`` (a second ingest waits,
  then is refused with a clear message), copies the warehouse to ``<warehouse>.tmp-<pid>``, writes
  there (one transaction per file), checkpoints, fsyncs and atomically ``os.replace``-s it over the
  warehouse. Readers never see a half-written file, never block the writer, and pick up the new
  snapshot on their next connection. A crash (even ``kill -9``) leaves the previous snapshot intact;
  the leftover temporary file is removed by the next ingest.

Schema version (:mod:`pipelines.migrations`): the writer migrates an older file on its copy, in one
transaction, before writing anything; readers refuse a file of another version with one French
line (``barometre ingest`` migrates, ``barometre rebuild`` rebuilds from the ledger's files).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines import migrations
from pipelines.absence_tables import create_absence_tables
from pipelines.diagnostic.tables import ensure_referential_tables
from pipelines.errors import WarehouseBusy, WarehouseMissing
from pipelines.published_tables import create_published_tables

LEDGER_DDL = """
create table if not exists ingest_files (
    file_id bigint primary key,
    path varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    source varchar,
    dataset varchar,
    rows_read bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_new bigint not null default 0,
    rows_updated bigint not null default 0,
    rows_rejected bigint not null default 0,
    status varchar not null,
    message varchar,
    started_at timestamp not null,
    finished_at timestamp,
    mapping_sha256 varchar
);
comment on table ingest_files is 'Registre des fichiers déposés : un enregistrement par fichier pris ou refusé.';
create table if not exists rejected_rows (
    file_id bigint not null,
    dataset varchar,
    line bigint,
    "column" varchar,
    "check" varchar,
    value varchar,
    message varchar not null
);
comment on table rejected_rows is 'Lignes écartées, avec la ligne du fichier d''origine et la raison en français.';
create table if not exists meta (key varchar primary key, value varchar);
"""


def dataset_ddl() -> str:
    """CREATE TABLE statements for the canonical tables, with column comments from the models.

    The registry is imported here, not at the top of the module: it imports Pandera (and pandas,
    about 1.5 s), which only the writer needs; the readers (the app, ``kpi``, reports) import this
    module for :func:`read_connection` and :func:`data_version`.
    """
    from schemas import DATASETS

    parts = []
    for ds in DATASETS.values():
        cols = ",\n    ".join(f"{name} {sql_type}" for name, sql_type, _ in ds.sql_columns())
        parts.append(f"create table if not exists {ds.table} (\n    {cols},\n    file_id bigint not null\n);")
        parts.append(f"comment on table {ds.table} is '{ds.label.replace(chr(39), chr(39) * 2)}';")
        for name, _, desc in ds.sql_columns():
            parts.append(f"comment on column {ds.table}.{name} is '{desc.replace(chr(39), chr(39) * 2)}';")
    return "\n".join(parts)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger and canonical tables that are missing; a new file gets the current schema
    version (an older one is left to :func:`pipelines.migrations.upgrade`)."""
    fresh = migrations.stored_version(con) is None
    con.execute(LEDGER_DDL).fetchall()
    con.execute(dataset_ddl()).fetchall()
    create_absence_tables(con)
    create_published_tables(con)
    ensure_referential_tables(con)
    if fresh:
        migrations.set_version(con)


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


@contextlib.contextmanager
def read_connection(
    path: Path, retry_seconds: float = 10.0, check_version: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection, retried while the file is momentarily locked; a file of
    another schema version is refused (WarehouseOutdated, WarehouseTooNew) unless
    ``check_version`` is False (the rebuild reads any version's ledger)."""
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(
            f"L'entrepôt {path} n'existe pas encore : lancez « barometre ingest » pour y charger vos fichiers "
            "(ou « barometre demo » pour la démonstration)."
        )
    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as err:
            if not _is_lock_error(err) or time.monotonic() > deadline:
                raise WarehouseBusy(
                    "L'entrepôt est occupé par un autre programme ; réessayez dans quelques secondes."
                ) from err
            time.sleep(0.1)
    try:
        if check_version:
            migrations.check_readable(con, path)
        yield con
    finally:
        con.close()


def data_version(path: Path) -> str:
    """Cheap fingerprint of the current snapshot (changes at every swap); used as a cache key."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


@contextlib.contextmanager
def writer_lock(path: Path, wait_seconds: float = 30.0) -> Iterator[None]:
    """Exclusive lock for the one writer; a second ingest waits up to ``wait_seconds``."""
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        "Un autre import est déjà en cours sur cet entrepôt ; relancez celui-ci quand il sera terminé."
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def write_snapshot(path: Path, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer: lock, copy, migrate, write, checkpoint, atomic swap. See the module docstring."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(path, wait_seconds):
        for stale in path.parent.glob(f"{path.name}.tmp-*"):
            stale.unlink(missing_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        if path.exists():
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            migrations.upgrade(con, path)
            ensure_schema(con)
            yield con
            con.execute("checkpoint").fetchall()
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
            raise
        con.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
