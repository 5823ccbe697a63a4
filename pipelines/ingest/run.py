"""Wiring of the ingest stages; file and database access stay here, stages are pure.

For each file: hash (``hashing``) → skip if already taken → one of two speeds, same stages →
load (one transaction) → ledger. In one go: read → detect → map → services → coerce → validate
(``read``, ``parts``) → ``load.upsert``. Streamed, for a large row-wise CSV (``stream``): the same
stages batch by batch, the hash computed while the file streams. A file that cannot be taken as a
whole is refused with a French reason and recorded; nothing else is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.diagnostic.referential import plan_referential_path, referential_in_use
from pipelines.diagnostic.tables import load_referential_tables
from pipelines.errors import BarometreError, FileRefused, NotStreamable, PlanError
from pipelines.ingest import absences, stream
from pipelines.ingest import load as ld
from pipelines.ingest.adapters import detect
from pipelines.ingest.adapters.base import Adapter
from pipelines.ingest.hashing import Hasher, sha256_of
from pipelines.ingest.mapping_files import load_mappings
from pipelines.ingest.parts import Part, map_tables
from pipelines.ingest.privacy import mask_text
from pipelines.ingest.read import LINE_COL, read_file
from pipelines.ingest.remedy import Origin, describe, offer_mapping, origin, unknown_values
from pipelines.ingest.services import Catalogue
from pipelines.warehouse import write_snapshot
from schemas import DATASETS

__all__ = ["DossierChanges", "FileReport", "discover", "ingest", "ingest_file"]

SUPPORTED = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".zip"}
IGNORED_NAMES = {"plan.toml", "services.toml", "readme.md", "readme.txt", ".gitkeep", ".ds_store"}
STATUS_LABELS = {
    "loaded": "chargé",
    "partial": "chargé, lignes écartées",
    "refused": "refusé",
    "skipped": "déjà chargé",
    "superseded": "relu depuis",
    "warning": "avertissement",  # the plan: a target or baseline changed without a revision
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
    missing_from_export: int = 0  # known dossiers absent from this full export (see ``absences``)
    # where each table's header was found: {"sheet": name or None, "line": n}
    headers: list[dict] = field(default_factory=list)
    # rows rejected for a value outside the vocabulary: [{column, value, rows}], and the mapping to complete
    unknown_values: list[dict] = field(default_factory=list)
    mapping_file: str | None = None
    mapping_sha256: str | None = None  # the mapping that applies to the file (ledger)
    reread: bool = False  # taken before, read again because its mapping changed
    file_id: int | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass
class DossierChanges:
    """Dossiers taken out of the indicators (``--prune-missing``) or put back (``--restore-pruned``)."""

    pruned: int = 0
    restored: int = 0


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


def ingest(
    paths: Iterable[Path],
    warehouse: Path,
    *,
    data_dir: Path | None = None,
    plan_path: Path | None = None,
    progress: ProgressFn | None = None,
    wait_seconds: float | None = None,
    prune_missing: bool = False,
    restore_pruned: int | None = None,
    dossiers: DossierChanges | None = None,
) -> list[FileReport]:
    """Ingest every new file under ``paths`` into ``warehouse``; one report per file. Then, when
    asked (see ``absences``): ``prune_missing`` takes the dossiers known absent from a full export
    out of the indicators, ``restore_pruned`` puts back those pruned on that export's file number;
    ``dossiers`` receives the counts."""
    files = discover(paths, warehouse)
    catalogue = Catalogue.load(plan_path, data_dir)
    extra, mapping_errors = load_mappings(data_dir / "mappings") if data_dir else ([], [])
    reports: list[FileReport] = [
        FileReport(path=str(p), sha256="", size_bytes=0, message=m) for p, m in mapping_errors
    ]
    try:  # the maturity referential in use: the plan's own, else the shipped one
        catalogue.maturity_referential = referential_in_use(plan_path)
    except PlanError as err:
        catalogue.maturity_referential = err
        where = plan_referential_path(plan_path) or plan_path
        reports.append(FileReport(path=str(where), sha256="", size_bytes=0, message=str(err)))
    if wait_seconds is None:
        from pipelines import settings

        wait_seconds = float(settings.resolve("writer_wait"))
    with write_snapshot(warehouse, wait_seconds=wait_seconds) as con:
        from pipelines.consolidate.build import is_consolidated

        if is_consolidated(con):
            raise BarometreError(
                f"{warehouse} est un entrepôt consolidé (« barometre consolidate ») : on n'y importe pas de fichiers ; "
                "importez-les dans l'entrepôt du membre, exportez-le, puis consolidez à nouveau."
            )
        for i, path in enumerate(files):
            within = None
            if progress:
                progress(i, len(files), path.name)
                within = _within(progress, i, len(files), path.name)
            mappings = data_dir / "mappings" if data_dir else None
            reports.append(ingest_file(con, path, catalogue, extra, progress=within, mappings=mappings))
        if plan_path is not None and plan_path.exists():
            from pipelines.plan import load_plan_tables

            load_plan_tables(con, plan_path)
            from pipelines.plan_history import record_plan_file

            for warning in record_plan_file(con, plan_path):
                reports.append(
                    FileReport(
                        path=str(plan_path), sha256="", size_bytes=0, status="warning", message=warning
                    )
                )
        if not isinstance(catalogue.maturity_referential, PlanError):
            load_referential_tables(con, catalogue.maturity_referential)
        changes = dossiers if dossiers is not None else DossierChanges()
        if restore_pruned is not None:
            changes.restored = absences.restore(con, restore_pruned)
        if prune_missing:
            changes.pruned = absences.prune_missing(con, origin="ingest")
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
    mappings: Path | None = None,
) -> FileReport:
    """One file into the warehouse, in one transaction with its ledger row: streamed when large and
    row-wise (see ``stream``), else read in one go. ``progress(fraction)``: while a large file streams.
    ``mappings``: the folder where a mapping is offered for rows rejected on unknown values.

    A file already taken is skipped, unless the mapping that applies to it changed (its hash in the
    ledger is no longer a current mapping's, or a mapping now takes a file that had rows rejected
    and none before): then it is read again, the upsert keeps each row once, and the earlier
    ledger row becomes « superseded » without its rejected rows (``load.supersede``)."""
    started, t0 = time.monotonic(), ld.now()
    try:
        size = path.stat().st_size
    except OSError as err:
        return _unreadable(path, err)
    salt = ld.row_id_salt(con)
    plan = stream.plan_stream(path, size, extra)
    # a large file of a size never taken cannot be one already loaded: hashed while it streams
    hasher = Hasher(path) if plan is not None and not ld.size_seen(con, size) else None
    sha = ""
    if hasher is None:
        try:
            sha, size = sha256_of(path)
        except OSError as err:
            return _unreadable(path, err)
        prior = ld.already_loaded(con, sha)
        if prior and not _mapping_changed(prior, path, extra):
            return FileReport(
                path=str(path),
                sha256=sha,
                size_bytes=size,
                status="skipped",
                message=f"Déjà chargé (fichier n° {prior.file_id}, {Path(prior.path).name}) : rien à faire.",
            )
        ld.forget_refusals(con, sha)
    else:
        prior = None
    report = FileReport(path=str(path), sha256=sha, size_bytes=size, reread=prior is not None)
    file_id = ld.new_file_id(con)
    report.file_id = file_id
    replaces = prior.file_id if prior else None
    if plan is None or not _load_streamed(
        con, plan, file_id, catalogue, report, t0, salt, hasher, progress, (mappings, replaces)
    ):
        if hasher is not None:  # the stream gave up with nothing written: the file is read in one go
            try:
                report.sha256 = hasher.result()
            except OSError as err:
                return _unreadable(path, err)
            ld.forget_refusals(con, report.sha256)
        _load_in_one_go(con, path, file_id, catalogue, extra, report, t0, salt, (mappings, replaces))
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _mapping_changed(prior: ld.Taken, path: Path, extra: list[Adapter]) -> bool:
    """Whether the mapping that applies to a file taken before is not the one recorded with it."""
    current = {a.spec.sha256 for a in extra if getattr(a, "spec", None) is not None}
    if prior.mapping_sha256 is not None:
        return prior.mapping_sha256 not in current
    if prior.status != "partial" or not current:
        return False
    try:  # rows were rejected and no mapping applied: does one take the file now?
        tables = read_file(path)
    except Exception:  # unreadable now: the read proper will say why
        return False
    return any(getattr(detect(raw, extra), "spec", None) is not None for raw in tables)


def _unreadable(path: Path, err: OSError) -> FileReport:
    return FileReport(
        path=str(path), sha256="", size_bytes=0, message=f"Fichier illisible : {err.strerror or err}."
    )


def _load_streamed(
    con: duckdb.DuckDBPyConnection,
    plan: stream.StreamPlan,
    file_id: int,
    catalogue: Catalogue,
    report: FileReport,
    t0,
    salt: bytes,
    hasher: Hasher | None,
    progress: Callable[[float], None] | None,
    after: tuple[Path | None, int | None] = (None, None),
) -> bool:
    """Large row-wise file, batch by batch (see ``stream``). False, with nothing written, when the
    file needs the one-shot reader instead (e.g. ragged rows that Polars cannot parse). ``hasher``:
    the file's hash, fed by the stream, when not known yet; ``salt``: the warehouse's key for
    content ids."""
    feed = hasher.feed if hasher is not None else None
    try:
        with stream.stream_load(con, plan, file_id, catalogue, progress, salt=salt, on_bytes=feed) as result:
            if hasher is not None:
                report.sha256 = hasher.result()
                ld.forget_refusals(con, report.sha256)
            ld.insert_rejections(con, file_id, plan.dataset.table, result.rejections)
            report.rows_read = result.rows_read
            report.rows_rejected = result.rejections[LINE_COL].n_unique() if result.rejections.height else 0
            report.rows_loaded = result.rows_read - report.rows_rejected
            report.rows_new, report.rows_updated = result.counts.new, result.counts.updated
            report.unknown_services = result.unknown
            remedy_notes = _remedy(
                report, result.rejections, result.source, plan.header, origin(plan.adapter), after[0]
            )
            _conclude(report, result.source, plan.dataset.table, result.notes + remedy_notes)
            _replace(con, after[1], file_id)
            ld.record_file(con, file_id, _ledger_meta(report, t0))
    except (pl.exceptions.PolarsError, NotStreamable):
        return False
    except (OSError, MemoryError, duckdb.Error) as err:
        report.status = "refused"
        report.message = f"Import du fichier interrompu, rien n'en a été chargé : {err}."
        ld.record_file(con, file_id, _ledger_meta(report, t0))
    return True


def _load_in_one_go(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_id: int,
    catalogue: Catalogue,
    extra: list[Adapter],
    report: FileReport,
    t0,
    salt: bytes,
    after: tuple[Path | None, int | None] = (None, None),
) -> None:
    """Read → map → prepare the whole file, then load its parts; a refusal is recorded with its
    reason. ``after``: the mappings folder (a mapping offered for unknown values) and the ledger row
    this read replaces."""
    try:
        parts = map_tables(read_file(path), catalogue, extra, salt, cog=_cog_communes(con))
    except FileRefused as err:
        report.message = str(err)
    except (OSError, MemoryError) as err:
        report.message = f"Fichier illisible : {err}."
    except Exception as err:  # a reader/adapter bug must not stop the other files: refused, with its trace
        report.message = mask_text(
            f"Erreur inattendue pendant la lecture de ce fichier ({type(err).__name__} : {err}). "
            "Le fichier n'est pas importé ; signalez-le à l'équipe Baromètre avec ce message."
        )
    else:
        con.execute("begin transaction").fetchall()
        try:
            _load_parts(con, file_id, report, parts, after[0])
            _replace(con, after[1], file_id)
            ld.record_file(con, file_id, _ledger_meta(report, t0))
            con.execute("commit").fetchall()
        except BaseException:
            con.execute("rollback").fetchall()
            raise
        return
    report.status = "refused"
    ld.record_file(con, file_id, _ledger_meta(report, t0))


def _cog_communes(con: duckdb.DuckDBPyConnection) -> frozenset[str] | None:
    """The communes of the Code officiel géographique loaded in the warehouse (None: no COG yet)."""
    try:
        rows = con.execute("select distinct commune from territory where source = 'insee-cog'").fetchall()
    except duckdb.CatalogException:  # a warehouse without the territory table
        return None
    return frozenset(c for (c,) in rows) or None


def _load_parts(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    report: FileReport,
    parts: list[Part],
    mappings: Path | None = None,
) -> None:
    """Upsert every part; the file's counts are those of each table's primary dataset."""
    rejected_lines: set[tuple[int, int | None]] = set()
    extra_notes: list[str] = []
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
        if part.primary:
            report.headers.append({"sheet": part.sheet, "line": part.header_line})
    for part in parts:  # after every upsert: a dossier listed again is back in the tables
        if isinstance(part.scope, absences.ExportScope):
            found = absences.after_load(con, file_id, part.scope)
            report.missing_from_export += found.missing
            extra_notes += found.notes()
    report.rows_rejected = len(rejected_lines)
    first = parts[0]
    remedy_notes = _remedy(
        report,
        pl.concat([p.rejections for p in parts if p.rejections.height] or [first.rejections]),
        first.source,
        first.header or [],
        Origin(first.format, first.mapping, first.mapping_sha256),
        mappings,
    )
    _conclude(
        report,
        ", ".join(dict.fromkeys(p.source for p in parts)),
        ", ".join(dict.fromkeys(DATASETS[p.dataset].table for p in parts)),
        list(dict.fromkeys([*(n for p in parts for n in p.notes), *extra_notes])) + remedy_notes,
    )


def _remedy(
    report: FileReport, rejections: pl.DataFrame, source: str, header: list[str], where: Origin, mappings
) -> list[str]:
    """Unknown values grouped on the report, the mapping offered for them; the notes to add. The
    mapping recorded with the file is the one that applied, or the one just offered (it applies
    from now on, translating nothing until completed)."""
    report.mapping_sha256 = where.mapping_sha256
    if report.reread:
        notes = ["relu : sa correspondance a changé depuis le précédent import (lignes comptées une fois)"]
    else:
        notes = []
    report.unknown_values = unknown_values(rejections)
    if not report.unknown_values:
        return notes
    notes.append("valeurs inconnues : " + ", ".join(describe(report.unknown_values)))
    if mappings is not None:
        offer = offer_mapping(Path(mappings), source, header, where, report.unknown_values)
        if offer.path is not None:
            report.mapping_file = str(offer.path)
        if offer.sha256 is not None:
            report.mapping_sha256 = offer.sha256
        if offer.message:
            notes.append(offer.message)
    return notes


def _replace(con: duckdb.DuckDBPyConnection, old: int | None, new: int) -> None:
    if old is not None:
        ld.supersede(con, old, new)


def _conclude(report: FileReport, source: str, dataset: str, notes: list[str]) -> None:
    """The loaded file's source, tables, status and French message (both speeds)."""
    report.source, report.dataset = source, dataset
    report.status = "partial" if report.rows_rejected else "loaded"
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
        "mapping_sha256": report.mapping_sha256,
    }
