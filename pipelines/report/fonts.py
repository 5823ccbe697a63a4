"""The Unicode font of the PDF (and of the exported charts): « », é, €, narrow no-break spaces.

First choice: Source Sans Pro from the PyPI package ``font-source-sans-pro`` (the app's own font,
OFL licence, installed with the project, no system package needed). Fallback: DejaVu Sans from the
Debian package ``fonts-dejavu-core``. Neither: :class:`FontMissing`, with what to install.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import FontMissing

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class FontFamily:
    name: str
    regular: Path
    bold: Path
    italic: Path
    directory: Path  # registered with vl-convert so PNG charts use the same family


def _source_sans() -> FontFamily | None:
    try:
        import font_source_sans_pro  # type: ignore[import-not-found]
    except ImportError:
        return None
    folder = Path(font_source_sans_pro.font_directory)
    faces = [folder / f"SourceSansPro-{face}.ttf" for face in ("Regular", "Bold", "It")]
    return FontFamily("Source Sans Pro", *faces, folder) if all(f.exists() for f in faces) else None


def _dejavu(folder: Path = DEJAVU_DIR) -> FontFamily | None:
    faces = [folder / f"DejaVuSans{face}.ttf" for face in ("", "-Bold", "-Oblique")]
    return FontFamily("DejaVu Sans", *faces, folder) if all(f.exists() for f in faces) else None


CANDIDATES = (_source_sans, _dejavu)


@functools.cache
def pdf_font() -> FontFamily:
    """The first font family available (see the module docstring), else :class:`FontMissing`."""
    for candidate in CANDIDATES:
        family = candidate()
        if family is not None:
            return family
    raise FontMissing(
        "Aucune police Unicode pour écrire le PDF : installez le paquet Python « font-source-sans-pro » "
        "(uv add font-source-sans-pro) ou le paquet Debian « fonts-dejavu-core » (apt-get install fonts-dejavu-core)."
    )
