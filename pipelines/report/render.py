"""Chart export without a browser: the app's figures (Vega-Lite) → SVG and PNG with vl-convert.

The SVG is rendered once by Vega; the PNG is rasterised from that same SVG (scale 2, ~180 dpi
once printed 180 mm wide), which saves a second Vega run per chart. The French locale travels
in the chart's own config (``pipelines.present.charts.LOCALE``), so month names are French.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

from pipelines.errors import FontMissing
from pipelines.present.charts import Figure
from pipelines.report.fonts import pdf_font

PNG_SCALE = 2


@dataclass(frozen=True)
class Rendered:
    svg: str
    png: bytes


@functools.cache
def engine():
    """vl-convert, with the PDF's font family registered (so PNG text matches the PDF's)."""
    import vl_convert

    with contextlib.suppress(FontMissing):  # charts fall back on the system fonts; the PDF step reports it
        vl_convert.register_font_directory(str(pdf_font().directory))
    return vl_convert


def render(fig: Figure) -> Rendered:
    """SVG and PNG of one figure."""
    vlc = engine()
    svg = vlc.vegalite_to_svg(fig.vega_lite())
    return Rendered(svg, vlc.svg_to_png(svg, scale=PNG_SCALE))


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
