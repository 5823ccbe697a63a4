"""Mapping files ``data/mappings/*.toml``: column and value mappings for exports the built-in
adapters don't know. (Full support lands with the ingestion issue; the skeleton reads none.)"""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest.adapters.base import Adapter
from pipelines.ingest.read import RawTable


def load_mappings(folder: Path) -> tuple[list[Adapter], list[tuple[Path, str]]]:
    """(adapters built from valid mapping files, [(file, French error)] for invalid ones)."""
    return [], []


def mapping_template(raw: RawTable) -> str:
    cols = "\n".join(f'# canonical_column = "{h}"' for h in raw.header[:30])
    return f'[match]\ncolumns = ["{raw.header[0] if raw.header else ""}"]\n[target]\ndataset = "usage"  # usage | processing | survey\nsource = "mon-outil"\n[columns]\n{cols}\n'
