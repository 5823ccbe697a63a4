"""Read a dropped file into a table of strings, whatever its encoding, delimiter or container.

Every value stays text here (identifiers and INSEE codes keep their leading zeros); typing happens
in ``coerce``. Each record carries ``_line``, its line number in the original file, so a rejected
row can be found by the analyst.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.errors import FileRefused

LINE_COL = "_line"
SHEET_COL = "_sheet"
DELIMITERS = (",", ";", "\t")
MAX_FIELD = 10 * 1024 * 1024
csv.field_size_limit(MAX_FIELD)


@dataclass
class RawTable:
    """A file's records as text. ``frame`` has one String column per header plus ``_line``."""

    path: Path
    frame: pl.DataFrame
    header: list[str]
    encoding: str
    delimiter: str | None
    sheet: str | None = None
    extra_header: list[str] | None = None  # second header line (code line) when the format has one
    ragged: list[tuple[int, int]] = field(default_factory=list)  # (line, n_fields) of rows with a wrong field count

    @property
    def name(self) -> str:
        return self.path.name


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → text, with the encoding used. BOMs first, then UTF-8, then a detector, then cp1252."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc.replace("-sig", "")), enc
            except UnicodeDecodeError as err:
                raise FileRefused(f"Le fichier annonce l'encodage {enc} mais contient des octets invalides ({err.reason}).") from err
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # UTF-16 without BOM: many NULs on alternate bytes
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        try:
            return data.decode("utf-16-le"), "utf-16-le"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; TAB that splits the first lines most consistently."""
    sample_lines = [ln for ln in text[:64_000].splitlines()[:30] if ln.strip()]
    if not sample_lines:
        return ","
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        counts = [_count_outside_quotes(ln, delim) for ln in sample_lines]
        head = counts[0]
        if head == 0:
            continue
        agree = sum(1 for c in counts if c == head) / len(counts)
        score = agree * 1000 + head
        if score > best_score:
            best, best_score = delim, score
    return best


def _count_outside_quotes(line: str, delim: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


def parse_text(path: Path, text: str, encoding: str, delimiter: str | None = None) -> RawTable:
    """Parse CSV text (RFC 4180, any of , ; TAB) into a RawTable with exact line numbers."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if header is None:
                if _is_blank(row):
                    start = reader.line_num + 1
                    continue
                header = [h.strip().lstrip("\ufeff") for h in row]
                header_line = reader.line_num
                continue
            if _is_blank(row):
                continue  # rows of only separators (Excel's formatted "used range") carry nothing
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise FileRefused(f"Le fichier n'est pas un CSV lisible (ligne {reader.line_num} : {err}).") from err
    if header is None:
        raise FileRefused("Le fichier est vide : aucune ligne d'en-tête trouvée.")
    del header_line
    return _to_raw(path, header, rows, lines, encoding, delimiter)


def _dedupe_header(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        name = h or f"colonne_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _to_raw(path: Path, header: list[str], rows: list[list[str]], lines: list[int], encoding: str, delimiter: str | None, sheet: str | None = None) -> RawTable:
    header = _dedupe_header(header)
    width = len(header)
    ragged: list[tuple[int, int]] = []
    good_rows, good_lines = [], []
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            # trailing empty cells beyond the header are harmless; anything else is a broken row
            if len(row) > width and _is_blank(row[width:]):
                row = row[:width]
            elif len(row) < width and len(row) > 0:
                row = row + [""] * (width - len(row))
            else:
                ragged.append((line, len(row)))
                continue
        good_rows.append(row)
        good_lines.append(line)
    columns = list(zip(*good_rows, strict=True)) if good_rows else [() for _ in header]
    data: dict[str, list] = {h: [v if v != "" else None for v in col] for h, col in zip(header, columns, strict=True)}
    frame = pl.DataFrame(data, schema={h: pl.String for h in header})
    frame = frame.with_columns(pl.Series(LINE_COL, good_lines, dtype=pl.Int64))
    return RawTable(path=path, frame=frame, header=header, encoding=encoding, delimiter=delimiter, sheet=sheet, ragged=ragged)


def read_xlsx(path: Path) -> list[RawTable]:
    """Each non-empty sheet of a workbook as a RawTable (cells rendered as text, dates ISO)."""
    import datetime as dt
    import zipfile

    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise FileRefused(
            "Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide "
            "(ancien format .xls ou fichier renommé ?) : enregistrez-le au format « Classeur Excel (.xlsx) » ou CSV."
        )
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types on broken workbooks
        raise FileRefused(f"Le classeur Excel est illisible : {err}.") from err
    tables = []
    try:
        for ws in wb.worksheets:
            rows: list[list[str]] = []
            lines: list[int] = []
            header: list[str] | None = None
            for idx, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v, dt) for v in values]
                if _is_blank(cells):
                    continue
                if header is None:
                    header = [c.strip() for c in cells]
                    continue
                rows.append(cells)
                lines.append(idx)
            if header is None:
                continue
            while header and not header[-1]:
                header.pop()
            rows = [r[: len(header)] + [""] * (len(header) - len(r)) for r in rows]
            tables.append(_to_raw(path, header, rows, lines, "xlsx", None, sheet=ws.title))
    finally:
        wb.close()
    if not tables:
        raise FileRefused("Le classeur Excel ne contient aucune feuille avec des données.")
    return tables


def _cell_text(value: object, dt) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ""}


def read_file(path: Path, data: bytes | None = None) -> list[RawTable]:
    """All tables in a dropped file (a CSV gives one, a workbook one per sheet)."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    if suffix == ".xls":
        raise FileRefused(
            "Le format Excel 97-2003 (.xls) n'est pas pris en charge : ouvrez le fichier dans Excel ou LibreOffice "
            "et enregistrez-le en « Classeur Excel (.xlsx) » ou en CSV."
        )
    if data is None:
        data = path.read_bytes()
    if not data.strip(b"\x00\r\n\t ,;\xef\xbb\xbf\xff\xfe"):
        raise FileRefused("Le fichier est vide.")
    if data[:4] == b"PK\x03\x04":
        raise FileRefused("Ce fichier est une archive (ZIP ou classeur) sans extension reconnue : décompressez-la ou renommez-la en .xlsx.")
    if _looks_binary(data):
        raise FileRefused("Ce fichier n'est pas un fichier texte (CSV) ni un classeur Excel : contenu binaire.")
    text, encoding = decode(data)
    if text.strip() == "No data available":
        raise FileRefused("L'export Matomo est vide (« No data available ») : aucune donnée pour la période.")
    return [parse_text(path, text, encoding)]


_CONTROL = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if head.count(0) > len(head) // 4 and head[1::2].count(0) > len(head) // 4:
        return False  # UTF-16 without BOM
    return len(_CONTROL.findall(head)) > max(8, len(head) // 100) or head.count(0) > len(head) // 10
