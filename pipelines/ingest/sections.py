"""Files holding several reports one after the other: Matomo's scheduled e-mail reports.

Matomo's scheduled report renderer (``plugins/ScheduledReports``, ``ReportRenderer/Csv.php`` and
``Tsv.php``) writes, for each report of the e-mail, its title on a line of its own, the report as
the CSV renderer writes it (its own header, then its rows; UTF-8, LF), then an empty line; a report
without data is its title followed by one sentence (« Il n'y a pas de données pour ce rapport. »).

:func:`report_sections` cuts such a text into one table text per report, titled, with the number
of the file's lines before its header (added to its line numbers, so that they are the file's own).
"""

from __future__ import annotations

import csv
import io


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def report_sections(text: str) -> list[tuple[str, str, int]] | None:
    """(title, table text, lines before it) per report with data, when ``text`` is a scheduled report; else None.

    Recognised when the text holds at least two blocks separated by an empty line, each opening on
    a one-field line (its title) and at least one of them followed by a header of several fields.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    blocks: list[tuple[int, list[str]]] = []  # (index of its first line, its lines)
    start = None
    for i, line in enumerate([*lines, ""]):
        if line.strip():
            if start is None:
                start = i
        elif start is not None:
            blocks.append((start, lines[start:i]))
            start = None
    if len(blocks) < 2:
        return None
    tables = [b for b in blocks if len(b[1]) >= 3]
    if not tables:
        return None
    delimiter = "\t" if "\t" in tables[0][1][1] else ","
    for _, block in blocks:
        if len(_fields(block[0], delimiter)) != 1:
            return None
    if not any(len(_fields(block[1], delimiter)) >= 2 for _, block in tables):
        return None
    out = []
    for first, block in blocks:
        if len(block) < 2 or len(_fields(block[1], delimiter)) < 2:
            continue  # a report without data: its title and one sentence
        title = _fields(block[0], delimiter)[0].strip()
        out.append((title, "\n".join(block[1:]), first + 1))
    return out or None
