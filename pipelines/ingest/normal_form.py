"""The normal form in which headers and values are compared: lower case, no accents, straight
apostrophes, single spaces. Used by the reader (naming repeated headers) and by every adapter."""

from __future__ import annotations

import re
import unicodedata


def norm(text: str) -> str:
    """Header/value normal form for matching: lower case, no accents, straight apostrophes, single spaces."""
    text = (
        text.replace("’", "'")
        .replace("‘", "'")
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
        .replace("°", "o")
    )
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip().lower()
