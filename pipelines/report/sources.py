"""Which data a pack was made from: the ingested files (SHA-256 from the ledger), a fingerprint of the
warehouse rows, the plan file's hash and the software versions.

The fingerprint hashes every row of the canonical tables (DuckDB ``hash`` of the whole row, summed,
so row order does not matter) with the row counts: the same warehouse content gives the same
fingerprint, any added, removed or changed row gives another. DuckDB's ``hash`` is stable for one
DuckDB version, which the pack states beside the fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import __version__
from pipelines.warehouse import read_connection
from schemas import DATASETS


@dataclass(frozen=True)
class SourceFile:
    path: str
    name: str
    sha256: str
    size_bytes: int
    source: str | None
    dataset: str | None  # one table or several, comma-separated (a Démarches Simplifiées export feeds two)
    rows_loaded: int
    rows_rejected: int
    ingested_at: dt.datetime | None

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "source": self.source,
            "dataset": self.dataset,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "ingested_at": self.ingested_at.isoformat(timespec="seconds") if self.ingested_at else None,
        }


@dataclass(frozen=True)
class Sources:
    files: tuple[SourceFile, ...]
    table_rows: dict[str, int]  # canonical table → rows
    fingerprint: str  # SHA-256 over the tables' row counts and row hashes
    plan_file: str
    plan_sha256: str
    versions: dict[str, str]

    def as_dict(self) -> dict:
        return {
            "files": [f.as_dict() for f in self.files],
            "warehouse": {"fingerprint_sha256": self.fingerprint, "rows": self.table_rows},
            "plan": {"file": self.plan_file, "sha256": self.plan_sha256},
            "software": self.versions,
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def software_versions() -> dict[str, str]:
    return {
        "barometre": __version__,
        "duckdb": duckdb.__version__,
        "vl-convert-python": _version("vl-convert-python"),
        "altair": _version("altair"),
        "fpdf2": _version("fpdf2"),
        "xlsxwriter": _version("xlsxwriter"),
    }


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, int]]:
    """SHA-256 over each canonical table's row count and order-free sum of row hashes."""
    digest = hashlib.sha256()
    rows: dict[str, int] = {}
    for ds in DATASETS.values():
        n, total = con.execute(
            f"select count(*), coalesce(sum(hash(t)), 0)::varchar from {ds.table} t"
        ).fetchall()[0]
        rows[ds.table] = int(n)
        digest.update(f"{ds.table}:{n}:{total}\n".encode())
    return digest.hexdigest(), rows


def ingested_files(con: duckdb.DuckDBPyConnection, tables: set[str] | None = None) -> tuple[SourceFile, ...]:
    """Files that brought rows (loaded or partly loaded), oldest ingest first; only those feeding
    ``tables`` when given."""
    found = con.execute(
        """
        select path, sha256, size_bytes, source, dataset, rows_loaded, rows_rejected, finished_at
        from ingest_files
        where status in ('loaded', 'partial')
        order by started_at, file_id
        """
    ).fetchall()
    out = []
    for path, sha, size, source, dataset, loaded, rejected, finished in found:
        feeds = {d.strip() for d in (dataset or "").split(",") if d.strip()}
        if tables is not None and not feeds & tables:
            continue
        out.append(
            SourceFile(
                path, Path(path).name, sha, int(size), source, dataset, int(loaded), int(rejected), finished
            )
        )
    return tuple(out)


def collect_sources(warehouse: Path, plan_path: Path, tables: set[str] | None = None) -> Sources:
    """Everything the pack says about its inputs, read in one short read-only connection."""
    with read_connection(warehouse) as con:
        fingerprint, rows = warehouse_fingerprint(con)
        files = ingested_files(con, tables)
    plan_path = Path(plan_path)
    plan_sha = sha256_file(plan_path) if plan_path.exists() else ""
    return Sources(files, rows, fingerprint, plan_path.name, plan_sha, software_versions())
