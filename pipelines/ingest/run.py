"""Wiring of the ingest stages; file and database access stay here, stages are pure.

For each file: hash → skip if already taken → read → detect → map → services → coerce → validate →
load (one transaction) → ledger. A file that cannot be taken as a whole is refused with a French
reason and recorded; nothing else is lost.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest import load as ld
from pipelines.ingest import stream
from pipelines.ingest.adapters.base import Adapter
from pipelines.ingest.mapping_files import load_mappings
from pipelines.ingest.parts import Part, map_tables, unknown_layout_message
from pipelines.ingest.read import LINE_COL, RawTable, read_file
from pipelines.ingest.services import Catalogue
from pipelines.warehouse import write_snapshot
from schemas import DATASETS

__all__ = ["FileReport", "Part", "discover", "ingest", "ingest_file", "map_tables", "unknown_layout_message"]

SUPPORTED = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".zip"}
IGNORED_NAMES = {"plan.toml", "services.toml", "readme.md", "readme.txt", ".gitkeep", ".ds_store"}
STATUS_LABELS = {
    "loaded": "chargé",
    "partial": "chargé, lignes écartées",
    "refused": "refusé",
    "skipped": "déjà chargé",
}


@dataclass
class FileReport:
    path: str
    sha256: str
    size_bytes: int
    source: str | None = None
    dataset: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    status: str = "refused"
    message: str = ""
    unknown_services: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


# progress(i, total, name): file i of total is being read; while a large file streams, i grows by
# fractions of that file (a float: i + bytes done / file size)
ProgressFn = Callable[[float, int, str], None]


def discover(paths: Iterable[Path], warehouse: Path | None = None) -> list[Path]:
    """Files to consider under the given files/folders, sorted, internal files left out."""
    out: set[Path] = set()
    for p in paths:
        p = Path(p)
        candidates = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())
        for f in candidates:
            rel_parts = f.relative_to(p).parts if p.is_dir() else (f.name,)
            if any(part.startswith(".") for part in rel_parts) or "mappings" in rel_parts[:-1]:
                continue
            name = f.name.lower()
            if name.startswith("~$"):  # Excel's lock file beside an open workbook
                continue
            if name in IGNORED_NAMES or ".duckdb" in name or name.endswith((".wal", ".lock", ".toml", ".md")):
                continue
            if (
                warehouse is not None
                and f.resolve().parent == Path(warehouse).resolve().parent
                and f.name.startswith(Path(warehouse).name)
            ):
                continue
            out.add(f)
    return sorted(out)


def sha256_of(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def ingest(
    paths: Iterable[Path],
    warehouse: Path,
    *,
    data_dir: Path | None = None,
    plan_path: Path | None = None,
    progress: ProgressFn | None = None,
    wait_seconds: float | None = None,
) -> list[FileReport]:
    """Ingest every new file under ``paths`` into ``warehouse``; one report per file."""
    files = discover(paths, warehouse)
    catalogue = Catalogue.load(plan_path, data_dir)
    extra, mapping_errors = load_mappings(data_dir / "mappings") if data_dir else ([], [])
    reports: list[FileReport] = [
        FileReport(path=str(p), sha256="", size_bytes=0, message=m) for p, m in mapping_errors
    ]
    if wait_seconds is None:
        from pipelines import settings

        wait_seconds = float(settings.resolve("writer_wait"))
    with write_snapshot(warehouse, wait_seconds=wait_seconds) as con:
        for i, path in enumerate(files):
            within = None
            if progress:
                progress(i, len(files), path.name)
                within = _within(progress, i, len(files), path.name)
            reports.append(ingest_file(con, path, catalogue, extra, progress=within))
        if plan_path is not None and plan_path.exists():
            from pipelines.plan import load_plan_tables

            load_plan_tables(con, plan_path)
        from pipelines.indicators.views import create_views

        create_views(con)  # indicator marts, macros and views (issue 4), rebuilt on every snapshot
        if progress:
            progress(len(files), len(files), "")
    return reports


def _within(progress: ProgressFn, i: int, total: int, name: str) -> Callable[[float], None]:
    return lambda fraction: progress(i + fraction, total, name)


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    catalogue: Catalogue,
    extra: list[Adapter],
    progress: Callable[[float], None] | None = None,
) -> FileReport:
    """One file into the warehouse (streamed when large and row-wise, else read in one go).
    ``progress(fraction)`` is called while a large file streams."""
    started = time.monotonic()
    t0 = ld.now()
    try:
        size = path.stat().st_size
    except OSError as err:
        return FileReport(
            path=str(path), sha256="", size_bytes=0, message=f"Fichier illisible : {err.strerror or err}."
        )
    salt = ld.row_id_salt(con)
    plan = None
    if size >= stream.STREAM_MIN_BYTES:
        try:
            plan = stream.plan_stream(path, size, extra)
        except (
            Exception
        ):  # unreadable head, adapter surprised by a sample…: the one-shot reader decides and reports
            plan = None
    hasher = None
    if plan is not None and not ld.size_seen(con, size):
        # a large new file: hash it on the other core while it streams in
        hasher = _Hasher(path)
        report = FileReport(path=str(path), sha256="", size_bytes=size)
        file_id = ld.new_file_id(con)
        try:
            if _ingest_streamed(
                con, plan, file_id, catalogue, report, t0, salt, hasher=hasher, progress=progress
            ):
                report.seconds = round(time.monotonic() - started, 3)
                return report
        except (OSError, MemoryError, duckdb.Error) as err:
            report.status = "refused"
            report.message = f"Import du fichier interrompu, rien n'en a été chargé : {err}."
            ld.record_file(con, file_id, _ledger_meta(report, t0))
            report.seconds = round(time.monotonic() - started, 3)
            return report
        plan = None  # the file needs the one-shot reader after all
    try:
        sha, size = (hasher.result(), size) if hasher is not None else sha256_of(path)
    except OSError as err:
        return FileReport(
            path=str(path), sha256="", size_bytes=0, message=f"Fichier illisible : {err.strerror or err}."
        )
    report = FileReport(path=str(path), sha256=sha, size_bytes=size)
    prior = ld.already_loaded(con, sha)
    if prior:
        report.status = "skipped"
        report.message = f"Déjà chargé (fichier n° {prior[0]}, {Path(prior[1]).name}) : rien à faire."
        return report
    ld.forget_refusals(con, sha)
    file_id = ld.new_file_id(con)
    if plan is not None and _ingest_streamed(
        con, plan, file_id, catalogue, report, t0, salt, progress=progress
    ):
        report.seconds = round(time.monotonic() - started, 3)
        return report
    try:
        tables = read_file(path)
        parts = map_tables(tables, catalogue, extra, salt)
    except FileRefused as err:
        report.message = str(err)
    except (OSError, MemoryError) as err:
        report.message = f"Fichier illisible : {err}."
    except (
        Exception
    ) as err:  # a reader/adapter bug must not stop the other files: refused, with its trace in the message
        from pipelines.ingest.privacy import mask_text

        report.message = mask_text(
            f"Erreur inattendue pendant la lecture de ce fichier ({type(err).__name__} : {err}). "
            "Le fichier n'est pas importé ; signalez-le à l'équipe Baromètre avec ce message."
        )
    else:
        con.execute("begin transaction").fetchall()
        try:
            _load_parts(con, file_id, report, tables, parts)
            meta = _ledger_meta(report, t0)
            ld.record_file(con, file_id, meta)
            con.execute("commit").fetchall()
        except BaseException:
            con.execute("rollback").fetchall()
            raise
        report.seconds = round(time.monotonic() - started, 3)
        return report
    report.status = "refused"
    ld.record_file(con, file_id, _ledger_meta(report, t0))
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _load_parts(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    report: FileReport,
    tables: list[RawTable],
    parts: list[Part],
) -> None:
    """Upsert every part; the file's counts are those of each table's primary dataset."""
    rejected_lines: set[tuple[int, int | None]] = set()
    for part in parts:
        counts = ld.upsert(con, part.dataset, part.good, file_id)
        ld.insert_rejections(con, file_id, DATASETS[part.dataset].table, part.rejections)
        rejected_lines |= {(part.table, line) for line in part.rejections[LINE_COL].to_list()}
        if part.primary:
            report.rows_read += part.rows_read
            report.rows_loaded += part.good.height
            report.rows_new += counts.new
            report.rows_updated += counts.updated
        report.unknown_services = sorted(set(report.unknown_services) | set(part.unknown_services))
    report.rows_rejected = len(rejected_lines)
    report.source = ", ".join(dict.fromkeys(p.source for p in parts))
    report.dataset = ", ".join(dict.fromkeys(DATASETS[p.dataset].table for p in parts))
    report.status = "partial" if report.rows_rejected else "loaded"
    notes = list(dict.fromkeys(n for p in parts for n in p.notes))
    report.message = _summary(report, notes)


def _summary(report: FileReport, notes: list[str]) -> str:
    """The report's French message: rows loaded (new, updated, same), rejected, unknown services, notes."""
    same = report.rows_loaded - report.rows_new - report.rows_updated
    detail = f"{report.rows_new} nouvelle(s), {report.rows_updated} mise(s) à jour" + (
        f", {same} déjà présente(s) à l'identique" if same else ""
    )
    msg = [f"{report.rows_loaded} ligne(s) chargée(s) ({detail})"]
    if report.rows_rejected:
        msg.append(f"{report.rows_rejected} écartée(s) (voir les lignes rejetées)")
    if report.unknown_services:
        msg.append("services absents du catalogue : " + ", ".join(report.unknown_services))
    return " ; ".join(msg + notes) + "."


class _Hasher(threading.Thread):
    """SHA-256 of a file computed on another thread (hashlib releases the GIL on large blocks).

    The streamed reader feeds it the bytes it reads (:meth:`feed`), so that a large file is read
    from disk once; any part it was not fed (the head above the first record, the rest of a file
    whose stream stopped early) it reads from the file itself, in order.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.digest, self.error = path, "", None
        self.sha, self.offset = hashlib.sha256(), 0  # bytes hashed so far
        self.chunks: queue.Queue = queue.Queue(maxsize=4)
        self.start()

    def feed(self, chunk: memoryview, offset: int) -> None:
        """The file's bytes from ``offset`` (chunks come in file order)."""
        self.chunks.put((offset, chunk))

    def run(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                while (item := self.chunks.get()) is not None:
                    offset, chunk = item
                    if offset > self.offset:  # a gap: read it
                        self._read(fh, offset)
                    skip = self.offset - offset  # an overlap: already hashed
                    if skip < len(chunk):
                        self.sha.update(chunk[max(skip, 0) :])
                        self.offset = offset + len(chunk)
                self._read(fh, None)
            self.digest = self.sha.hexdigest()
        except OSError as err:
            self.error = err

    def _read(self, fh, until: int | None) -> None:
        fh.seek(self.offset)
        while until is None or self.offset < until:
            block = fh.read(1 << 20 if until is None else min(1 << 20, until - self.offset))
            if not block:
                return
            self.sha.update(block)
            self.offset += len(block)

    def result(self) -> str:
        if self.is_alive():
            self.chunks.put(None)
        self.join()
        if self.error:
            raise self.error
        return self.digest


def _ingest_streamed(
    con,
    plan: stream.StreamPlan,
    file_id: int,
    catalogue: Catalogue,
    report: FileReport,
    t0,
    salt: bytes,
    hasher: _Hasher | None = None,
    progress: Callable[[float], None] | None = None,
) -> bool:
    """Large row-wise file: batched load (see ``stream``). False, with nothing written, when the file
    needs the one-shot reader instead (e.g. ragged rows that Polars cannot parse). ``salt``: the
    warehouse's key for content ids."""
    table = plan.dataset.table

    def finish(result: stream.StreamResult, reader) -> None:
        if hasher is not None:
            report.sha256 = hasher.result()
            ld.forget_refusals(con, report.sha256)
        rej = stream.fix_line_numbers(plan, reader.records, reader.lines, result.rejections)
        ld.insert_rejections(con, file_id, table, rej)
        report.rows_read = result.rows_read
        report.rows_rejected = rej[LINE_COL].n_unique() if rej.height else 0
        report.rows_loaded = result.rows_read - report.rows_rejected
        report.rows_new, report.rows_updated = result.counts.new, result.counts.updated
        report.unknown_services = result.unknown
        report.source = result.source
        report.dataset = table
        report.status = "partial" if report.rows_rejected else "loaded"
        report.message = _summary(report, result.notes)
        ld.record_file(con, file_id, _ledger_meta(report, t0))

    try:
        stream.stream_load(
            con,
            plan,
            file_id,
            catalogue,
            finish,
            progress=progress,
            salt=salt,
            on_bytes=hasher.feed if hasher else None,
        )
    except (pl.exceptions.PolarsError, stream.NotStreamable):
        return False
    return True


def _ledger_meta(report: FileReport, started_at) -> dict:
    return {
        "path": report.path,
        "sha256": report.sha256,
        "size_bytes": report.size_bytes,
        "source": report.source,
        "dataset": report.dataset,
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_new": report.rows_new,
        "rows_updated": report.rows_updated,
        "rows_rejected": report.rows_rejected,
        "status": report.status,
        "message": report.message,
        "started_at": started_at,
        "finished_at": ld.now(),
    }
