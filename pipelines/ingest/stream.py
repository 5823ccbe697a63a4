"""Streamed speed of the ingest, for large CSV files: bounded memory, both cores busy.

Only batching and threads live here; the stages are the one-shot path's. A CSV above
``STREAM_MIN_BYTES`` whose format is taken by a *streamable* adapter (one whose ``map`` works row by
row: the canonical files, the French spreadsheet logs) is not read whole. :func:`plan_stream` checks
its head with the reader's own checks (``read.check_first_bytes``, ``read.check_text_start``,
``read.sniff_head``) and asks the adapters which format it is. Then blocks of whole records are read
with plain reads (no memory map, so memory stays flat whatever the file size; the bytes read also
feed the file's SHA-256, see ``hashing``), turned into UTF-8 when the file is Windows-1252 (cheaper
than Polars' own decoding) and parsed by ``read.parse_records``. Three stages overlap on the two
cores: the reader thread parses and maps batch *k + 2* (in file order: a row-wise adapter may carry
state from one batch to the next), a preparing thread runs ``parts.prepare_part`` on batch *k + 1*
(services → coerce → Pandera, the one-shot stage), and the appender threads (``appenders``) write
batches *k* and *k − 1* to DuckDB from Arrow, shaped by ``load.stored_rows``; a table that held
rows gets them through a staging table merged by ``load.merge_staged``, the one upsert. The result
is the one-shot path's (tested): same rows, same rejections with their lines and messages, same
ledger.

When a batch shows that the file needs the one-shot reader after all (a line Polars cannot parse,
bytes that are not in the file's encoding, a commune column judged differently…), what was written
is undone and the file is read in one go instead.

Line numbers: a record's line is its index + the lines above the first record. When the file holds
line breaks inside quoted fields (physical lines ≠ records + header lines), the lines of rejected
records are recomputed exactly with the CSV reader — only then, since it is slow. Repeated ids
across batches: see ``batch_duplicates``.

Memory: batches of ``BATCH_ROWS`` (at most ``QUEUE`` waiting, and a commit group's worth per
appender), a commit every ``COMMIT_ROWS`` and DuckDB's cache capped at ``DUCKDB_MEMORY`` while
appending: about 1.2–1.4 GB whatever the size. Speed: each appender uses one DuckDB thread (a
parallel scan of small Arrow batches costs more than it saves; two appenders at once scale
fully), Polars' date cache is off for timestamps, value checks run on distinct values (see
``validate``), and nothing is rewritten when a mapping changes nothing.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import FileRefused, NotStreamable
from pipelines.ingest import load as ld
from pipelines.ingest.adapters import MapContext, detect
from pipelines.ingest.adapters.base import Adapter, Mapped
from pipelines.ingest.appenders import Appenders
from pipelines.ingest.batch_duplicates import KeySpill, cross_batch_duplicates, key_hash
from pipelines.ingest.coerce import empty_rejections
from pipelines.ingest.parts import prepare_part
from pipelines.ingest.read import (
    LINE_COL,
    MAX_FIELD,
    RawTable,
    check_first_bytes,
    check_text_start,
    dedupe_header,
    parse_records,
    sniff_head,
    tidy_records,
)
from pipelines.ingest.services import Catalogue
from schemas import DATASETS, Dataset

STREAM_MIN_BYTES = 64 * 1024 * 1024
# batches of two DuckDB row groups (122 880 rows each) and commits of four: every commit writes
# whole row groups, and the last group (appended by one thread while the other waits) stays short
BATCH_ROWS = 245_760
COMMIT_ROWS = 491_520
QUEUE = 2  # prepared batches waiting for the appenders
DUCKDB_MEMORY = "512MB"  # DuckDB's memory limit while the batches are appended
HEAD_BYTES = 2 * 1024 * 1024
SUFFIXES = {".csv", ".tsv", ".txt"}

__all__ = ["STREAM_MIN_BYTES", "StreamPlan", "StreamResult", "plan_stream", "stream_load"]


@dataclass
class StreamPlan:
    """How a large CSV is read batch by batch (what the one-shot reader would find in its head)."""

    path: Path
    size: int
    adapter: Adapter
    dataset: Dataset
    header: list[str]
    encoding: str  # utf-8, utf-8-sig or cp1252 (utf-8 may still turn cp1252 while only ASCII was seen)
    delimiter: str
    data_start: int  # byte offset of the first record
    first_line: int  # its line number
    skip_records: int  # CSV records above it (titles, header)


@dataclass
class StreamResult:
    """What a streamed file gave, rejections with their physical lines (the ledger's figures)."""

    rows_read: int
    counts: ld.LoadCounts
    rejections: pl.DataFrame
    unknown: list[str]
    notes: list[str]
    source: str


def plan_stream(path: Path, size: int, extra: list[Adapter] | None = None) -> StreamPlan | None:
    """The plan when this file can stream: a CSV of at least ``STREAM_MIN_BYTES``, in UTF-8 or
    Windows-1252, whose layout a streamable adapter takes, for exactly one dataset; else None (the
    one-shot reader decides, refusals included, also when the head cannot be read)."""
    if size < STREAM_MIN_BYTES or path.suffix.lower() not in SUFFIXES:
        return None
    try:
        return _plan(path, size, extra)
    except Exception:  # unreadable head, adapter surprised by a sample…: the one-shot reader reports it
        return None


def _plan(path: Path, size: int, extra: list[Adapter] | None) -> StreamPlan | None:
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    whole = len(head) >= size
    try:
        check_first_bytes(head)
    except FileRefused:
        return None
    if b"\x00" in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # NULs or UTF-16: the one-shot reader's own decoding
    usable = head if whole else head[: _record_boundary(head)]
    bom = usable.startswith(codecs.BOM_UTF8)
    body = usable[len(codecs.BOM_UTF8) :] if bom else usable
    try:
        text, encoding = body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        if bom:
            return None
        try:
            text, encoding = body.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return None
    try:
        check_text_start(text)
    except FileRefused:
        return None
    delimiter, found = sniff_head(text)
    if found is None or not found.header or found.labels:
        return None
    start = 0
    for _ in range(found.skip_lines):
        start = usable.find(b"\n", start) + 1
        if start == 0:
            return None
    header = dedupe_header(found.header)
    sample_bytes = usable[start:] if whole else usable[start : start + _record_boundary(usable[start:])]
    try:
        frame = tidy_records(
            parse_records(_to_utf8(sample_bytes, encoding), header, delimiter), header, found.skip_lines + 1
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    sample = RawTable(path=path, frame=frame, header=header, encoding=encoding, delimiter=delimiter)
    adapter = detect(sample, extra)
    if adapter is None or not getattr(adapter, "streamable", False):
        return None
    mapped = adapter.map(sample, MapContext(stream={}))
    if len(mapped) != 1:
        return None  # several datasets from one line (a log with cases and requests): one go
    return StreamPlan(
        path=path,
        size=size,
        adapter=adapter,
        dataset=DATASETS[mapped[0].dataset],
        header=header,
        encoding=encoding,
        delimiter=delimiter,
        data_start=start,
        first_line=found.skip_lines + 1,
        skip_records=found.skip_records,
    )


def _record_boundary(data: bytes) -> int:
    """Index just after the last line break that is outside quoted fields (0 if none)."""
    cut = data.rfind(b"\n") + 1
    if b'"' not in data:  # the usual export: no quotes, no need to count them
        return cut
    while cut > 0 and data.count(b'"', 0, cut) % 2:
        cut = data.rfind(b"\n", 0, cut - 1) + 1
    return cut


def _to_utf8(block: bytes, encoding: str) -> bytes:
    if encoding != "cp1252" or block.isascii():
        return block
    return block.decode("cp1252").encode("utf-8")


def _blocks(plan: StreamPlan, block_bytes: int) -> Iterator[tuple[bytes, int, int]]:
    """(data, cut, file offset after the cut): ``data[:cut]`` holds whole records, read with plain
    reads (the rest is read again with the next block). Without quotes, ``data`` is handed over
    whole with its partial last line (one row to drop after parsing), which saves copying it."""
    with open(plan.path, "rb") as fh:
        pos = plan.data_start
        fh.seek(pos)
        size = block_bytes
        while True:
            data = fh.read(size)
            if not data:
                return
            if len(data) < size:  # the end of the file
                yield data, len(data), pos + len(data)
                return
            cut = _record_boundary(data)
            if cut <= 0:  # one huge record: read more
                size *= 2
                fh.seek(pos)
                continue
            size = block_bytes
            pos += cut
            if cut < len(data):
                fh.seek(pos)
                tail = data[cut:]
                if b'"' in data or not tail.isascii() or not tail.strip():
                    data = data[:cut]
            yield data, cut, pos


class _Reader:
    """Blocks → raw tables of records, with the line numbers and the encoding rules of the
    one-shot reader (a file that is not UTF-8 is Windows-1252 as a whole)."""

    def __init__(self, plan: StreamPlan, on_bytes: Callable[[memoryview, int], None] | None = None) -> None:
        self.plan = plan
        self.on_bytes = on_bytes  # given each block's records, with their offset in the file
        self.encoding = plan.encoding
        self.ascii_only = plan.encoding != "cp1252"  # nothing but ASCII so far (the head was checked)
        self.records = 0  # records parsed (blank ones included): the line count check
        self.lines = 0  # physical lines of the records read so far

    def tables(self, block_bytes: int) -> Iterator[tuple[RawTable, int]]:
        plan = self.plan
        for block, cut, end in _blocks(plan, block_bytes):
            if self.on_bytes is not None:
                self.on_bytes(memoryview(block)[:cut], end - cut)
            if b"\x00" in block:
                raise NotStreamable("octets nuls")
            frame = self._parse(block)
            if cut < len(block):  # the partial last line, read again with the next block
                frame = frame.head(frame.height - 1)
            quoted = b'"' in block
            # without quotes a record is a line; with them, a quoted field may hold line breaks
            self.lines += block.count(b"\n") + (0 if block.endswith(b"\n") else 1) if quoted else frame.height
            first = plan.first_line + self.records
            self.records += frame.height
            frame = tidy_records(frame, plan.header, first, quoted_empty=quoted and b'""' in block)
            yield (
                RawTable(
                    path=plan.path,
                    frame=frame,
                    header=plan.header,
                    encoding=self.encoding,
                    delimiter=plan.delimiter,
                ),
                end,
            )

    def _parse(self, block: bytes) -> pl.DataFrame:
        plan = self.plan
        try:
            data = _to_utf8(block, self.encoding)
        except UnicodeDecodeError as err:
            raise NotStreamable("octets hors Windows-1252") from err
        try:
            frame = parse_records(data, plan.header, plan.delimiter)
        except pl.exceptions.ComputeError:
            if self.encoding == "cp1252" or _valid_utf8(block):
                raise
            # not UTF-8 after all: the one-shot reader reads such a file as Windows-1252 throughout,
            # which changes nothing to what was read so far only if it was plain ASCII
            if not self.ascii_only or self.encoding == "utf-8-sig":
                raise NotStreamable("pas en UTF-8 au-delà du début du fichier") from None
            self.encoding = "cp1252"
            return self._parse(block)
        self.ascii_only = self.ascii_only and block.isascii()
        return frame


def _valid_utf8(block: bytes) -> bool:
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class _Batch:
    rows: int
    good: pl.DataFrame
    rejections: pl.DataFrame
    unknown: list[str]
    keys: pl.DataFrame | None  # (h, line) of every row that went into validation with an id
    rejected_keys: pl.DataFrame  # (source, source_id, line) of those that validation refused
    source: str  # the adapter's source for this file
    end: int = 0  # file offset reached


def _prepare(
    raw: RawTable, mapped: Mapped, plan: StreamPlan, catalogue: Catalogue, memo: dict | None = None
) -> _Batch:
    """One mapped batch through the one-shot path's stage (``parts.prepare_part``: services →
    coerce → validate), plus the keys the duplicate search needs; runs on the preparing thread.
    ``memo``: what coerce and validate keep from batch to batch."""
    if mapped.dataset != plan.dataset.name:
        raise NotStreamable("jeux de données différents d'un lot à l'autre")
    # repeated ids, within a batch or across batches, are found once for the whole file (KeySpill)
    part, typed, val_rej = prepare_part(raw, mapped, plan.adapter, catalogue, duplicates=False, memo=memo)
    with_id = typed.filter(pl.col("source_id").is_not_null())
    keys = with_id.select(key_hash(), pl.col(LINE_COL))
    rejected_keys = with_id.filter(pl.col(LINE_COL).is_in(val_rej[LINE_COL].implode())).select(
        "source", "source_id", LINE_COL
    )
    return _Batch(
        part.rows_read, part.good, part.rejections, part.unknown_services, keys, rejected_keys, part.source
    )


def _producer(
    plan: StreamPlan,
    catalogue: Catalogue,
    reader: _Reader,
    batch_rows: int,
    out: queue.Queue,
    stop: threading.Event,
    salt: bytes = b"",
) -> None:
    """Read and map the batches in file order (a row-wise adapter may carry state from one batch to
    the next, e.g. the count of identical rows), prepare each on one other thread (two preparing
    threads measured slower on two cores: the appenders need the CPU), and hand them to the
    appenders in file order."""
    ctx = MapContext(stream={}, salt=salt)
    keys = KeySpill()
    pending: collections.deque[tuple[Future, int]] = collections.deque()
    memo: dict = {}  # kept by the preparing thread from batch to batch

    def hand_over(item: tuple[Future, int]) -> None:
        future, end = item
        batch = future.result()
        batch.end = end
        keys.add(batch.keys)
        batch.keys = None
        out.put(("batch", batch))

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="barometre-lot") as pool:
            try:
                for raw, end in reader.tables(max(1 << 12, batch_rows * 128)):
                    if stop.is_set():
                        return
                    mapped = plan.adapter.map(raw, ctx)
                    if len(mapped) != 1:
                        raise NotStreamable("jeux de données différents d'un lot à l'autre")
                    pending.append((pool.submit(_prepare, raw, mapped[0], plan, catalogue, memo), end))
                    while len(pending) > 1 or (pending and pending[0][0].done()):
                        hand_over(pending.popleft())
                while pending:
                    hand_over(pending.popleft())
            finally:
                for future, _end in pending:
                    future.cancel()
        # whether two rows may share a key: decided here, while the appenders load the last batches
        out.put(("done", list(dict.fromkeys(ctx.notes)), keys.shared()))
    except BaseException as err:  # handed to the main thread, which raises it
        out.put(("error", err))
    finally:
        keys.close()


@contextlib.contextmanager
def stream_load(
    con: duckdb.DuckDBPyConnection,
    plan: StreamPlan,
    file_id: int,
    catalogue: Catalogue,
    progress: Callable[[float], None] | None = None,
    batch_rows: int | None = None,
    salt: bytes = b"",
    on_bytes: Callable[[memoryview, int], None] | None = None,
) -> Iterator[StreamResult]:
    """Load a file batch by batch. Used as ``with stream_load(…) as result:``; the ``with`` body
    runs in the closing transaction, after the duplicates across batches and the merge of a staging
    table (the caller writes the rejections and the ledger there); it commits when the body ends
    and undoes everything when the body raises.

    DuckDB holds an open transaction's appended rows in memory, so the appenders commit every
    ``COMMIT_ROWS`` to keep memory flat. They are tagged with this file's ``file_id`` (directly in
    the table when it was empty, else in a staging table merged at the end), so an error undoes
    them by deleting that ``file_id``; a crash loses the whole run's snapshot (see warehouse.py).
    Raises :class:`NotStreamable` (nothing left written) when the file needs the one-shot reader.
    ``salt``: the warehouse's key for content ids (see ``stable_row_ids``); ``on_bytes(chunk,
    offset)`` receives the file's bytes as they are read (the file's hash is computed from them).
    """
    batch_rows = batch_rows or BATCH_ROWS
    dataset = plan.dataset
    table = dataset.table
    direct = ld.is_empty(con, table)
    target = table if direct else f"_stream_stage_{file_id}"
    if not direct:
        con.execute(f"create or replace table {target} as select * from {table} limit 0").fetchall()
    reader = _Reader(plan, on_bytes)
    q: queue.Queue = queue.Queue(maxsize=QUEUE)
    stop = threading.Event()
    worker = threading.Thread(
        target=_producer, args=(plan, catalogue, reader, batch_rows, q, stop, salt), daemon=True
    )
    rejections: list[pl.DataFrame] = []
    rejected_keys: list[pl.DataFrame] = []
    unknown: set[str] = set()
    rows_read, group_rows, group = 0, 0, 0
    source: str | None = None
    # one DuckDB thread per appender (a parallel scan of each small Arrow batch fills several row
    # groups by halves, which costs more than it saves) and a bounded cache: the blocks written
    # for earlier batches need not stay in memory
    settings = _settings(con)
    con.execute(f"set threads = 1; set memory_limit = '{DUCKDB_MEMORY}'").fetchall()
    appenders = Appenders(
        con, f"insert into {target} select * from _stream_arrow", stop, waiting=COMMIT_ROWS // batch_rows + 1
    )
    worker.start()
    try:
        while True:
            item = _next(q, appenders)
            if item[0] == "done":
                _, notes, keyed = item
                break
            if item[0] == "error":
                raise item[1]
            batch: _Batch = item[1]
            rows_read += batch.rows
            unknown.update(batch.unknown)
            if batch.rejections.height:
                rejections.append(batch.rejections)
            if batch.rejected_keys.height:
                rejected_keys.append(batch.rejected_keys)
            source = source or batch.source
            good = batch.good
            if good.height:
                appenders.append(group, ld.stored_rows(dataset, good, file_id))
                group_rows += good.height
            if group_rows >= COMMIT_ROWS:
                appenders.commit(group)
                group, group_rows = group + 1, 0
            if progress is not None:
                progress(min(1.0, batch.end / plan.size) if plan.size else 1.0)
        appenders.commit(group)
        appenders.close()
        _restore(con, settings)
        con.execute("begin transaction").fetchall()
        rej = pl.concat(rejections) if rejections else empty_rejections()
        if keyed is not None:
            rej = cross_batch_duplicates(con, target, file_id, keyed, rejected_keys, rej)
        loaded = con.execute(f"select count(*) from {target} where file_id = ?", [file_id]).fetchall()[0][0]
        counts = ld.LoadCounts(new=int(loaded)) if direct else ld.merge_staged(con, dataset, target)
        rej = _fix_line_numbers(plan, reader.records, reader.lines, rej)
        yield StreamResult(rows_read, counts, rej, sorted(unknown), notes, source or plan.adapter.source)
        con.execute("commit").fetchall()
    except BaseException:
        stop.set()
        appenders.close(abort=True)
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback").fetchall()
        _restore(con, settings)
        _undo(con, table, target, file_id, direct)
        raise
    finally:
        while worker.is_alive():  # let the producer end if we stopped early
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.1)
        worker.join()


def _next(q: queue.Queue, appenders: Appenders) -> tuple:
    """The producer's next item; an appender's error as soon as one fails (the producer then stops
    without a word, so its queue would stay empty)."""
    while True:
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            appenders.check()


def _settings(con) -> tuple:
    return con.execute("select current_setting('threads'), current_setting('memory_limit')").fetchall()[0]


def _restore(con, settings: tuple) -> None:
    """Back to the settings before the stream (DuckDB's defaults unless someone set others)."""
    con.execute("reset threads; reset memory_limit").fetchall()
    if _settings(con) != settings:
        con.execute(f"set threads = {int(settings[0])}; set memory_limit = '{settings[1]}'").fetchall()


def _undo(con, table: str, target: str, file_id: int, direct: bool) -> None:
    """Remove what earlier commits of this file wrote (the file ends fully out)."""
    if direct:
        con.execute(f"delete from {table} where file_id = ?", [file_id]).fetchall()
    else:
        con.execute(f"drop table if exists {target}").fetchall()


def _python_encoding(encoding: str) -> str:
    return "cp1252" if encoding == "cp1252" else "utf-8-sig"


def _exact_lines(plan: StreamPlan, wanted: set[int]) -> dict[int, int]:
    """Streamed line number (records counted from ``first_line``) → physical line where that record
    starts, for files with quoted line breaks."""
    csv.field_size_limit(MAX_FIELD)
    offset = plan.skip_records + 1 - plan.first_line  # CSV record number (from 1) = line + offset
    records = {line + offset: line for line in wanted}
    out: dict[int, int] = {}
    with open(plan.path, encoding=_python_encoding(plan.encoding), errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=plan.delimiter, quotechar='"', doublequote=True, strict=False)
        start = 1
        for idx, _row in enumerate(reader, start=1):
            if idx in records:
                out[records[idx]] = start
            start = reader.line_num + 1
    return out


_LINE_IN_MESSAGE = r"ligne (\d+)"


def _fix_line_numbers(plan: StreamPlan, records: int, lines: int, rejections: pl.DataFrame) -> pl.DataFrame:
    """Turn record-based line numbers into physical ones (also those quoted inside messages),
    only when the file has line breaks inside quoted fields (``lines``, the physical lines of the
    records, differs from the number of ``records``)."""
    if rejections.height == 0 or lines == records:
        return rejections
    cited = rejections["message"].str.extract_all(_LINE_IN_MESSAGE).explode().str.extract(_LINE_IN_MESSAGE)
    wanted = set(rejections[LINE_COL].drop_nulls().to_list()) | {int(x) for x in cited.drop_nulls().to_list()}
    mapping = _exact_lines(plan, wanted)
    messages = [
        re.sub(_LINE_IN_MESSAGE, lambda m: f"ligne {mapping.get(int(m.group(1)), m.group(1))}", msg)
        for msg in rejections["message"].to_list()
    ]
    return rejections.with_columns(
        pl.col(LINE_COL).replace_strict(mapping, default=pl.col(LINE_COL), return_dtype=pl.Int64),
        pl.Series("message", messages, dtype=pl.String),
    )
