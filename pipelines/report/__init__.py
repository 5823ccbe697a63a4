"""Funder pack, review report and handover pack: the evidence, in one command or one click.

The flow: :mod:`content` gathers the numbers (``pipelines.indicators``, the same calls as
``barometre kpi`` and the app) and the charts (``pipelines.present.charts``, the app's builders) into a
:class:`~pipelines.report.model.Pack`; :mod:`pack` writes it — charts as PNG/SVG (:mod:`render`),
the PDF (:mod:`pdf`), the data as XLSX and CSV (:mod:`workbook`), and ``manifest.json`` with the
SHA-256 of every file and of the data it was made from (:mod:`sources`).
"""

from pipelines.report.content import resolve_funder
from pipelines.report.pack import (
    PackResult,
    build_funder_pack,
    build_handover_pack,
    build_review_report,
    zip_pack,
)

__all__ = [
    "PackResult",
    "build_funder_pack",
    "build_handover_pack",
    "build_review_report",
    "resolve_funder",
    "zip_pack",
]
