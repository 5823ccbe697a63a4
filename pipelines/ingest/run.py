"""Wiring of the ingest stages; file and database access stay here, stages are pure.

For each file: hash → skip if already taken → read → detect → map → services → coerce → validate →
load (one transaction) → ledger. A file that cannot be taken as a whole is refused with a French
reason and recorded; nothing else is lost.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest import load as ld
from pipelines.ingest.adapters import MapContext, closest_format, detect
from pipelines.ingest.adapters.base import Adapter
from pipelines.ingest.coerce import coerce, empty_rejections
from pipelines.ingest.read import LINE_COL, RawTable, read_file
from pipelines.ingest.services import Catalogue
from pipelines.ingest.validate import validate
from pipelines.warehouse import write_snapshot
from schemas import DATASETS

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


ProgressFn = Callable[[int, int, str], None]


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
            if name in IGNORED_NAMES or ".duckdb" in name or name.endswith((".wal", ".lock", ".toml", ".md")):
                continue
            if warehouse is not None and f.resolve().parent == Path(warehouse).resolve().parent and f.name.startswith(Path(warehouse).name):
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
    wait_seconds: float = 30.0,
) -> list[FileReport]:
    """Ingest every new file under ``paths`` into ``warehouse``; one report per file."""
    from pipelines.ingest.mappings import load_mappings

    files = discover(paths, warehouse)
    catalogue = Catalogue.load(plan_path, data_dir)
    extra, mapping_errors = load_mappings(data_dir / "mappings") if data_dir else ([], [])
    reports: list[FileReport] = [FileReport(path=str(p), sha256="", size_bytes=0, message=m) for p, m in mapping_errors]
    with write_snapshot(warehouse, wait_seconds=wait_seconds) as con:
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), path.name)
            reports.append(ingest_file(con, path, catalogue, extra))
        if plan_path is not None and plan_path.exists():
            from pipelines.plan import load_plan_tables

            load_plan_tables(con, plan_path)
        if progress:
            progress(len(files), len(files), "")
    return reports


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, catalogue: Catalogue, extra: list[Adapter]) -> FileReport:
    started = time.monotonic()
    t0 = ld.now()
    try:
        sha, size = sha256_of(path)
    except OSError as err:
        return FileReport(path=str(path), sha256="", size_bytes=0, message=f"Fichier illisible : {err.strerror}.")
    report = FileReport(path=str(path), sha256=sha, size_bytes=size)
    prior = ld.already_loaded(con, sha)
    if prior:
        report.status = "skipped"
        report.message = f"Déjà chargé (fichier n° {prior[0]}, {Path(prior[1]).name}) : rien à faire."
        return report
    ld.forget_refusals(con, sha)
    file_id = ld.new_file_id(con)
    try:
        tables = read_file(path)
        parts = map_tables(tables, catalogue, extra)
    except FileRefused as err:
        report.message = str(err)
    except (OSError, MemoryError) as err:
        report.message = f"Fichier illisible : {err}."
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


@dataclass
class Part:
    dataset: str
    source: str
    adapter: str
    good: pl.DataFrame
    rejections: pl.DataFrame
    unknown_services: list[str]
    notes: list[str]


def map_tables(tables: list[RawTable], catalogue: Catalogue, extra: list[Adapter]) -> list[Part]:
    """Pure part of the ingest: raw tables → validated parts per dataset (or FileRefused)."""
    parts: list[Part] = []
    refusals = []
    for raw in tables:
        adapter = detect(raw, extra)
        if adapter is None:
            refusals.append(unknown_layout_message(raw, extra))
            continue
        ctx = MapContext()
        for mapped in adapter.map(raw, ctx):
            ds = DATASETS[mapped.dataset]
            frame, unknown = catalogue.resolve(mapped.frame)
            typed, coerce_rej = coerce(frame, ds.polars_schema)
            good, val_rej = validate(typed, ds)
            adapter_rej = pl.DataFrame(list(mapped.rejected), schema=empty_rejections().schema, orient="row")
            ragged = pl.DataFrame(
                [(line, None, "columns", str(n), f"Ligne mal formée : {n} champ(s) au lieu de {len(raw.header)}.") for line, n in raw.ragged],
                schema=empty_rejections().schema,
                orient="row",
            )
            rej = pl.concat([r for r in (ragged, adapter_rej, coerce_rej, val_rej) if r.height] or [empty_rejections()])
            parts.append(Part(mapped.dataset, mapped.source, adapter.name, good, rej, unknown, ctx.notes))
    if refusals and not parts:
        raise FileRefused(" ".join(refusals))
    return parts


def unknown_layout_message(raw: RawTable, extra: list[Adapter]) -> str:
    from pipelines.ingest.mappings import mapping_template

    closest, score = closest_format(raw, extra)
    where = f" (feuille « {raw.sheet} »)" if raw.sheet else ""
    found = ", ".join(f"« {h} »" for h in raw.header[:40])
    hint = f" Format le plus proche : {closest.name} ({score:.0%} des colonnes attendues trouvées)." if closest and score > 0 else ""
    return (
        f"Format de fichier non reconnu{where}. Colonnes trouvées : {found}.{hint} "
        f"Pour l'importer, écrivez un fichier de correspondance dans data/mappings/, par exemple :\n{mapping_template(raw)}"
    )


def _load_parts(con: duckdb.DuckDBPyConnection, file_id: int, report: FileReport, tables: list[RawTable], parts: list[Part]) -> None:
    report.rows_read = sum(t.frame.height + len(t.ragged) for t in tables)
    rejected_lines: set[tuple[str | None, int]] = set()
    primary_loaded = 0
    seen_tables: set[str | None] = set()
    for part in parts:
        counts = ld.upsert(con, part.dataset, part.good, file_id)
        ld.insert_rejections(con, file_id, DATASETS[part.dataset].table, part.rejections)
        sheet_key = part.adapter
        if sheet_key not in seen_tables:  # the first dataset of an adapter is its primary one
            seen_tables.add(sheet_key)
            primary_loaded += part.good.height
            report.rows_new += counts.new
            report.rows_updated += counts.updated
            rejected_lines |= {(sheet_key, line) for line in part.rejections[LINE_COL].to_list()}
        report.unknown_services = sorted(set(report.unknown_services) | set(part.unknown_services))
    report.rows_loaded = primary_loaded
    report.rows_rejected = len(rejected_lines)
    report.source = ", ".join(dict.fromkeys(p.source for p in parts))
    report.dataset = ", ".join(dict.fromkeys(DATASETS[p.dataset].table for p in parts))
    report.status = "partial" if report.rows_rejected else "loaded"
    notes = [n for p in parts for n in p.notes]
    msg = [f"{report.rows_loaded} ligne(s) chargée(s) ({report.rows_new} nouvelle(s), {report.rows_updated} mise(s) à jour)"]
    if report.rows_rejected:
        msg.append(f"{report.rows_rejected} écartée(s) (voir les lignes rejetées)")
    if report.unknown_services:
        msg.append("services absents du catalogue : " + ", ".join(report.unknown_services))
    report.message = " ; ".join(msg + notes) + "."


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
