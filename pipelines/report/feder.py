"""The funder pack's section « Indicateurs communs FEDER (RCO14, RCR11) »: a page of the PDF, a sheet
of the workbook and ``donnees/indicateurs-communs-feder.csv``, for a funder that is the FEDER
(figures, method and limits from :mod:`pipelines.indicators.funder_indicators`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.indicators.funder_indicators import SECTION_TITLE, funder_indicators, is_feder, pack_rows
from pipelines.plan import Plan
from pipelines.report.model import Part

STEM = "indicateurs-communs-feder"


def feder_parts(warehouse: Path, plan: Plan, funder: str, as_of: dt.date) -> tuple[Part, ...]:
    """The section for ``funder`` when it is the FEDER, else none."""
    if not is_feder(funder):
        return ()
    entry = next(e for e in funder_indicators(warehouse, plan, as_of) if e["funder"] == funder)
    table, data, paragraphs = pack_rows(entry)
    intro = (
        "Indicateurs communs du règlement (UE) 2021/1058 (annexe I) pour les projets numériques, calculés pour "
        f"les actions financées par {funder} ({', '.join(entry['actions'])}), avec leur définition, leur méthode "
        "et leurs limites."
    )
    return (Part(SECTION_TITLE, STEM, (intro, *paragraphs), table, data),)
