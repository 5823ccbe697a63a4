"""Read a dropped file into tables of strings, whatever its encoding, delimiter or container.

Every value stays text here (identifiers and INSEE codes keep their leading zeros); typing happens
in ``coerce``. Each record carries ``_line``, its line number in the original file (the row number
for a workbook), so a rejected row can be found by the analyst.

What is understood:

- encodings: UTF-8 with or without BOM, UTF-16 LE/BE with BOM (Matomo), UTF-16 without BOM,
  Windows-1252 when UTF-8 fails, then a detector as last resort;
- delimiters ``,`` ``;`` TAB, sniffed on the first records (quotes respected); RFC 4180 quoting
  with line breaks inside fields;
- rows made only of separators (Excel's formatted "used range") and blank rows are dropped;
- title lines above the header (rows of one or two filled cells, « Extraction du 02/11/2025 », and
  blank rows between them) are skipped, in text files and on every sheet of a workbook; the
  header's line is kept (``RawTable.header_line``) for the report;
- two header lines, long labels then column codes (SDES « DiDo » files such as Sitadel): the code
  line becomes the header and the labels are kept in ``RawTable.labels``;
- XLSX/XLSM workbooks (each non-empty sheet is a table; date cells rendered ISO);
- ZIP archives whose members are CSV/TSV/TXT/XLSX exports (e.g. the legacy « Je donne mon avis »
  export, one ``Avis_<year>.csv`` per year), with limits against zip bombs.
- JSON files holding a list of records (Decidim's JSON export): nested keys flattened with ``/`` as
  in the same tool's CSV, ``_line`` = the record's rank in the list.

Speed: a clean text file (no line break inside quotes, every row the header's width) is parsed by
Polars; anything else goes through Python's ``csv`` module, which gives exact line numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.normal_form import norm
from pipelines.ingest.sections import report_sections

LINE_COL = "_line"
SHEET_COL = "_sheet"
DELIMITERS = (",", ";", "\t")
MAX_FIELD = 10 * 1024 * 1024
csv.field_size_limit(MAX_FIELD)

# ZIP archives: what an export archive can reasonably hold
ZIP_MAX_MEMBERS = 500
ZIP_MAX_MEMBER_BYTES = 1024 * 1024 * 1024  # 1 GiB uncompressed per member
ZIP_MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed, above a few megabytes
TABLE_SUFFIXES = {".csv", ".tsv", ".txt"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class RawTable:
    """A file's records as text. ``frame`` has one String column per header plus ``_line``."""

    path: Path
    frame: pl.DataFrame
    header: list[str]
    encoding: str
    delimiter: str | None
    sheet: str | None = None
    extra_header: list[str] | None = None  # long labels above a code header (DiDo files), if any
    ragged: list[tuple[int, int]] = field(
        default_factory=list
    )  # (line, n_fields) of rows with a wrong field count
    member: str | None = None  # member name when the table comes from a ZIP archive
    header_line: int = 1  # line of the file (row of the sheet) the header was found on
    section: str | None = None  # title of its section in a file holding several reports (Matomo)

    @property
    def name(self) -> str:
        """File name the table comes from (the member's name inside an archive)."""
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def container(self) -> str | None:
        """The archive's file name when the table is a member of one."""
        return self.path.name if self.member else None

    @property
    def where(self) -> str:
        """French description of where the table sits, for messages ('' for a plain file)."""
        parts = []
        if self.member:
            parts.append(f"fichier « {self.member} » de l'archive")
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.section:
            parts.append(f"rapport « {self.section} »")
        return ", ".join(parts)

    @property
    def labels(self) -> list[str] | None:
        return self.extra_header


# --------------------------------------------------------------------------------------------
# bytes → text


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → text, with the encoding used. BOMs first, then UTF-8, then cp1252, then a detector."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc.replace("-sig", "")), enc
            except UnicodeDecodeError as err:
                raise FileRefused(
                    f"Le fichier annonce l'encodage {enc} mais contient des octets invalides ({err.reason})."
                ) from err
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


# --------------------------------------------------------------------------------------------
# delimiter and header


def _records(text: str, delimiter: str, limit: int) -> list[tuple[list[str], int, int]]:
    """The first ``limit`` records as (fields, first line, last line); a cut last record is dropped."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False
    )
    out: list[tuple[list[str], int, int]] = []
    start = 1
    try:
        for row in reader:
            out.append((row, start, reader.line_num))
            start = reader.line_num + 1
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; TAB that splits the first records most consistently."""
    sample = text[:128_000]
    cut = len(sample) < len(text)
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        records = _records(sample, delim, 40)
        if cut and len(records) > 1:
            records = records[:-1]
        counts = [len(r) for r, _, _ in records if not _is_blank(r)]
        if not counts:
            continue
        width = max(set(counts), key=lambda c: (counts.count(c), c))
        if width <= 1:
            continue
        agree = counts.count(width) / len(counts)
        score = agree * 1000 + min(width, 999)
        if score > best_score:
            best, best_score = delim, score
    return best


def _is_blank(row: list[str]) -> bool:
    return not "".join(row).strip()


_CODE = re.compile(r"^(?:[A-Z][A-Z0-9_]*|[a-z][a-z0-9_]*)$")


def _looks_like_codes(row: list[str], header: list[str]) -> bool:
    """A second header line of column codes under a line of long labels (SDES « DiDo » files)."""
    cells = [c.strip() for c in row]
    if len(cells) < 3 or len(cells) != len(header) or not all(cells) or len(set(cells)) != len(cells):
        return False
    if not all(_CODE.match(c) for c in cells):
        return False
    labelish = sum(1 for h in header if " " in h.strip() or not h.isascii())
    return labelish >= len(header) / 2 and sum(1 for c in cells if "_" in c) >= len(cells) / 3


@dataclass(frozen=True)
class Head:
    """Where a text table's header is and where its data starts (from its first records)."""

    header: list[str]
    labels: list[str] | None
    skip_records: int  # records before the first data record (titles, header, code line)
    skip_lines: int  # physical lines before the first data record
    line: int = 1  # physical line (row of a sheet) the header starts on


HEAD_RECORDS = 12  # records looked at to find the header
MAX_TITLE_LINES = 6


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def _header_index(records: list[tuple[list[str], int, int]], idx: int) -> int:
    """Skip title lines: rows of at most two filled cells (« Mairie — suivi des demandes 2025 »,
    « Extraction du | 02/11/2025 ») that a wider row follows, and the blank rows between them, at
    most :data:`MAX_TITLE_LINES` of them; the first row no wider row follows is the header."""
    filled = [_filled(r) for r, _, _ in records]
    j, titles = idx, 0
    while j < len(records) and titles < MAX_TITLE_LINES:
        if filled[j] == 0:
            j += 1
            continue
        if filled[j] > 2 or max(filled[j + 1 :], default=0) <= filled[j]:
            return j
        titles += 1
        j += 1
    return idx


def _locate_header(records: list[tuple[list[str], int, int]]) -> Head | None:
    """Header = first non-blank record, after title lines (see :func:`_header_index`); a code line
    is promoted."""
    idx = 0
    while idx < len(records) and _is_blank(records[idx][0]):
        idx += 1
    if idx == len(records):
        return None
    idx = _header_index(records, idx)
    header = [h.strip().lstrip("\ufeff") for h in records[idx][0]]
    while header and not header[-1]:
        header.pop()
    first_line = records[idx][1]
    last_line = records[idx][2]
    skip = idx + 1
    labels = None
    after = next((r for r, _, _ in records[skip + 1 :] if not _is_blank(r)), None)
    if (
        skip < len(records)
        and _looks_like_codes(records[skip][0][: len(header)], header)
        and _is_blank(records[skip][0][len(header) :])
        and after is not None
        and not _looks_like_codes(after[: len(header)], header)
    ):
        labels = header
        header = [c.strip() for c in records[skip][0][: len(header)]]
        last_line = records[skip][2]
        skip += 1
    return Head(header, labels, skip, last_line, first_line)


def sniff_head(text: str, delimiter: str | None = None) -> tuple[str, Head | None]:
    """The delimiter (sniffed unless given) and the header of CSV text, read from its first
    records; no header when the text holds none. Shared by the one-shot and the streamed readers."""
    delimiter = delimiter or sniff_delimiter(text)
    return delimiter, _locate_header(_records(text[:512_000], delimiter, HEAD_RECORDS))


def dedupe_header(header: list[str]) -> list[str]:
    """Column names as the frame holds them: empty ones named, repeated ones numbered.

    « Commentaire », « Commentaire (2) »…: a header repeated, or equal to an earlier one but for case
    and accents, gets the next free number, so no two names share a normal form (a mapping's name
    then designates one column, see :mod:`pipelines.ingest.headers`).
    """
    seen: dict[str, int] = {}
    taken: set[str] = set()
    out = []
    for i, h in enumerate(header):
        name = h or f"colonne_{i + 1}"
        key = norm(name)
        if key in taken:
            n = seen.get(key, 1) + 1
            while norm(f"{name} ({n})") in taken:
                n += 1
            seen[key] = n
            name = f"{name} ({n})"
        else:
            seen[key] = 1
        taken.add(norm(name))
        out.append(name)
    return out


# --------------------------------------------------------------------------------------------
# text → table


def parse_text(
    path: Path, text: str, encoding: str, delimiter: str | None = None, *, member: str | None = None
) -> RawTable:
    """Parse CSV text (RFC 4180, any of , ; TAB) into a RawTable with exact line numbers."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    delimiter, head = sniff_head(text, delimiter)
    if head is None or not head.header:
        raise FileRefused("Le fichier est vide : aucune ligne d'en-tête trouvée.")
    raw = _fast_parse(path, text, encoding, delimiter, head)
    if raw is None:
        raw = _exact_parse(path, text, encoding, delimiter, head)
    raw.member = member
    raw.extra_header = head.labels
    raw.header_line = head.line
    return raw


def _fast_parse(path: Path, text: str, encoding: str, delimiter: str, head: Head) -> RawTable | None:
    """Polars parse when every record is one physical line of the header's width; else None."""
    header = dedupe_header(head.header)
    pos = 0
    for _ in range(head.skip_lines):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return None
    body = text[pos:]
    lines = body.count("\n") + (0 if body.endswith("\n") else 1) if body.strip() else 0
    try:
        frame = parse_records(body.encode("utf-8"), header, delimiter)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    if frame.height != lines or frame.width != len(header):
        return None  # line breaks inside quotes, ragged rows…: the exact reader decides
    frame = tidy_records(frame, header, head.skip_lines + 1, quoted_empty='""' in body)
    return RawTable(path=path, frame=frame, header=header, encoding=encoding, delimiter=delimiter)


def parse_records(data: bytes, header: list[str], delimiter: str) -> pl.DataFrame:
    """UTF-8 CSV records (no header line) → one String column per header name (Polars; raises
    a Polars error on what it cannot parse). Shared by the one-shot and the streamed readers."""
    return pl.read_csv(
        data,
        has_header=False,
        new_columns=header,
        schema={h: pl.String for h in header},
        separator=delimiter,
        quote_char='"',
        raise_if_empty=False,
    )


def tidy_records(
    frame: pl.DataFrame, header: list[str], first_line: int, quoted_empty: bool = True
) -> pl.DataFrame:
    """Empty cells → null, ``_line`` from ``first_line`` (one record per line), blank rows dropped.

    ``quoted_empty=False`` says the text has no ``""``: Polars then gives no empty string at all.
    """
    empties = (
        [pl.when(pl.col(h) == "").then(None).otherwise(pl.col(h)).alias(h) for h in header]
        if quoted_empty
        else []
    )
    frame = frame.with_columns(
        *empties, pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64).alias(LINE_COL)
    )
    if not header or frame.height == 0:
        return frame
    # a row is blank when every cell is empty or spaces; most rows show a value in their first cell
    first = pl.col(header[0])
    maybe = frame.select(first.is_null() | first.str.contains(r"^\s*$")).to_series()
    if not maybe.any():
        return frame
    blank = pl.all_horizontal([pl.col(h).is_null() | (pl.col(h).str.strip_chars() == "") for h in header])
    return frame.filter(~blank)


def _exact_parse(path: Path, text: str, encoding: str, delimiter: str, head: Head) -> RawTable:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False
    )
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    n = 0
    try:
        for row in reader:
            n += 1
            if n > head.skip_records and "".join(row).strip():
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise FileRefused(f"Le fichier n'est pas un CSV lisible (ligne {reader.line_num} : {err}).") from err
    return _to_raw(path, head.header, rows, lines, encoding, delimiter)


def _to_raw(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    lines: list[int],
    encoding: str,
    delimiter: str | None,
    sheet: str | None = None,
) -> RawTable:
    header = dedupe_header(header)
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
    data: dict[str, list] = {
        h: [v if v != "" else None for v in col] for h, col in zip(header, columns, strict=True)
    }
    frame = pl.DataFrame(data, schema={h: pl.String for h in header})
    frame = frame.with_columns(pl.Series(LINE_COL, good_lines, dtype=pl.Int64))
    return RawTable(
        path=path,
        frame=frame,
        header=header,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        ragged=ragged,
    )


# --------------------------------------------------------------------------------------------
# workbooks


def read_xlsx(path: Path, data: bytes | None = None, *, member: str | None = None) -> list[RawTable]:
    """Each non-empty sheet of a workbook as a RawTable (cells rendered as text, dates ISO)."""
    from openpyxl import load_workbook

    source = io.BytesIO(data) if data is not None else path
    if not zipfile.is_zipfile(source):
        raise FileRefused(
            "Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide "
            "(ancien format .xls ou fichier renommé ?) : enregistrez-le au format « Classeur Excel (.xlsx) » ou CSV."
        )
    with zipfile.ZipFile(source) as zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            raise FileRefused(
                "Ce fichier .xlsx est une archive ZIP mais pas un classeur Excel (pas de « xl/workbook.xml ») : "
                "enregistrez-le au format « Classeur Excel (.xlsx) » ou CSV."
            )
        _check_zip_sizes(zf, "classeur")
    if data is not None:
        source = io.BytesIO(data)
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types on broken workbooks
        raise FileRefused(
            f"Le classeur Excel est illisible ({type(err).__name__}) : enregistrez-le de nouveau depuis Excel ou LibreOffice."
        ) from err
    tables = []
    try:
        for ws in wb.worksheets:
            records: list[tuple[list[str], int, int]] = []
            for idx, values in enumerate(ws.iter_rows(values_only=True), start=1):
                records.append(([_cell_text(v) for v in values], idx, idx))
            head = _locate_header(records[:HEAD_RECORDS]) if records else None
            if head is None or not head.header:
                continue
            width = len(head.header)
            rows, lines = [], []
            for cells, line, _ in records[head.skip_records :]:
                if _is_blank(cells):
                    continue
                cells = (
                    cells[:width] + [""] * (width - len(cells))
                    if len(cells) <= width or _is_blank(cells[width:])
                    else cells
                )
                rows.append(cells)
                lines.append(line)
            table = _to_raw(path, head.header, rows, lines, "xlsx", None, sheet=ws.title)
            table.extra_header = head.labels
            table.header_line = head.line
            table.member = member
            tables.append(table)
    finally:
        wb.close()
    if not tables:
        raise FileRefused("Le classeur Excel ne contient aucune feuille avec des données.")
    return tables


def _cell_text(value: object) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):  # a date cell: Excel stores a day as midnight
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------------------------
# archives


def _check_zip_sizes(zf: zipfile.ZipFile, what: str) -> None:
    infos = zf.infolist()
    if len(infos) > ZIP_MAX_MEMBERS * 20:
        raise FileRefused(
            f"Le {what} contient trop de fichiers ({len(infos)}) : archive refusée par prudence."
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > ZIP_MAX_TOTAL_BYTES or (total > 8 * 1024 * 1024 and total / packed > ZIP_MAX_RATIO):
        raise FileRefused(
            f"Le {what} se décompresse en {total / 1e6:.0f} Mo (taux de compression anormal) : "
            "archive refusée par prudence (« bombe de décompression » possible)."
        )


def _member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.flag_bits & 0x1:
        raise FileRefused(
            f"Le fichier « {info.filename} » de l'archive est chiffré (mot de passe) : décompressez-le vous-même."
        )
    if info.file_size > ZIP_MAX_MEMBER_BYTES:
        raise FileRefused(
            f"Le fichier « {info.filename} » de l'archive est trop gros ({info.file_size / 1e6:.0f} Mo décompressés)."
        )
    with zf.open(info) as fh:
        data = fh.read(ZIP_MAX_MEMBER_BYTES + 1)
    if len(data) > ZIP_MAX_MEMBER_BYTES:
        raise FileRefused(
            f"Le fichier « {info.filename} » de l'archive dépasse la taille admise une fois décompressé."
        )
    return data


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not (
        p.is_absolute() or ".." in p.parts or any(part.startswith((".", "__MACOSX")) for part in p.parts)
    )


def read_zip(path: Path, data: bytes | None = None) -> list[RawTable]:
    """Every CSV/TSV/TXT/XLSX member of an archive as tables; other members are left out."""
    source = io.BytesIO(data) if data is not None else path
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as err:
        raise FileRefused(
            "Cette archive ZIP est illisible ou incomplète : téléchargez-la de nouveau."
        ) from err
    tables: list[RawTable] = []
    with zf:
        _check_zip_sizes(zf, "l'archive")
        members = [i for i in zf.infolist() if not i.is_dir() and _safe_member(i.filename)]
        wanted = [
            i
            for i in members
            if PurePosixPath(i.filename).suffix.lower() in TABLE_SUFFIXES | WORKBOOK_SUFFIXES
        ]
        if len(wanted) > ZIP_MAX_MEMBERS:
            raise FileRefused(
                f"L'archive contient trop de fichiers à importer ({len(wanted)}, au plus {ZIP_MAX_MEMBERS})."
            )
        if not wanted:
            raise FileRefused("L'archive ZIP ne contient aucun fichier CSV ou XLSX à importer.")
        for info in sorted(wanted, key=lambda i: i.filename):
            content = _member_bytes(zf, info)
            suffix = PurePosixPath(info.filename).suffix.lower()
            try:
                if suffix in WORKBOOK_SUFFIXES:
                    tables += read_xlsx(path, content, member=info.filename)
                else:
                    tables.extend(_read_text_bytes(path, content, member=info.filename))
            except FileRefused as err:
                raise FileRefused(f"Fichier « {info.filename} » de l'archive : {err}") from err
    return tables


# --------------------------------------------------------------------------------------------
# entry point


def check_first_bytes(data: bytes) -> None:
    """FileRefused (French reason) unless the first bytes may be a text table: not empty, not an
    archive or an old Excel workbook, not binary. Shared by the one-shot and the streamed readers."""
    if not data.strip(b"\x00\r\n\t ,;\xef\xbb\xbf\xff\xfe"):
        raise FileRefused("Le fichier est vide.")
    if data[:4] == b"PK\x03\x04":
        raise FileRefused(
            "Ce fichier est une archive (ZIP ou classeur Excel) sans extension reconnue : renommez-le en .xlsx ou .zip."
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRefused(_XLS_MESSAGE)
    if _looks_binary(data):
        raise FileRefused(
            "Ce fichier n'est pas un fichier texte (CSV) ni un classeur Excel : contenu binaire."
        )


def check_text_start(text: str) -> None:
    """FileRefused (French reason) when decoded text is an empty Matomo export or a web page."""
    stripped = text.strip().lstrip("\ufeff").strip()
    if stripped == "No data available":
        raise FileRefused(
            "L'export Matomo est vide (« No data available ») : aucune donnée pour la période choisie."
        )
    if stripped[:200].lower().startswith(("<!doctype html", "<html", "<table", "<?xml")):
        raise FileRefused(
            "Ce fichier est une page HTML ou XML, pas un tableau CSV (certains outils nomment ainsi leurs exports « Excel ») : "
            "ouvrez-le dans un tableur et enregistrez-le en CSV ou en .xlsx."
        )


def _read_text_bytes(path: Path, data: bytes, *, member: str | None = None) -> list[RawTable]:
    check_first_bytes(data)
    text, encoding = decode(data)
    check_text_start(text)
    sections = report_sections(text)
    if sections:
        tables = []
        for title, section_text, offset in sections:
            raw = parse_text(path, section_text, encoding, member=member)
            raw.section = title
            raw.frame = raw.frame.with_columns(pl.col(LINE_COL) + offset)
            raw.ragged = [(line + offset, n) for line, n in raw.ragged]
            tables.append(raw)
        return tables
    return [parse_text(path, text, encoding, member=member)]


_XLS_MESSAGE = (
    "Le format Excel 97-2003 (.xls) n'est pas pris en charge : ouvrez le fichier dans Excel ou LibreOffice "
    "et enregistrez-le en « Classeur Excel (.xlsx) » ou en CSV."
)


def read_file(path: Path, data: bytes | None = None) -> list[RawTable]:
    """All tables in a dropped file (a CSV gives one, a workbook one per sheet, an archive its members')."""
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return read_xlsx(path, data)
    if suffix == ".xls":
        raise FileRefused(_XLS_MESSAGE)
    if suffix in {".ods", ".numbers"}:
        raise FileRefused(
            f"Le format {suffix} n'est pas pris en charge : enregistrez le fichier en « Classeur Excel (.xlsx) » ou en CSV."
        )
    if suffix == ".zip":
        return read_zip(path, data)
    if data is None:
        data = path.read_bytes()
    if suffix == ".json":
        return [read_json_records(path, data)]
    return _read_text_bytes(path, data)


def _flatten(record: dict, prefix: str = "") -> dict[str, str | None]:
    """Nested keys joined with ``/`` (as Decidim's CSV exporter writes them); lists as JSON text."""
    out: dict[str, str | None] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}/"))
        elif value is None:
            out[name] = None
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = str(value)
    return out


def read_json_records(path: Path, data: bytes) -> RawTable:
    """A JSON export that is a list of records (Decidim's JSON export) → one table, nested keys
    flattened with ``/`` like its CSV; ``_line`` = the record's rank in the list (1, 2…)."""
    text, encoding = decode(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise FileRefused(f"Fichier JSON illisible ({err.msg}, ligne {err.lineno}).") from err
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise FileRefused(
            "Fichier JSON non reconnu : Baromètre lit les exports JSON faits d'une liste d'enregistrements "
            "(comme l'export des propositions de Decidim) ; pour les autres, exportez en CSV."
        )
    rows = [_flatten(r) for r in doc]
    header = list(dict.fromkeys(k for r in rows for k in r))
    frame = pl.DataFrame(
        {h: [r.get(h) for r in rows] for h in header} | {LINE_COL: list(range(1, len(rows) + 1))},
        schema={h: pl.String for h in header} | {LINE_COL: pl.Int64},
    )
    return RawTable(path, frame, header, encoding, None)


_CONTROL = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if head.count(0) > len(head) // 4 and head[1::2].count(0) > len(head) // 4:
        return False  # UTF-16 without BOM
    return len(_CONTROL.findall(head)) > max(8, len(head) // 100) or head.count(0) > len(head) // 10
