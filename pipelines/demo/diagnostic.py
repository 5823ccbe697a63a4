"""The demo authority's diagnostic files (maturity waves, inventory, territory, consultation), written
under ``exports/diagnostic/`` in the layouts real authorities drop (producers' open-data files,
French spreadsheets, canonical CSVs), so that the demo goes through the one ingest like any export.

Each part lives in its own module ``pipelines.demo.diagnostic_<part>`` with a ``write(folder) ->
list[Path]`` function; :data:`PARTS` lists them in writing order.
"""

from __future__ import annotations

import importlib
from pathlib import Path

PARTS: tuple[str, ...] = ("territory", "equipment", "consultation", "maturity")


def write_diagnostic(exports: Path) -> list[Path]:
    """Write every part's files into ``exports/diagnostic/``; the paths written."""
    folder = Path(exports) / "diagnostic"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for part in PARTS:
        written.extend(importlib.import_module(f"pipelines.demo.diagnostic_{part}").write(folder))
    return written
