"""The pack's PDF (fpdf2): cover, summary, one page per indicator, actions, method and sources.

A4 portrait, 15 mm margins, a Unicode TrueType font (:mod:`fonts`). Charts are the exported PNGs
(alt text = the chart's French summary), printed at a fixed scale so that chart text has the same
size on every page. The document's creation date is the pack's date, so the same inputs give the
same bytes. Statuses are written as words beside their colour, never as colour alone.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode, XPos, YPos

from pipelines.french import fmt_date
from pipelines.present.status_words import STATUSES, UNKNOWN
from pipelines.report.fonts import pdf_font
from pipelines.report.model import Pack, Part, Section
from pipelines.report.render import PNG_SCALE, Rendered, png_size
from schemas import dataset_for

MARGIN = 15.0
WIDTH = 180.0  # A4 (210 mm) less the margins
MM_PER_PX = 0.25  # chart CSS pixel → mm: a 720 px wide chart fills the text width
MIN_SHRINK = 0.75  # a chart may shrink to 75 % to stay on its page, else it moves to the next
CAPTION_SIZE = 7.5
INK, GREY, RULE = (27, 27, 31), (74, 79, 87), (200, 204, 210)
HEAD_FILL, ROW_FILL = (232, 237, 243), (246, 248, 250)
F = "Corps"

MAX_COLUMN_SHARE = 0.45  # an unbreakable token wider than this (a SHA-256) wraps inside its cell
CELL_PADDING = 1.2


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class PackPDF(FPDF):
    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        family = pdf_font()
        self.add_font(F, "", str(family.regular))
        self.add_font(F, "B", str(family.bold))
        self.add_font(F, "I", str(family.italic))
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 2)
        self.set_title(pack.title)
        self.set_subject(f"{pack.authority} — {pack.plan_title}")
        self.set_author(pack.authority)
        self.set_creator(f"Baromètre {pack.sources.versions['barometre']}")
        self.set_lang("fr-FR")
        self.set_creation_date(dt.datetime.combine(pack.as_of, dt.time(12, 0), tzinfo=dt.UTC))
        self.set_text_color(*INK)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(F, "", 7.5)
        self.set_text_color(*GREY)
        self.set_xy(MARGIN, 8)
        self.cell(WIDTH * 0.75, 4, f"{self.pack.authority} — {self.pack.title}")
        self.cell(WIDTH * 0.25, 4, f"situation au {fmt_date(self.pack.as_of)}", align="R")
        self.set_draw_color(*RULE)
        self.line(MARGIN, 12.5, MARGIN + WIDTH, 12.5)
        self.set_text_color(*INK)
        self.set_y(MARGIN + 4)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(F, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(WIDTH * 0.75, 4, f"Baromètre {self.pack.sources.versions['barometre']} · {self.pack.title}")
        self.cell(WIDTH * 0.25, 4, f"page {self.page_no()} / {{nb}}", align="R")
        self.set_text_color(*INK)

    # ------------------------------------------------------------------ building blocks

    def heading(self, text: str, size: float = 15, before: float = 0) -> None:
        self.ln(before)
        self.set_font(F, "B", size)
        self.multi_cell(WIDTH, size * 0.45, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def paragraph(self, text: str, size: float = 9.5, style: str = "", color=INK, after: float = 2) -> None:
        self.set_font(F, style, size)
        self.set_text_color(*color)
        self.multi_cell(WIDTH, size * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(after)

    def column_widths(self, df: pl.DataFrame, size: float, headings: bool) -> list[float]:
        """Widths (mm) that keep every word whole when the page allows, the rest of the room going to long texts.

        Words are split at ordinary spaces only: ``41 276``, ``23,6 jours`` and ``250 000 €`` hold
        no-break spaces and never wrap.
        """
        need, want = [], []
        for col in df.columns:
            cells = [str(v) for v in df[col].to_list() if v is not None]
            self.set_font(F, "B", size)
            head = [col] if headings else []
            n = max([self.get_string_width(w) for h in head for w in h.split(" ")] or [0])
            x = max([self.get_string_width(h) for h in head] or [0])
            self.set_font(F, "", size)
            n = max([n, *(self.get_string_width(w) for c in cells for w in c.split(" "))])
            x = max([x, *(self.get_string_width(c) for c in cells)])
            pad = 2 * CELL_PADDING + 0.6
            need.append(min(n, WIDTH * MAX_COLUMN_SHARE) + pad)
            want.append(max(x, n) + pad)
        if sum(want) <= WIDTH:
            return [w * WIDTH / sum(want) for w in want]
        if sum(need) >= WIDTH:
            return [w * WIDTH / sum(need) for w in need]
        slack = [w - n for w, n in zip(want, need, strict=True)]
        room = WIDTH - sum(need)
        return [n + room * s / sum(slack) for n, s in zip(need, slack, strict=True)]

    def table(
        self,
        df: pl.DataFrame,
        size: float = 8,
        weights: dict[str, float] | None = None,
        headings: bool = True,
    ) -> None:
        widths = (
            [weights.get(c, 1.0) for c in df.columns] if weights else self.column_widths(df, size, headings)
        )
        self.set_font(F, "", size)
        with super().table(
            width=WIDTH,
            col_widths=widths,
            text_align="LEFT",
            line_height=size * 0.47,
            padding=(0.9, CELL_PADDING),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            cell_fill_color=ROW_FILL,
            cell_fill_mode=TableCellFillMode.ROWS,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
            first_row_as_headings=headings,
        ) as table:
            if headings:
                table.row(list(df.columns))
            for values in df.iter_rows():
                table.row(["" if v is None else str(v) for v in values])
        self.ln(3)

    def facts(self, rows: tuple[tuple[str, str], ...], pairs: int = 1) -> None:
        """Label/value pairs, ``pairs`` side by side."""
        flat = [x for row in rows for x in row]
        width = 2 * pairs
        flat += [""] * (-len(flat) % width)
        names = [f"c{i}" for i in range(width)]
        df = pl.DataFrame(
            [flat[i : i + width] for i in range(0, len(flat), width)],
            schema=dict.fromkeys(names, pl.String),
            orient="row",
        )
        self.table(
            df,
            size=8.2,
            weights={n: (1.0 if i % 2 == 0 else 1.3) for i, n in enumerate(names)},
            headings=False,
        )

    def status_badge(self, key: str, label: str) -> None:
        status = STATUSES.get(key, UNKNOWN)
        y = self.get_y()
        self.set_fill_color(*_rgb(status.color))
        self.circle(x=MARGIN + 1.8, y=y + 2.4, radius=1.8, style="F")
        self.set_fill_color(*ROW_FILL)  # tables fill their rows with the current colour
        self.set_xy(MARGIN + 5, y)
        self.set_font(F, "B", 10.5)
        self.cell(0, 4.8, f"Statut : {label}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def chart(
        self, image: Rendered, alt: str, caption: str | None = None, continued: str | None = None
    ) -> None:
        """The chart at the fixed scale, shrunk (down to ``MIN_SHRINK``) or moved to keep it and its caption on one page."""
        px_w, px_h = png_size(image.png)
        w = min(WIDTH, px_w / PNG_SCALE * MM_PER_PX)
        h = w * px_h / px_w
        self.set_font(F, "I", CAPTION_SIZE)
        below = 4 + (
            self.multi_cell(WIDTH, CAPTION_SIZE * 0.48, caption, dry_run=True, output="HEIGHT")
            if caption
            else 0
        )
        room = self.h - self.b_margin - self.get_y() - below
        if h > room:
            if room / h >= MIN_SHRINK:
                w, h = w * room / h, room
            else:
                self.add_page()
                if continued:
                    self.heading(f"{continued} (suite)", size=11)
        self.image(io.BytesIO(image.png), x=MARGIN + (WIDTH - w) / 2, w=w, h=h, alt_text=alt)
        self.ln(1)
        if caption:
            self.paragraph(caption, size=CAPTION_SIZE, style="I", color=GREY, after=3)


# ---------------------------------------------------------------------------- pages


def _cover(pdf: PackPDF, pack: Pack) -> None:
    pdf.add_page()
    pdf.set_y(45)
    pdf.set_font(F, "", 11)
    pdf.set_text_color(*GREY)
    pdf.cell(WIDTH, 6, pack.plan_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.heading(pack.title, size=24)
    pdf.paragraph(pack.authority, size=13, after=10)
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, pdf.get_y(), MARGIN + WIDTH, pdf.get_y())
    pdf.ln(6)
    df = pl.DataFrame(list(pack.cover), schema={"a": pl.String, "b": pl.String}, orient="row")
    pdf.table(df, size=10, weights={"a": 1.0, "b": 2.6}, headings=False)
    pdf.ln(8)
    pdf.paragraph(
        "Document produit par Baromètre à partir des données importées dans l'entrepôt de la collectivité et du fichier "
        "du plan. Les mêmes données, le même plan et la même date redonnent les mêmes chiffres et les mêmes graphiques : "
        "la dernière partie, « Méthode et sources », indique l'empreinte des données utilisées.",
        size=8.5,
        style="I",
        color=GREY,
    )


def _summary(pdf: PackPDF, pack: Pack) -> None:
    pdf.add_page()
    pdf.start_section("Synthèse")
    pdf.heading("Synthèse")
    pdf.paragraph(pack.intro)
    if pack.summary.height:
        pdf.table(pack.summary, size=7.8)
    pdf.paragraph(
        "Valeurs : 12 mois glissants pour un dossier financeur, période de revue pour une revue ; intervalle de "
        "confiance à 95 % et effectif n à côté de chaque valeur. Le détail de chaque indicateur suit, une page par "
        "indicateur ; la méthode figure en fin de document."
        if pack.kind == "funder"
        else "Le détail de chaque indicateur suit, une page par indicateur ; la méthode figure en fin de document.",
        size=8,
        style="I",
        color=GREY,
    )


def _section(pdf: PackPDF, section: Section, images: dict[str, Rendered]) -> None:
    pdf.add_page()
    pdf.start_section(f"{section.number}. {section.label}")
    pdf.heading(f"{section.number}. {section.label}", size=14)
    pdf.paragraph(section.subtitle, size=8.5, color=GREY, after=2)
    pdf.status_badge(section.status, section.status_label)
    for sentence in section.sentences:
        pdf.paragraph(sentence, size=9, after=1)
    pdf.ln(1.5)
    pdf.facts(section.facts, pairs=2)
    if section.methodology:
        pdf.paragraph(f"Définition : {section.methodology}", size=7.8, color=GREY, after=3)
    for chart in section.charts:
        if chart.heading:
            pdf.paragraph(chart.heading, size=9, style="B", after=1)
        pdf.chart(
            images[chart.stem],
            alt=chart.figure.summary,
            caption=chart.figure.summary,
            continued=f"{section.number}. {section.label}",
        )


def _diagnostic(pdf: PackPDF, pack: Pack, images: dict[str, Rendered]) -> None:
    part = pack.diagnostic
    if part is None:
        return
    pdf.add_page()
    pdf.start_section("Diagnostic")
    pdf.heading("Diagnostic")
    for paragraph in part.paragraphs:
        pdf.paragraph(paragraph, size=9, after=1.5)
    if part.table.height:
        pdf.table(part.table, size=7.8)
    if part.chart:
        pdf.chart(images[part.chart.stem], alt=part.chart.figure.summary, caption=part.chart.figure.summary)


def _part(pdf: PackPDF, part: Part, images: dict[str, Rendered]) -> None:
    pdf.add_page()
    pdf.start_section(part.title)
    pdf.heading(part.title)
    for paragraph in part.paragraphs:
        pdf.paragraph(paragraph, size=9, after=1.5)
    if part.table.height:
        pdf.table(part.table, size=7.8)
    if part.chart:
        pdf.chart(images[part.chart.stem], alt=part.chart.figure.summary, caption=part.chart.figure.summary)


def _actions(pdf: PackPDF, pack: Pack, images: dict[str, Rendered]) -> None:
    pdf.add_page()
    title = "Actions financées" if pack.kind == "funder" else "Actions du plan"
    pdf.start_section(title)
    pdf.heading(title)
    if pack.actions.height:
        pdf.table(pack.actions, size=7.8)
    else:
        pdf.paragraph("Aucune action.")
    if pack.overdue is not None:
        pdf.heading(f"Livrables en retard au {fmt_date(pack.as_of)}", size=11, before=3)
        if pack.overdue.height:
            pdf.paragraph(
                "Échéance passée à cette date sans que le livrable ait été livré (plus ancien d'abord)."
            )
            pdf.table(pack.overdue, size=7.8)
        else:
            pdf.paragraph("Aucun livrable de ces actions n'est en retard à cette date.")
    if pack.policies is not None:
        pdf.heading("Articulation avec les autres politiques publiques", size=11, before=3)
        pdf.paragraph(pack.policies.summary)
        pdf.paragraph(
            "Budget des actions qui concourent à chaque politique (une action qui en sert plusieurs compte dans "
            "chacune) ; la matrice complète, avec les cibles ODD, est dans donnees/actions-politiques-publiques.csv."
        )
        pdf.table(pack.policies.table, size=7.8)
    if pack.actions_chart:
        pdf.chart(
            images[pack.actions_chart.stem],
            alt=pack.actions_chart.figure.summary,
            caption=pack.actions_chart.figure.summary,
        )


def _method(pdf: PackPDF, pack: Pack, sources_table: pl.DataFrame) -> None:
    pdf.add_page()
    pdf.start_section("Méthode et sources")
    pdf.heading("Méthode et sources")
    for text in pack.method:
        pdf.paragraph(text, size=8.5)
    if pack.revisions is not None and pack.revisions.height:
        pdf.heading("Révisions des cibles", size=11, before=2)
        pdf.table(pack.revisions, size=7)
    pdf.heading("Fichiers de données utilisés", size=11, before=2)
    if sources_table.height:
        pdf.table(sources_table, size=7)
    else:
        pdf.paragraph("Aucun fichier importé ne fournit ces indicateurs.", size=8.5)
    s = pack.sources
    rows = ", ".join(f"{table} {n:,}".replace(",", "\u202f") for table, n in s.table_rows.items())
    versions = ", ".join(f"{name} {version}" for name, version in s.versions.items())
    pdf.heading("Reproductibilité", size=11, before=2)
    pdf.facts(
        (
            ("Empreinte des lignes de l'entrepôt (SHA-256)", s.fingerprint),
            ("Lignes par table", rows),
            (f"Plan ({s.plan_file}), SHA-256", s.plan_sha256 or "—"),
            ("Date de situation", fmt_date(pack.as_of)),
            ("Logiciels", versions),
        )
    )


def _dataset_names(tables: str | None) -> str:
    names = []
    for table in (tables or "").split(","):
        try:
            names.append(dataset_for(table.strip()).label)
        except KeyError:
            names.append(table.strip())
    return ", ".join(n for n in names if n) or "—"


def sources_table(pack: Pack) -> pl.DataFrame:
    """The source files as printed: name, data, rows, ingest date, SHA-256."""
    rows = [
        {
            "Fichier": f.name,
            "Données": _dataset_names(f.dataset),
            "Lignes": f"{f.rows_loaded:,}".replace(",", "\u202f"),
            "Importé le": f"{f.ingested_at:%d/%m/%Y %H:%M}" if f.ingested_at else "—",
            "SHA-256": f.sha256,
        }
        for f in pack.sources.files
    ]
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(["Fichier", "Données", "Lignes", "Importé le", "SHA-256"], pl.String),
        orient="row",
    )


def write_pdf(pack: Pack, images: dict[str, Rendered], path: Path) -> None:
    """The whole PDF (see the module docstring)."""
    pdf = PackPDF(pack)
    _cover(pdf, pack)
    _summary(pdf, pack)
    for part in pack.parts:
        _part(pdf, part, images)
    _diagnostic(pdf, pack, images)
    for section in pack.sections:
        _section(pdf, section, images)
    _actions(pdf, pack, images)
    _method(pdf, pack, sources_table(pack))
    pdf.output(str(path))
