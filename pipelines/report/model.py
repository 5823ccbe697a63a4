"""What a pack holds before it is written: the charts (same builders as the app), the French texts
for the PDF and the numeric frames for XLSX/CSV. Built by :mod:`content`, written by :mod:`pack`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from pipelines.present.charts import Figure
from pipelines.report.sources import Sources


@dataclass(frozen=True)
class Chart:
    """One exported chart: files ``graphiques/<stem>.png|svg`` and ``donnees/<stem>.csv``."""

    stem: str
    title: str
    figure: Figure
    data: pl.DataFrame  # the numbers behind the chart, French headers
    heading: str | None = None  # printed above the chart in the PDF (for a chart without a title of its own)


@dataclass(frozen=True)
class Section:
    """One indicator: a page of the PDF, a sheet of the workbook."""

    number: int
    id: str
    label: str
    subtitle: str  # measure, direction, scope
    status: str  # key of pipelines.present.status_words.STATUSES
    status_label: str
    facts: tuple[tuple[str, str], ...]  # (French label, French-formatted value)
    sentences: tuple[str, ...]  # the significance sentence, the status reason
    methodology: str
    charts: tuple[Chart, ...]


@dataclass(frozen=True)
class DiagnosticPart:
    """The short « Diagnostic » part: maturity at the diagnostic wave against the latest one, the
    first priorities and the blind spots (a page of the PDF, a sheet, ``donnees/diagnostic.csv``)."""

    paragraphs: tuple[str, ...]
    table: pl.DataFrame  # French-formatted strings (PDF)
    data: pl.DataFrame  # numbers (XLSX, CSV)
    chart: Chart | None


@dataclass(frozen=True)
class PolicyPart:
    """Actions × public policies (see :mod:`pipelines.present.action_links`)."""

    summary: str
    table: pl.DataFrame  # per policy: actions, budget (French-formatted)
    matrix: pl.DataFrame  # pipelines.present.action_links.policy_matrix_data


@dataclass(frozen=True)
class Part:
    """A part of a document beyond the indicators (the handover pack's « Ce qui a été décidé »…): a
    page of the PDF, a sheet of the workbook, ``donnees/<stem>.csv``."""

    title: str
    stem: str
    paragraphs: tuple[str, ...]
    table: pl.DataFrame  # French-formatted strings (PDF)
    data: pl.DataFrame  # numbers (XLSX, CSV)
    chart: Chart | None = None


@dataclass(frozen=True)
class Pack:
    kind: str  # "funder" or "review"
    stem: str  # file name stem: dossier-feder-2026-10-31
    title: str  # « Dossier financeur : FEDER »
    authority: str
    plan_title: str
    as_of: dt.date
    cover: tuple[tuple[str, str], ...]  # (label, value) lines of the cover page
    intro: str  # first paragraph of the summary page
    summary: pl.DataFrame  # French-formatted strings (PDF, app preview)
    summary_data: pl.DataFrame  # numbers (XLSX, CSV)
    sections: tuple[Section, ...]
    actions: pl.DataFrame  # French-formatted strings
    actions_data: pl.DataFrame  # numbers
    actions_chart: Chart | None
    method: tuple[str, ...]  # paragraphs of the method page
    sources: Sources
    meta: dict = field(default_factory=dict)  # funder / review names, periods: copied into manifest.json
    diagnostic: DiagnosticPart | None = None
    # the deliverables of these actions overdue at ``as_of`` (French-formatted, see
    # pipelines.present.action_links.overdue_table); None: not listed
    overdue: pl.DataFrame | None = None
    # the review report's articulation with other public policies: summary sentence, budget per
    # policy (French-formatted, PDF) and the actions × policies matrix (numbers: XLSX, CSV); None: absent
    policies: PolicyPart | None = None
    parts: tuple[Part, ...] = ()  # printed after the summary (the handover pack's parts)
    # every dated revision of the targets (French strings), printed on the method page
    revisions: pl.DataFrame | None = None

    @property
    def charts(self) -> tuple[Chart, ...]:
        extra = (self.actions_chart,) if self.actions_chart else ()
        if self.diagnostic and self.diagnostic.chart:
            extra = (self.diagnostic.chart, *extra)
        extra = tuple(p.chart for p in self.parts if p.chart) + extra
        return tuple(c for s in self.sections for c in s.charts) + extra
