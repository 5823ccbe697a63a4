"""Shared helpers for the ingest tests: real files copied into a drop folder, a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.run import ingest

ROOT_DIR = Path(__file__).resolve().parents[3]
FORMATS = ROOT_DIR / "tests" / "fixtures" / "formats"
EXAMPLE_MAPPING = ROOT_DIR / "data" / "mappings" / "exemple-limesurvey.toml.example"

SERVICES = """
[[services]]
slug = "etat-civil"
label = "État civil"
aliases = ["Acte de naissance", "Acte de mariage", "Acte de décès", "Demande d'acte de naissance"]

[[services]]
slug = "stationnement-residentiel"
label = "Stationnement résidentiel"
aliases = ["Carte de stationnement résidentiel", "carte-stationnement-residentiel"]

[[services]]
slug = "urbanisme"
label = "Urbanisme"
aliases = ["Permis de construire", "Déclaration préalable de travaux"]

[[services]]
slug = "inscription-scolaire"
label = "Inscription scolaire"

[[services]]
slug = "accueil-mairie"
label = "Accueil de la mairie"
"""


class DropZone:
    """A data folder with a service catalogue, a warehouse beside it, and query helpers."""

    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.data.mkdir()
        (self.data / "services.toml").write_text(SERVICES, encoding="utf-8")
        self.warehouse = root / "warehouse.duckdb"

    def add(self, *names: str, sub: str = "") -> list[Path]:
        """Copy fixtures (by file name) into the drop folder."""
        folder = self.data / sub if sub else self.data
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name in names:
            out.append(Path(shutil.copy(FORMATS / name, folder / name)))
        return out

    def write(self, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
        path = self.data / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    def mapping(self, name: str, text: str) -> Path:
        folder = self.data / "mappings"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def ingest(self, *paths: Path):
        return ingest(list(paths) or [self.data], self.warehouse, data_dir=self.data, plan_path=None)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def one(self, sql: str, params: list | None = None):
        rows = self.rows(sql, params)
        assert len(rows) == 1, rows
        return rows[0][0] if len(rows[0]) == 1 else rows[0]


@pytest.fixture
def zone(tmp_path) -> DropZone:
    return DropZone(tmp_path)


def by_name(reports) -> dict:
    return {Path(r.path).name: r for r in reports}
