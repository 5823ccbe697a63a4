"""``barometre rebuild``: a new warehouse made again from the files recorded in the ledger.

1. Read the ledger (``ingest_files``, in file-number order) and the ``meta`` values the data depends
   on (the key of the row ids) from the warehouse, whatever its schema version.
2. Find each file again: its path as recorded (relative to the current folder), else relative to
   the data folder or its parent, else the same trailing path under the data folder (a moved
   folder); a file counts as found only if its content has the recorded SHA-256.
3. Files once loaded that are missing or changed are listed; the rebuild is then refused unless
   ``force`` (the result would lack their rows). Missing refused files brought nothing: noted only.
4. With the warehouse's writer lock held (no ingest meanwhile; readers go on reading the old file),
   a fresh file ``<warehouse>.rebuild-<pid>`` gets the kept ``meta`` values, then the files through
   the ordinary ingest, in ledger order (one ingest per run of files already in the order the
   ingest sorts them), then replaces the warehouse atomically. On any failure the new file is
   removed and the warehouse is left as it was. When files were left out (``force``), the old
   warehouse is kept beside it as ``<warehouse>.before-rebuild``.
5. Dossiers pruned from the indicators (``pipelines.ingest.absences``) and not restored are pruned
   again, on the export file of the same content, once every file has been taken again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.errors import BarometreError, FilesMissing, WarehouseMissing
from pipelines.ingest.absences import carried_prunes, reapply
from pipelines.migrations import carried_meta
from pipelines.plan_history import carried_history, restore_history
from pipelines.warehouse import read_connection, write_snapshot, writer_lock

TAKEN = ("loaded", "partial")
ProgressFn = Callable[[float, int, str], None]


@dataclass
class LedgerFile:
    file_id: int
    recorded: str  # path as the ledger stores it
    sha256: str
    status: str
    started_at: object = None  # when it was first taken: kept by the rebuild
    finished_at: object = None
    found: Path | None = None  # where the same content is now
    problem: str = ""  # French: why it cannot be taken again

    @property
    def taken(self) -> bool:
        return self.status in TAKEN

    @property
    def path_arg(self) -> str:
        """The path given to the ingest: the recorded one when it still leads to the file (the
        ledger then stays the same), else where the file was found."""
        return self.recorded if self.found == Path(self.recorded) else str(self.found)


@dataclass
class RebuildPlan:
    warehouse: Path
    files: list[LedgerFile]
    meta: list[tuple[str, str]]
    prunes: list[tuple[str, str, str]] = field(default_factory=list)  # (export sha256, source, source_id)
    history: list[tuple] | None = None  # rows of plan_history, kept (see pipelines.plan_history)

    @property
    def lost(self) -> list[LedgerFile]:
        """Files whose rows the rebuilt warehouse would lack."""
        return [f for f in self.files if f.found is None and f.taken]

    @property
    def absent(self) -> list[LedgerFile]:
        """Every file not found again (also refused ones, which brought no rows)."""
        return [f for f in self.files if f.found is None]


@dataclass
class RebuildResult:
    plan: RebuildPlan
    reports: list = field(default_factory=list)  # FileReport of each file taken again
    backup: Path | None = None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def candidates(recorded: str, data_dir: Path) -> list[Path]:
    """Where a recorded path may be now, most likely first."""
    rec = Path(recorded)
    out = [rec]
    if not rec.is_absolute():
        out += [data_dir / rec, data_dir.parent / rec]
    parts = rec.parts[1:] if rec.is_absolute() else rec.parts
    out += [data_dir.joinpath(*parts[i:]) for i in range(len(parts))]
    return list(dict.fromkeys(out))


def locate(entry: LedgerFile, data_dir: Path, progress: Callable[[str], None] | None = None) -> None:
    """Set ``entry.found`` to a file with the recorded content, or ``entry.problem``."""
    changed = None
    for path in candidates(entry.recorded, data_dir):
        if not path.is_file():
            continue
        if progress:
            progress(path.name)
        try:
            same = not entry.sha256 or _sha256(path) == entry.sha256
        except OSError:
            continue
        if same:
            entry.found = path
            return
        changed = changed or path
    entry.problem = "contenu modifié depuis son import" if changed else "introuvable"


def plan_rebuild(warehouse: Path, data_dir: Path, progress: ProgressFn | None = None) -> RebuildPlan:
    """Read the ledger and find its files again (each one hashed: it can take a while)."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise WarehouseMissing(
            f"L'entrepôt {warehouse} n'existe pas : rien à reconstruire (lancez « barometre ingest »)."
        )
    with read_connection(warehouse, check_version=False) as con:
        try:
            rows = con.execute(
                "select file_id, path, coalesce(sha256, ''), status, started_at, finished_at "
                "from ingest_files order by file_id"
            ).fetchall()
        except Exception as err:  # no ledger: not a Baromètre warehouse, or a damaged one
            raise BarometreError(
                f"Le registre des fichiers de l'entrepôt {warehouse.name} est illisible ({err}) : "
                "impossible de le reconstruire."
            ) from err
        meta = carried_meta(con)
        prunes = carried_prunes(con)
        history = carried_history(con)
    files = [LedgerFile(int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], r[5]) for r in rows]
    for n, entry in enumerate(files):
        if progress:
            progress(n, len(files), f"vérification de {Path(entry.recorded).name}")
        locate(entry, Path(data_dir))
    if progress and files:
        progress(len(files), len(files), "")
    return RebuildPlan(warehouse, files, meta, prunes, history)


def runs(files: list[LedgerFile]) -> list[list[LedgerFile]]:
    """Consecutive files in ascending path order (the order in which one ingest takes them)."""
    out: list[list[LedgerFile]] = []
    for f in files:
        if out and Path(out[-1][-1].path_arg) < Path(f.path_arg):
            out[-1].append(f)
        else:
            out.append([f])
    return out


def _keep_dates(con, files: list[LedgerFile]) -> None:
    """The ledger keeps when each file was first taken (the app's « dernier import »), not the
    rebuild's time: a file taken again with the same content and outcome gets its dates back."""
    for f in files:
        if f.sha256:
            con.execute(
                "update ingest_files set started_at = ?, finished_at = ? where sha256 = ? and status = ?",
                [f.started_at, f.finished_at, f.sha256, f.status],
            ).fetchall()


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal"), Path(f"{path}.lock"), *path.parent.glob(f"{path.name}.tmp-*")):
        p.unlink(missing_ok=True)


def rebuild(
    plan: RebuildPlan,
    *,
    data_dir: Path,
    plan_path: Path | None,
    force: bool = False,
    progress: ProgressFn | None = None,
    wait_seconds: float = 30.0,
) -> RebuildResult:
    """Make the warehouse again from the plan's files and swap it in (see the module docstring)."""
    from pipelines.ingest.run import ingest

    lost = plan.lost
    if lost and not force:
        raise FilesMissing(
            f"{len(lost)} fichier(s) du registre manquent ou ont changé : la reconstruction perdrait leurs "
            "lignes ; remettez-les en place, ou relancez avec --force pour reconstruire sans eux."
        )
    warehouse = plan.warehouse
    taken = [f for f in plan.files if f.found is not None]
    result = RebuildResult(plan)
    with writer_lock(warehouse, wait_seconds):
        for stale in warehouse.parent.glob(f"{warehouse.name}.rebuild-*"):
            if not stale.name.endswith(".lock"):
                _remove(stale)
        scratch = warehouse.with_name(f"{warehouse.name}.rebuild-{os.getpid()}")
        _remove(scratch)
        try:
            with write_snapshot(scratch, wait_seconds) as con:
                for key, value in plan.meta:
                    con.execute("insert or replace into meta values (?, ?)", [key, value]).fetchall()
            done = 0
            for run in runs(taken):

                def within(i: float, total: int, name: str, done: int = done) -> None:
                    if progress and i < total:
                        progress(done + i, len(taken), name)

                result.reports += ingest(
                    [Path(f.path_arg) for f in run],
                    scratch,
                    data_dir=data_dir,
                    plan_path=plan_path,
                    progress=within,
                    wait_seconds=wait_seconds,
                )
                done += len(run)
            if not taken:  # nothing to take again: the views still have to exist
                ingest([], scratch, data_dir=data_dir, plan_path=plan_path, wait_seconds=wait_seconds)
            with write_snapshot(scratch, wait_seconds) as con:
                _keep_dates(con, taken)
                restore_history(con, plan.history)
                if reapply(con, plan.prunes):
                    from pipelines.indicators.views import create_views

                    create_views(con)
            if progress:
                progress(len(taken), len(taken), "")
            if lost:
                result.backup = warehouse.with_name(f"{warehouse.name}.before-rebuild")
                shutil.copyfile(warehouse, result.backup)
            os.replace(scratch, warehouse)
            dir_fd = os.open(warehouse.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        finally:
            _remove(scratch)
    return result
