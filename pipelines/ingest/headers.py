"""How a mapping names a file's columns: one name for one column, never one name for two.

The reader numbers a repeated header (:func:`pipelines.ingest.read.dedupe_header`: « Commentaire »,
« Commentaire (2) »…). A mapping names a column by the reader's name; the first column of a repeated
header is written « Commentaire (1) », because « Commentaire » alone is the header of several columns
and is refused as ambiguous (:func:`resolve`). A genuine header « X (2) » beside a header « X » reads
as a repeat too: « X » must then be written « X (1) ».
"""

from __future__ import annotations

import re

from pipelines.ingest.adapters.base import norm

NUMBERED = re.compile(r"^(.*) \((\d+)\)$")


class AmbiguousHeader(ValueError):
    """A mapping names a header several columns of the file carry."""

    def __init__(self, name: str, columns: list[str]) -> None:
        super().__init__(name)
        self.name, self.columns = name, columns


def repeated(header: list[str]) -> dict[str, list[str]]:
    """Normal form of each repeated header → its columns, as the reader names them, in order."""
    present = {norm(h): h for h in header}
    groups: dict[str, list[str]] = {}
    for h in header:
        m = NUMBERED.match(h)
        if m and int(m[2]) >= 2 and norm(m[1]) in present:
            groups.setdefault(norm(m[1]), [present[norm(m[1])]]).append(h)
    return groups


def mapping_name(column: str, header: list[str]) -> str:
    """The name a mapping gives this column: the reader's, « X (1) » for the first of a repeated « X »."""
    return f"{column} (1)" if norm(column) in repeated(header) else column


def resolve(name: str, header: list[str]) -> str | None:
    """The one column a mapping's name designates (None: absent); raises :class:`AmbiguousHeader`."""
    key = norm(name)
    groups = repeated(header)
    if key in groups:
        raise AmbiguousHeader(name, groups[key])
    found = [h for h in header if norm(h) == key]
    if len(found) > 1:  # same normal form (case, accents): the reader numbers these, kept for safety
        raise AmbiguousHeader(name, found)
    if found:
        return found[0]
    m = NUMBERED.match(name.strip())
    if m and int(m[2]) == 1 and norm(m[1]) in groups:
        return groups[norm(m[1])][0]
    return None


def column_ref(column: str, header: list[str]) -> str:
    """« colonne 12 (L) »: the column's position and its spreadsheet letter."""
    i = header.index(column) + 1
    letters, n = "", i
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"colonne {i} ({letters})"


def ambiguity_reason(err: AmbiguousHeader, header: list[str]) -> str:
    """French reason naming the header and its columns, and the names that tell them apart."""
    return (
        f"l'en-tête « {err.name} » est celui de {len(err.columns)} colonnes de ce fichier ("
        + ", ".join(column_ref(c, header) for c in err.columns)
        + ") : Baromètre ne peut pas savoir laquelle prendre. Écrivez à la place le nom de la bonne colonne : "
        + " ou ".join(f"« {mapping_name(c, header)} » ({column_ref(c, header)})" for c in err.columns)
        + "."
    )
