"""Text from data (labels, file names, messages) made inert inside Markdown: :func:`md_escape`.

Streamlit renders Markdown; a value placed in it is shown literally, never run as Markdown, HTML, a
link or a directive.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=@&^\"'])")


def md_escape(text: object) -> str:
    """Text from data, made inert inside Markdown.

    Every Markdown/HTML-significant ASCII character is backslash-escaped (so ``[x](http://…)``,
    ``<b>``, ``:red[…]``, ``$…$`` and bare ``www.``/``https://`` autolinks all print as written),
    and line breaks become spaces so one value cannot start a heading or a list.
    """
    if text is None:
        return "—"
    flat = re.sub(r"[\r\n\t\v\f]+", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", flat)
