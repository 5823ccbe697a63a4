"""Streaming path for large CSV files: bounded memory, both cores busy.

A CSV above ``STREAM_MIN_BYTES`` whose format is taken by a *streamable* adapter (one whose ``map``
works row by row: the canonical files, the French spreadsheet logs) is not read whole.
:func:`plan_stream` reads the head the way the one-shot reader would (encoding, delimiter, header,
title lines) and asks the adapters which format it is. Then blocks of whole records are read with
plain reads (no memory map, so memory stays flat whatever the file size; the bytes read also feed
the file's SHA-256, so the file is read once), turned into UTF-8 when the file is Windows-1252
(cheaper than Polars' own decoding) and parsed by Polars. Three stages overlap on the two cores:
the reader thread parses and maps batch *k + 2* (in file order: a row-wise adapter may carry state
from one batch to the next), a preparing thread types and validates batch *k + 1* (services →
coerce → Pandera, the one-shot stages), and two appender threads write batches *k* and *k − 1* to
DuckDB from Arrow (see :class:`_Appenders`). The result is the one-shot path's (tested):
same rows, same rejections with their lines and messages, same ledger.

When a batch shows that the file needs the one-shot reader after all (a line Polars cannot parse,
bytes that are not in the file's encoding, a commune column judged differently…), what was written
is undone and the file is read in one go instead.

Line numbers: a record's line is its index + the lines above the first record. When the file holds
line breaks inside quoted fields (physical lines ≠ records + header lines), the lines of rejected
records are recomputed exactly with the CSV reader — only then, since it is slow.

Duplicates: 64-bit hashes of every row's key (12 bytes a row with the line, spilled to temporary
files by hash bucket, so not held in memory) say whether the file may hold repeated ids, within a
batch or across batches, and only then DuckDB finds them exactly, so that the later occurrences are
rejected citing the first one's line, as the whole-file check would (also when the first
occurrence was itself refused).

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
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.errors import NotStreamable
from pipelines.ingest import load as ld
from pipelines.ingest.adapters import MapContext, detect
from pipelines.ingest.adapters.base import Adapter, Mapped
from pipelines.ingest.coerce import empty_rejections
from pipelines.ingest.parts import build_part
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import (
    LINE_COL,
    MAX_FIELD,
    RawTable,
    _dedupe_header,
    _locate_header,
    _looks_binary,
    _records,
    parse_records,
    sniff_delimiter,
    tidy_records,
)
from pipelines.ingest.services import Catalogue
from pipelines.ingest.validate import DUPLICATE_MESSAGE
from schemas import DATASETS, Dataset

STREAM_MIN_BYTES = 64 * 1024 * 1024
# batches of two DuckDB row groups (122 880 rows each) and commits of four: every commit writes
# whole row groups, and the last group (appended by one thread while the other waits) stays short
BATCH_ROWS = 245_760
COMMIT_ROWS = 491_520
QUEUE = 2  # prepared batches waiting for the appenders
APPENDERS = 2  # threads appending to DuckDB at once (one per core of the reference machine)
DUCKDB_MEMORY = "512MB"  # DuckDB's memory limit while the batches are appended
HEAD_BYTES = 2 * 1024 * 1024
SUFFIXES = {".csv", ".tsv", ".txt"}

__all__ = [
    "STREAM_MIN_BYTES",
    "NotStreamable",
    "StreamPlan",
    "StreamResult",
    "fix_line_numbers",
    "plan_stream",
    "stream_load",
]


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
    rows_read: int
    counts: ld.LoadCounts
    rejections: pl.DataFrame
    unknown: list[str]
    notes: list[str]
    source: str


def plan_stream(path: Path, size: int, extra: list[Adapter] | None = None) -> StreamPlan | None:
    """The plan when this file can stream: a CSV in UTF-8 or Windows-1252 whose layout a streamable
    adapter takes, for exactly one dataset; else None (the one-shot reader decides, refusals included)."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    whole = len(head) >= size
    if (
        not head.strip(b"\x00\r\n\t ,;\xef\xbb\xbf\xff\xfe")
        or head[:4] == b"PK\x03\x04"
        or b"\x00" in head
        or _looks_binary(head)
    ):
        return None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
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
    if (
        text.strip()
        .lstrip("\ufeff")[:200]
        .lower()
        .startswith(("no data available", "<!doctype html", "<html", "<table", "<?xml"))
    ):
        return None
    delimiter = sniff_delimiter(text)
    found = _locate_header(_records(text[:512_000], delimiter, 8))
    if found is None or not found.header or found.labels:
        return None
    start = 0
    for _ in range(found.skip_lines):
        start = usable.find(b"\n", start) + 1
        if start == 0:
            return None
    header = _dedupe_header(found.header)
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
    try:
        mapped = adapter.map(sample, MapContext(stream={}))
    except Exception:  # the one-shot path reports it
        return None
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
    """Pure stage for one mapped batch: services → coerce → validate (the one-shot stages); runs on
    the preparing thread. ``memo``: what coerce and validate keep from batch to batch."""
    if mapped.dataset != plan.dataset.name:
        raise NotStreamable("jeux de données différents d'un lot à l'autre")
    # repeated ids, within a batch or across batches, are found once for the whole file (_Keys)
    part, typed, val_rej = build_part(
        raw, 0, True, plan.adapter, mapped, catalogue, [], False, duplicates=False, memo=memo
    )
    with_id = typed.filter(pl.col("source_id").is_not_null())
    keys = with_id.select(_key_hash(), pl.col(LINE_COL))
    rejected_keys = with_id.filter(pl.col(LINE_COL).is_in(val_rej[LINE_COL].implode())).select(
        "source", "source_id", LINE_COL
    )
    return _Batch(
        part.rows_read, part.good, part.rejections, part.unknown_services, keys, rejected_keys, part.source
    )


def _key_hash() -> pl.Expr:
    return pl.struct("source", "source_id").hash().alias("h")


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
    keys = _Keys()
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


class _Keys:
    """(key hash, line) of every row that reached validation with an id: 12 bytes a row, spread
    over buckets by hash and written to temporary files, so that memory stays flat whatever the
    file size; at the end each bucket in turn is read back to look for shared hashes."""

    BUCKETS = 16
    SCHEMA = pa.schema([("h", pa.uint64()), (LINE_COL, pa.uint32())])

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="barometre-cles-")
        self.paths = [Path(self.dir.name) / f"{b}.arrows" for b in range(self.BUCKETS)]
        self.writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}

    def add(self, keys: pl.DataFrame) -> None:
        if not keys.height:
            return
        keys = keys.select(
            "h", pl.col(LINE_COL).cast(pl.UInt32), (pl.col("h") % self.BUCKETS).cast(pl.UInt8).alias("_b")
        )
        for (b,), part in keys.partition_by("_b", as_dict=True, include_key=False).items():
            writer = self.writers.get(int(b))
            if writer is None:
                writer = self.writers[int(b)] = pa.ipc.new_stream(str(self.paths[int(b)]), self.SCHEMA)
            writer.write_table(part.to_arrow().cast(self.SCHEMA))

    def shared(self) -> pl.DataFrame | None:
        """(h, line) of the rows whose hash another row has; None when every hash is distinct
        (then no two rows share a key: the usual case)."""
        found = []
        try:
            for b, writer in sorted(self.writers.items()):
                writer.close()
                with pa.memory_map(str(self.paths[b])) as source:
                    keyed = pl.from_arrow(pa.ipc.open_stream(source).read_all())
                if keyed["h"].n_unique() != keyed.height:
                    found.append(
                        keyed.filter(pl.col("h").is_duplicated()).with_columns(
                            pl.col(LINE_COL).cast(pl.Int64)
                        )
                    )
                del keyed
        finally:
            self.close()
        return pl.concat(found).sort(LINE_COL) if found else None

    def close(self) -> None:
        for writer in self.writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        self.writers = {}
        self.dir.cleanup()


def stream_load(
    con: duckdb.DuckDBPyConnection,
    plan: StreamPlan,
    file_id: int,
    catalogue: Catalogue,
    finish: Callable[[StreamResult, _Reader], None],
    progress: Callable[[float], None] | None = None,
    batch_rows: int | None = None,
    salt: bytes = b"",
    on_bytes: Callable[[memoryview, int], None] | None = None,
) -> None:
    """Load a file batch by batch; ``finish(result, reader)`` runs in the closing transaction (the
    duplicates across batches, the merge of a staging table and the ledger are written there).

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
    direct = con.execute(f"select not exists (select 1 from {table})").fetchall()[0][0]
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
    appenders = _Appenders(
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
                rows = good.select(dataset.columns).with_columns(pl.lit(file_id, pl.Int64).alias("file_id"))
                appenders.append(group, rows.to_arrow(compat_level=pl.CompatLevel.newest()))
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
            rej = _cross_batch_duplicates(con, target, file_id, keyed, rejected_keys, rej)
        loaded = con.execute(f"select count(*) from {target} where file_id = ?", [file_id]).fetchall()[0][0]
        counts = ld.LoadCounts(new=int(loaded)) if direct else _merge_stage(con, dataset, target)
        finish(
            StreamResult(rows_read, counts, rej, sorted(unknown), notes, source or plan.adapter.source),
            reader,
        )
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


def _next(q: queue.Queue, appenders: _Appenders) -> tuple:
    """The producer's next item; an appender's error as soon as one fails (the producer then stops
    without a word, so its queue would stay empty)."""
    while True:
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            appenders.check()


class _Appenders:
    """Batches appended to DuckDB by ``APPENDERS`` threads at once, each on its own cursor.

        Appending (copying the Arrow batch into DuckDB's row groups, compressing and writing them) is
        the costliest stage and one DuckDB thread does it for one batch; two cursors appending in their
        own transactions use both cores (measured: 10 M rows in 2.7 s instead of 5.3 s). The batches
        form numbered groups of about ``COMMIT_ROWS`` rows; group *g* goes to appender *g mod n*, in
        its own transaction, and the transactions commit in group order, so that the table's rowid
        order stays the file's order (the duplicate search relies on it) and a group's rows become
        visible whole. Each appender holds at most ``waiting`` batches (a group's worth, so that the next
    appender gets its group while this one is still busy): memory stays bounded.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        insert: str,
        stop: threading.Event,
        waiting: int,
        n: int | None = None,
    ) -> None:
        self.insert, self.stop = insert, stop
        self.n = n or APPENDERS
        self.committed = 0  # groups committed so far
        self.turn = threading.Condition()
        self.errors: list[BaseException] = []
        self.inbox = [queue.Queue(maxsize=waiting) for _ in range(self.n)]
        self.threads = [
            threading.Thread(target=self._run, args=(con.cursor(), box), daemon=True) for box in self.inbox
        ]
        for t in self.threads:
            t.start()

    def append(self, group: int, table: pa.Table) -> None:
        self._put(group, ("rows", group, table))

    def commit(self, group: int) -> None:
        """Group ``group`` is complete: its appender commits it once the groups before it have."""
        self._put(group, ("commit", group, None))

    def close(self, abort: bool = False) -> None:
        """Wait for every appender to finish (``abort``: roll back what is not committed)."""
        if abort:
            self.stop.set()
            with self.turn:
                self.turn.notify_all()
        for box in self.inbox:
            self._offer(box, ("end", 0, None))
        for t in self.threads:
            t.join()
        if self.errors and not abort:
            raise self.errors[0]

    def check(self) -> None:
        """Raise the first appender's error, if any."""
        if self.errors:
            raise self.errors[0]

    def _put(self, group: int, item: tuple) -> None:
        if not self._offer(self.inbox[group % self.n], item) or self.errors:
            raise self.errors[0] if self.errors else NotStreamable("import interrompu")

    def _offer(self, box: queue.Queue, item: tuple) -> bool:
        """Put ``item`` unless the appenders were stopped; whether it was put."""
        while not (self.stop.is_set() and item[0] != "end"):
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                if self.stop.is_set() and item[0] == "end":
                    with contextlib.suppress(queue.Empty):
                        box.get_nowait()  # an aborted appender may never read its inbox again
        return False

    def _run(self, cur: duckdb.DuckDBPyConnection, box: queue.Queue) -> None:
        open_tx = False
        try:
            while True:
                kind, group, table = box.get()
                if kind == "end" or self.stop.is_set():
                    break
                if kind == "rows":
                    if not open_tx:
                        cur.execute("begin transaction").fetchall()
                        open_tx = True
                    cur.register("_stream_arrow", table)
                    try:
                        cur.execute(self.insert).fetchall()
                    finally:
                        with contextlib.suppress(duckdb.Error):  # an aborted transaction refuses it
                            cur.unregister("_stream_arrow")
                    continue
                with self.turn:  # commit in group order
                    self.turn.wait_for(lambda g=group: self.committed == g or self.stop.is_set())
                    if self.stop.is_set():
                        break
                    if open_tx:
                        cur.execute("commit").fetchall()
                        open_tx = False
                    self.committed += 1
                    self.turn.notify_all()
        except BaseException as err:
            self.errors.append(err)
            self.stop.set()
            with self.turn:
                self.turn.notify_all()
        finally:
            if open_tx:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("rollback").fetchall()
            cur.close()


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


def _cross_batch_duplicates(
    con, target: str, file_id: int, keyed: pl.DataFrame, rejected_keys: list[pl.DataFrame], rej: pl.DataFrame
) -> pl.DataFrame:
    """Ids repeated in different batches: as the whole-file check does (before the other checks),
    every occurrence after the first is rejected citing the first one's line; a loaded one leaves
    the table, a refused one keeps only that rejection. Returns the file's rejections.

    ``keyed``: (key hash, line) of the rows that reached validation with an id and share their
    hash with another such row."""
    refused = (
        pl.concat(rejected_keys)
        if rejected_keys
        else pl.DataFrame(schema={"source": pl.String, "source_id": pl.String, LINE_COL: pl.Int64})
    )
    con.register("_stream_refused", refused.to_arrow())
    try:
        dup_keys = con.execute(
            f"""
            select source, source_id from (
                select source, source_id from {target} where file_id = ?
                union all select source, source_id from _stream_refused
            ) group by all having count(*) > 1
            """,
            [file_id],
        ).fetchall()
        if not dup_keys:
            return rej  # hashes alike, keys not
        con.register(
            "_stream_dup_keys",
            pl.DataFrame(dup_keys, schema=["source", "source_id"], orient="row").to_arrow(),
        )
        found = con.execute(
            f"""
            select t.rowid as rid, t.source, t.source_id from {target} t semi join _stream_dup_keys d
                on t.source = d.source and t.source_id = d.source_id
            where t.file_id = ? order by t.rowid
            """,
            [file_id],
        ).fetchall()
    finally:
        con.unregister("_stream_refused")
        with contextlib.suppress(Exception):
            con.unregister("_stream_dup_keys")
    # lines of the loaded occurrences: the k-th loaded row of a hash (rowid order = file order) is
    # the k-th line of that hash among the loaded rows
    loaded = pl.DataFrame(
        found, schema={"rid": pl.Int64, "source": pl.String, "source_id": pl.String}, orient="row"
    )
    loaded = loaded.with_columns(_key_hash()).with_columns(pl.int_range(pl.len()).over("h").alias("k"))
    loaded_lines = (
        keyed.filter(
            pl.col("h").is_in(loaded["h"].implode()) & ~pl.col(LINE_COL).is_in(refused[LINE_COL].implode())
        )
        .sort(LINE_COL)
        .with_columns(pl.int_range(pl.len()).over("h").alias("k"))
    )
    if not loaded_lines.group_by("h").len().sort("h").equals(loaded.group_by("h").len().sort("h")):
        raise NotStreamable(
            "clés différentes de même empreinte"
        )  # a hash collision: the whole-file check decides
    loaded = loaded.join(loaded_lines, on=["h", "k"], how="left").select(
        "rid", "source", "source_id", LINE_COL
    )
    dup = pl.DataFrame(dup_keys, schema=["source", "source_id"], orient="row")
    entries = pl.concat(
        [
            loaded,
            refused.join(dup, on=["source", "source_id"], how="semi").select(
                pl.lit(None, pl.Int64).alias("rid"), "source", "source_id", LINE_COL
            ),
        ]
    ).with_columns(pl.col(LINE_COL).min().over("source", "source_id").alias("_first"))
    later = entries.filter(pl.col(LINE_COL) != pl.col("_first"))
    drop_rows = later["rid"].drop_nulls().to_list()
    if drop_rows:
        con.execute(f"delete from {target} where rowid in (select unnest(?))", [drop_rows]).fetchall()
    dup_rej = later.sort(LINE_COL).select(
        pl.col(LINE_COL),
        pl.lit("source_id").alias("column"),
        pl.lit("unique").alias("check"),
        mask_free_text(pl.col("source_id")).alias("value"),
        mask_free_text(pl.format(DUPLICATE_MESSAGE, pl.col("source_id"), pl.col("_first"))).alias("message"),
    )
    kept = rej.filter(~pl.col(LINE_COL).is_in(later[LINE_COL].implode()))
    return pl.concat([kept, dup_rej])


def _merge_stage(con, dataset: Dataset, stage: str) -> ld.LoadCounts:
    """Set-based upsert of the staged file into its table (one anti-join for the whole file)."""
    table = dataset.table
    key = "t.source = s.source and t.source_id = s.source_id"
    differs = " or ".join(
        f"t.{c} is distinct from s.{c}" for c in dataset.columns if c not in ("source", "source_id")
    )
    staged = con.execute(f"select count(*) from {stage}").fetchall()[0][0]
    updated = con.execute(f"delete from {table} t using {stage} s where {key} and ({differs})").fetchall()[0][
        0
    ]
    inserted = con.execute(
        f"insert into {table} select s.* from {stage} s anti join {table} t on {key}"
    ).fetchall()[0][0]
    con.execute(f"drop table {stage}").fetchall()
    return ld.LoadCounts(
        new=int(inserted) - int(updated), updated=int(updated), unchanged=int(staged) - int(inserted)
    )


def _python_encoding(encoding: str) -> str:
    return "cp1252" if encoding == "cp1252" else "utf-8-sig"


def exact_lines(plan: StreamPlan, wanted: set[int]) -> dict[int, int]:
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


def fix_line_numbers(plan: StreamPlan, records: int, lines: int, rejections: pl.DataFrame) -> pl.DataFrame:
    """Turn record-based line numbers into physical ones (also those quoted inside messages),
    only when the file has line breaks inside quoted fields (``lines``, the physical lines of the
    records, differs from the number of ``records``)."""
    if rejections.height == 0 or lines == records:
        return rejections
    cited = rejections["message"].str.extract_all(_LINE_IN_MESSAGE).explode().str.extract(_LINE_IN_MESSAGE)
    wanted = set(rejections[LINE_COL].drop_nulls().to_list()) | {int(x) for x in cited.drop_nulls().to_list()}
    mapping = exact_lines(plan, wanted)
    messages = [
        re.sub(_LINE_IN_MESSAGE, lambda m: f"ligne {mapping.get(int(m.group(1)), m.group(1))}", msg)
        for msg in rejections["message"].to_list()
    ]
    return rejections.with_columns(
        pl.col(LINE_COL).replace_strict(mapping, default=pl.col(LINE_COL), return_dtype=pl.Int64),
        pl.Series("message", messages, dtype=pl.String),
    )
