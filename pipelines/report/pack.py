"""Build a pack into a folder: charts (PNG, SVG), PDF, XLSX, CSV, then ``manifest.json``.

Layout of the folder::

    <stem>.pdf                  the document
    <stem>.xlsx                 the data, one sheet per indicator
    graphiques/<chart>.png|svg  every chart of the PDF
    donnees/<chart>.csv         the data of every chart, plus synthese.csv and sources.csv
    manifest.json               what was written (SHA-256 of each file) and from which data

Building again into the same folder first removes the files listed by the previous manifest (and
nothing else), so a folder never mixes two packs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import BarometreError
from pipelines.plan import Plan
from pipelines.report import content, frames
from pipelines.report.model import Pack
from pipelines.report.pdf import write_pdf
from pipelines.report.render import Rendered, render
from pipelines.report.workbook import csv_bytes, write_xlsx

Progress = Callable[[int, int, str], None]  # (step, total, what): the CLI's bar, the app's st.progress
MANIFEST = "manifest.json"
WRITE_STEPS = 4  # PDF, XLSX, CSV, manifest


@dataclass(frozen=True)
class PackResult:
    out_dir: Path
    pack: Pack
    files: tuple[str, ...]  # paths relative to out_dir, manifest last
    images: dict[str, Rendered]

    @property
    def pdf(self) -> Path:
        return self.out_dir / f"{self.pack.stem}.pdf"

    @property
    def xlsx(self) -> Path:
        return self.out_dir / f"{self.pack.stem}.xlsx"


class _Steps:
    """Counts the steps for a progress callback (which may be None)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(min(self.done, self.total), self.total, what)


def build_funder_pack(
    warehouse: Path,
    plan: Plan,
    funder: str,
    out_dir: Path,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """A funder's pack: its actions and the indicators they target (``UnknownFunder`` lists the known funders)."""
    name = content.resolve_funder(plan, funder)
    linked = {i for a in plan.actions if any(f.funder == name for f in a.funding) for i in a.indicators}
    steps = _Steps(progress, 1 + len(linked) * 3 + 1 + WRITE_STEPS)
    return write_pack(content.funder_content(warehouse, plan, name, as_of, steps), Path(out_dir), steps)


def build_review_report(
    warehouse: Path,
    plan: Plan,
    out_dir: Path,
    review_name: str | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """The periodic review of every indicator: baseline period against review period."""
    funded = any(a.funding for a in plan.actions)
    steps = _Steps(progress, 1 + len(plan.indicators) * 3 + int(funded) + WRITE_STEPS)
    return write_pack(
        content.review_content(warehouse, plan, review_name, as_of, steps), Path(out_dir), steps
    )


def build_handover_pack(
    warehouse: Path,
    plan: Plan,
    out_dir: Path,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """« Bilan et continuité du plan »: what was decided, delivered and gained, where each indicator
    stands, the commitments still running and the next review (:mod:`pipelines.report.handover`)."""
    from pipelines.report.handover import handover_content

    steps = _Steps(progress, 1 + len(plan.indicators) * 3 + 2 + WRITE_STEPS)
    return write_pack(handover_content(warehouse, plan, as_of, steps), Path(out_dir), steps)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_previous(out_dir: Path) -> None:
    """Delete the files of the pack previously built here (as listed by its manifest), nothing else."""
    manifest = out_dir / MANIFEST
    if not manifest.exists():
        return
    try:
        listed = [f["path"] for f in json.loads(manifest.read_text(encoding="utf-8")).get("files", [])]
    except (ValueError, AttributeError, TypeError, KeyError):
        return
    root = out_dir.resolve()
    for rel in listed:
        target = (out_dir / str(rel)).resolve()
        if target.is_relative_to(root) and target.is_file():
            target.unlink()
    manifest.unlink()
    for sub in ("graphiques", "donnees"):
        folder = out_dir / sub
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def write_pack(pack: Pack, out_dir: Path, tick: Callable[[str], None]) -> PackResult:
    """Write every file of ``pack`` into ``out_dir`` (see the module docstring)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_previous(out_dir)
        (out_dir / "graphiques").mkdir(exist_ok=True)
        (out_dir / "donnees").mkdir(exist_ok=True)
        written: list[str] = []
        images: dict[str, Rendered] = {}
        for chart in pack.charts:
            image = images[chart.stem] = render(chart.figure)
            (out_dir / "graphiques" / f"{chart.stem}.svg").write_text(image.svg, encoding="utf-8")
            (out_dir / "graphiques" / f"{chart.stem}.png").write_bytes(image.png)
            written += [f"graphiques/{chart.stem}.png", f"graphiques/{chart.stem}.svg"]
            tick(f"Graphique {chart.stem}")
        write_pdf(pack, images, out_dir / f"{pack.stem}.pdf")
        written.append(f"{pack.stem}.pdf")
        tick("Document PDF")
        sources = frames.sources_data(pack.sources.files)
        write_xlsx(pack, out_dir / f"{pack.stem}.xlsx", sources)
        written.append(f"{pack.stem}.xlsx")
        tick("Classeur XLSX")
        tables = {"synthese": pack.summary_data, **{c.stem: c.data for c in pack.charts}, "sources": sources}
        for part in pack.parts:
            if part.data.height:
                tables[part.stem] = part.data
        if pack.diagnostic is not None and pack.diagnostic.data.height:
            tables["diagnostic"] = pack.diagnostic.data
        if pack.overdue is not None and pack.overdue.height:
            tables["livrables-en-retard"] = pack.overdue
        if pack.policies is not None and pack.policies.matrix.height:
            tables["actions-politiques-publiques"] = pack.policies.matrix
        for name, df in tables.items():
            (out_dir / "donnees" / f"{name}.csv").write_bytes(csv_bytes(df))
            written.append(f"donnees/{name}.csv")
        tick("Fichiers CSV")
        written.sort()
        _write_manifest(pack, out_dir, written)
        tick("Manifeste")
    except OSError as err:
        raise BarometreError(
            f"Impossible d'écrire le dossier dans {out_dir} : {err.strerror or err}."
        ) from err
    return PackResult(out_dir, pack, (*written, MANIFEST), images)


def _write_manifest(pack: Pack, out_dir: Path, written: list[str]) -> None:
    doc = {
        "document": pack.title,
        "kind": pack.kind,
        "authority": pack.authority,
        "plan": pack.plan_title,
        "as_of": pack.as_of.isoformat(),
        **pack.meta,
        "indicators": [s.id for s in pack.sections],
        "sources": pack.sources.as_dict(),
        "files": [
            {"path": rel, "sha256": _sha256(out_dir / rel), "bytes": (out_dir / rel).stat().st_size}
            for rel in written
        ],
    }
    (out_dir / MANIFEST).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def zip_pack(result: PackResult) -> bytes:
    """The pack's folder as a ZIP in memory (entries dated with the pack's date: same pack, same bytes)."""
    stamp = (*result.pack.as_of.timetuple()[:3], 12, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in result.files:
            info = zipfile.ZipInfo(f"{result.pack.stem}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, (result.out_dir / rel).read_bytes())
    return buffer.getvalue()
