"""Settings are data (pipelines/settings.py): each one resolves explicit > environment > default, and
each one is documented in the README's « Réglages » table with its variable and default."""

from __future__ import annotations

import re

import pytest

from pipelines import settings
from tests.conftest import ROOT


def _readme_rows() -> dict[str, str]:
    """Variable → default, as the README's « Réglages » table gives them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Réglages", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`BAROMETRE_\w+`", cells[1]):
            rows[cells[1].strip("`")] = cells[2]
    return rows


def test_every_setting_is_in_the_readme_with_its_default():
    rows = _readme_rows()
    missing = [s.env for s in settings.SETTINGS if s.env not in rows]
    assert not missing, f"réglages absents du README : {missing}"
    for s in settings.SETTINGS:
        shown = rows[s.env].strip("`")
        expected = s.default.replace("{data_dir}", "<dossier>") or "(vide)"
        assert shown == expected, (s.env, shown, expected)


def test_readme_lists_no_setting_that_does_not_exist():
    known = {s.env for s in settings.SETTINGS}
    assert set(_readme_rows()) <= known


def test_every_setting_has_french_help():
    for s in settings.SETTINGS:
        assert s.help.strip() and s.help.rstrip().endswith((".", ")")), s.name


def test_resolution_order(monkeypatch):
    monkeypatch.setenv("BAROMETRE_DATA_DIR", "/srv/depot")
    assert settings.resolve("data_dir") == "/srv/depot"
    assert settings.resolve("data_dir", "ici") == "ici"
    assert settings.resolve("warehouse") == "/srv/depot/warehouse.duckdb"
    monkeypatch.delenv("BAROMETRE_DATA_DIR")
    assert settings.resolve("data_dir") == "data"


def test_unknown_setting_is_an_error():
    with pytest.raises(KeyError):
        settings.resolve("nope")
