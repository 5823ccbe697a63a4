"""The pack's data as a workbook (XLSX) and as CSV files, with formulas neutralised.

XLSX: sheets « Synthèse », one per indicator (the data of each of its charts, one block per chart),
« Actions », « Sources ». Every text cell is written with ``write_string`` (the workbook is opened
with ``strings_to_formulas`` off), and a text that a spreadsheet would take for a formula
(``= + - @``, tab, carriage return) also carries Excel's quote prefix, so it stays text even once
edited. Numbers are written as numbers, dates as dates. The workbook's creation date is the pack's
date, so the same inputs give the same bytes.

CSV: UTF-8 with BOM, ``;`` separator, decimal comma, ISO dates (``2026-10-31``): what a spreadsheet
set to French opens correctly with a double click. Text cells that start like a formula are
prefixed with an apostrophe.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.french import fmt_date
from pipelines.present.formulas import FORMULA_START, neutralise_formulas
from pipelines.report.model import Pack
from pipelines.report.sources import Sources

MAX_SHEET_NAME = 31
MAX_CELL = 32_767
RESERVED_SHEETS = {"history"}


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def sheet_names(titles: list[str], taken: tuple[str, ...] = ()) -> list[str]:
    """Excel-valid, unique sheet names (≤ 31 characters, no ``[]:*?/\\``, cut at a word)."""
    used = {t.casefold() for t in taken} | RESERVED_SHEETS
    out = []
    for title in titles:
        clean = re.sub(r"[\[\]:*?/\\]", " ", title)
        clean = " ".join(clean.split()).strip("'") or "Feuille"
        if len(clean) > MAX_SHEET_NAME:
            cut = clean[: MAX_SHEET_NAME - 1]
            cut = cut.rsplit(" ", 1)[0] if " " in cut[10:] else cut
            clean = cut.rstrip(" ,;·-") + "…"
        name, k = clean, 2
        while name.casefold() in used:
            suffix = f" ({k})"
            name = clean[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
            k += 1
        used.add(name.casefold())
        out.append(name)
    return out


class _Writer:
    """Typed cell writing: text never becomes a formula, numbers stay numbers."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        add = workbook.add_format
        self.text = add({"valign": "top"})
        self.inert = add({"valign": "top", "quote_prefix": True})
        self.title = add({"bold": True, "font_size": 13})
        self.note = add({"italic": True, "font_color": "#4A4F57"})
        self.block = add({"bold": True, "font_size": 11})
        self.header = add(
            {"bold": True, "bg_color": "#E8EDF3", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.number = add({"num_format": "0.0"})
        self.integer = add({"num_format": "#,##0"})
        self.euro = add({"num_format": '#,##0 "€"'})
        self.p = add({"num_format": "0.0000"})
        self.date = add({"num_format": "dd/mm/yyyy"})
        self.datetime = add({"num_format": "dd/mm/yyyy hh:mm"})

    def string(self, ws, row: int, col: int, text: str, fmt=None) -> None:
        text = text[:MAX_CELL]
        ws.write_string(row, col, text, self.inert if formula_like(text) else (fmt or self.text))

    def value(self, ws, row: int, col: int, value, fmt) -> None:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            self.string(ws, row, col, "oui" if value else "non")
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, dt.datetime):
            ws.write_datetime(row, col, value, self.datetime)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.date)
        else:
            self.string(ws, row, col, str(value))

    def column_format(self, name: str, dtype: pl.DataType):
        if dtype.is_float():
            return self.euro if "(€)" in name else self.p if name == "p" else self.number
        if dtype.is_integer():
            return self.integer
        return None


def _width(df: pl.DataFrame, col: str) -> float:
    longest = max(
        [len(col) * 0.9, *(len(str(v)) for v in df[col].head(200).to_list() if v is not None)], default=8
    )
    if df.schema[col].is_float():
        longest = min(longest, 12)
    return min(max(8.0, longest + 2), 60.0)


def _block(w: _Writer, ws, row: int, title: str | None, df: pl.DataFrame, widths: dict[int, float]) -> int:
    """A titled table at ``row``; returns the next free row (one blank row after)."""
    if title:
        w.string(ws, row, 0, title, w.block)
        row += 1
    for c, name in enumerate(df.columns):
        w.string(ws, row, c, name, w.header)
        widths[c] = max(widths.get(c, 0), _width(df, name))
    formats = [w.column_format(name, dtype) for name, dtype in df.schema.items()]
    for r, values in enumerate(df.iter_rows(), start=row + 1):
        for c, value in enumerate(values):
            w.value(ws, r, c, value, formats[c])
    return row + 1 + df.height + 1


def _sheet(
    w: _Writer, wb, name: str, lines: list[str], blocks: list[tuple[str | None, pl.DataFrame]]
) -> None:
    ws = wb.add_worksheet(name)
    for i, line in enumerate(lines):
        w.string(ws, i, 0, line, w.title if i == 0 else w.note)
    row = len(lines) + 1
    widths: dict[int, float] = {}
    first_header = row + (1 if blocks and blocks[0][0] else 0)
    for title, df in blocks:
        row = _block(w, ws, row, title, df, widths)
    for c, width in widths.items():
        ws.set_column(c, c, width)
    if len(blocks) == 1:
        ws.freeze_panes(first_header + 1, 0)


def _sources_lines(sources: Sources) -> list[str]:
    rows = ", ".join(f"{table} : {n}" for table, n in sources.table_rows.items())
    return [
        f"Empreinte SHA-256 des lignes de l'entrepôt : {sources.fingerprint} (DuckDB {sources.versions['duckdb']} ; lignes : {rows})",
        f"Plan : {sources.plan_file}, SHA-256 {sources.plan_sha256}",
    ]


def write_xlsx(pack: Pack, path: Path, sources_frame: pl.DataFrame) -> None:
    """The workbook (see the module docstring)."""
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    created = dt.datetime.combine(pack.as_of, dt.time(12, 0))
    wb.set_properties(
        {
            "title": pack.title,
            "subject": pack.plan_title,
            "author": "Baromètre",
            "company": pack.authority,
            "created": created,
            "comments": "Produit par Baromètre à partir de l'entrepôt décrit dans la feuille Sources.",
        }
    )
    w = _Writer(wb)
    head = [pack.title, f"{pack.authority} — {pack.plan_title} — situation au {fmt_date(pack.as_of)}"]
    fixed = ["Synthèse", "Diagnostic", "Actions", "Sources"]
    part_names = sheet_names([p.title for p in pack.parts], tuple(fixed))
    names = sheet_names([f"{s.number:02d} {s.label}" for s in pack.sections], (*fixed, *part_names))
    _sheet(
        w,
        wb,
        "Synthèse",
        [
            *head,
            "Valeurs dans l'unité de chaque indicateur (taux en %, écarts en points) ; intervalles de confiance à 95 %.",
        ],
        [(None, pack.summary_data)],
    )
    for name, part in zip(part_names, pack.parts, strict=True):
        _sheet(w, wb, name, [part.title, *part.paragraphs], [(None, part.data)])
    if pack.diagnostic is not None:
        _sheet(
            w,
            wb,
            "Diagnostic",
            ["Diagnostic", *pack.diagnostic.paragraphs],
            [("Maturité numérique par thème (0 à 5), tous répondants", pack.diagnostic.data)],
        )
    for name, section in zip(names, pack.sections, strict=True):
        _sheet(
            w,
            wb,
            name,
            [section.label, section.subtitle],
            [(chart.title, chart.data) for chart in section.charts],
        )
    _sheet(
        w,
        wb,
        "Actions",
        [pack.title, "Actions du plan concernées, budgets et financements (en euros)."],
        [
            (None, pack.actions_data),
            *(
                [(f"Livrables en retard au {fmt_date(pack.as_of)}", pack.overdue)]
                if pack.overdue is not None and pack.overdue.height
                else []
            ),
            *(
                [("Actions et politiques publiques servies (budget de l'action, €)", pack.policies.matrix)]
                if pack.policies is not None
                else []
            ),
        ],
    )
    _sheet(w, wb, "Sources", ["Sources des données", *_sources_lines(pack.sources)], [(None, sources_frame)])
    wb.close()


def csv_bytes(df: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, ``;``, decimal comma, ISO dates; formula-like text prefixed with ``'``."""
    df = df.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S") for c, t in df.schema.items() if isinstance(t, pl.Datetime)
    )
    return ("\ufeff" + neutralise_formulas(df).write_csv(separator=";", decimal_comma=True)).encode("utf-8")


def table_xlsx_bytes(df: pl.DataFrame, sheet: str, lines: list[str]) -> bytes:
    """One table as a workbook of one sheet (title and notes above it), same cell rules as the packs:
    text never becomes a formula, amounts in euros, dates as dates."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties({"title": lines[0] if lines else sheet, "author": "Baromètre"})
    _sheet(_Writer(wb), wb, sheet_names([sheet])[0], lines, [(None, df)])
    wb.close()
    return buffer.getvalue()
