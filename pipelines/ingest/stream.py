"""Streaming path for large canonical CSV files: bounded memory, both cores busy.

A canonical file (header = canonical column names, UTF-8, comma) above ``STREAM_MIN_BYTES`` is not
parsed whole. Polars reads it in batches; a worker thread types and validates batch *k + 1*
(coerce → Pandera) while the main thread appends batch *k* to DuckDB from Arrow. The result is the
same as the one-shot path (tested): same rows, same rejections, same ledger counts.

Line numbers: a record's line is its index + 2 (header on line 1). When the file holds line breaks
inside quoted fields (physical lines ≠ records + 1), the lines of rejected records are recomputed
exactly with the CSV reader — only then, since it is slow.

Duplicates across batches are found from 64-bit hashes of the key (cheap), with an exact check in
DuckDB only when hashes collide.
"""

from __future__ import annotations

import contextlib
import csv
import io
import queue
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest import load as ld
from pipelines.ingest.adapters.canonical import CANONICAL_ADAPTERS, DEFAULT_SOURCE
from pipelines.ingest.coerce import coerce, empty_rejections
from pipelines.ingest.read import LINE_COL, MAX_FIELD, RawTable
from pipelines.ingest.services import Catalogue
from pipelines.ingest.validate import DUPLICATE_MESSAGE, validate
from schemas import Dataset

STREAM_MIN_BYTES = 64 * 1024 * 1024
BATCH_ROWS = 500_000


def canonical_dataset(path: Path) -> Dataset | None:
    """The canonical dataset whose exact layout this file has (UTF-8, comma), else None."""
    with open(path, "rb") as fh:
        first = fh.readline(64 * 1024)
    try:
        text = first.decode("utf-8").lstrip("\ufeff").strip()
    except UnicodeDecodeError:
        return None
    if '"' in text or ";" in text or "\t" in text:
        return None
    header = text.split(",")
    probe = RawTable(path=path, frame=pl.DataFrame(), header=header, encoding="utf-8", delimiter=",")
    for adapter in CANONICAL_ADAPTERS:
        if adapter.matches(probe) and set(header) <= set(adapter.dataset.columns):
            return adapter.dataset
    return None


def _blocks(path: Path, block_bytes: int) -> Iterator[tuple[list[str], bytes]]:
    """(header, block of whole records) from the file, read with plain reads — no memory map, so
    memory stays flat whatever the file size. A block ends at a line break outside quotes."""
    with open(path, "rb") as fh:
        header_line = fh.readline()
        header = next(csv.reader([header_line.decode("utf-8-sig").rstrip("\r\n")]))
        carry = b""
        while True:
            chunk = fh.read(block_bytes)
            data = carry + chunk
            if not chunk:
                if data.strip():
                    yield header, data
                return
            cut = _record_boundary(data)
            if cut <= 0:
                carry = data  # one huge record: keep reading
                continue
            yield header, data[:cut]
            carry = data[cut:]


def _record_boundary(data: bytes) -> int:
    """Index just after the last line break that is outside quoted fields (0 if none)."""
    cut = data.rfind(b"\n") + 1
    while cut > 0 and data.count(b'"', 0, cut) % 2:
        cut = data.rfind(b"\n", 0, cut - 1) + 1
    return cut


def _batches(path: Path, dataset: Dataset, batch_rows: int) -> Iterator[pl.DataFrame]:
    block_bytes = max(1 << 16, batch_rows * 128)
    offset = 2
    for header, block in _blocks(path, block_bytes):
        batch = pl.read_csv(
            io.BytesIO(block), has_header=False, new_columns=header, infer_schema=False,
            encoding="utf8-lossy", quote_char='"', schema_overrides={h: pl.String for h in header},
        )
        n = batch.height
        batch = batch.with_columns(pl.int_range(offset, offset + n, dtype=pl.Int64).alias(LINE_COL))
        offset += n
        yield batch


def _prepare(batch: pl.DataFrame, dataset: Dataset, catalogue: Catalogue) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Pure stage for one batch: canonical columns → services → coerce → validate."""
    cols = [pl.col(c) if c in batch.columns else pl.lit(None, pl.String).alias(c) for c in dataset.columns]
    frame = batch.select([*cols, pl.col(LINE_COL)])
    frame = frame.with_columns(pl.col("source").fill_null(DEFAULT_SOURCE))
    frame, unknown = catalogue.resolve(frame)
    typed, coerce_rej = coerce(frame, dataset.polars_schema)
    good, val_rej = validate(typed, dataset)
    rej = pl.concat([r for r in (coerce_rej, val_rej) if r.height] or [empty_rejections()])
    return good, rej, unknown


def _producer(path, dataset, catalogue, batch_rows, out: queue.Queue) -> None:
    try:
        for batch in _batches(path, dataset, batch_rows):
            out.put(("batch", batch.height, *_prepare(batch, dataset, catalogue)))
        out.put(("done",))
    except BaseException as err:  # handed to the main thread, which raises it
        out.put(("error", err))


COMMIT_ROWS = 1_500_000


def stream_load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    dataset: Dataset,
    file_id: int,
    catalogue: Catalogue,
    finish: Callable[[int, ld.LoadCounts, pl.DataFrame, list[str]], None],
    batch_rows: int | None = None,
) -> None:
    """Load a canonical file batch by batch; ``finish(rows_read, counts, rejections, unknown)``
    runs inside the last transaction (the ledger is written there).

    DuckDB holds an open transaction's appended rows in memory, so rows are committed every
    ``COMMIT_ROWS`` to keep memory flat. They are tagged with this file's ``file_id`` (directly in
    the table when it was empty, else in a staging table merged at the end), so an error undoes
    them by deleting that ``file_id``; a crash loses the whole run's snapshot (see warehouse.py).
    """
    batch_rows = batch_rows or BATCH_ROWS
    table = dataset.table
    direct = con.execute(f"select not exists (select 1 from {table})").fetchall()[0][0]
    target = table if direct else f"_stream_stage_{file_id}"
    if not direct:
        con.execute(f"create or replace table {target} as select * from {table} limit 0").fetchall()
    q: queue.Queue = queue.Queue(maxsize=2)
    worker = threading.Thread(target=_producer, args=(path, dataset, catalogue, batch_rows, q), daemon=True)
    worker.start()
    rows_read, since_commit = 0, 0
    rejections: list[pl.DataFrame] = []
    hashes: list[pl.DataFrame] = []  # (key hash, line) of every loaded record
    unknown: set[str] = set()
    con.execute("begin transaction").fetchall()
    try:
        while True:
            item = q.get()
            if item[0] == "done":
                break
            if item[0] == "error":
                raise item[1]
            _, n, good, rej, unk = item
            rows_read += n
            unknown |= set(unk)
            if rej.height:
                rejections.append(rej)
            if good.height:
                hashes.append(good.select(pl.struct("source", "source_id").hash().alias("h"), pl.col(LINE_COL)))
                rows = good.select(dataset.columns).with_columns(pl.lit(file_id, pl.Int64).alias("file_id"))
                con.register("_stream_arrow", rows.to_arrow(compat_level=pl.CompatLevel.newest()))
                try:
                    con.execute(f"insert into {target} select * from _stream_arrow").fetchall()
                finally:
                    con.unregister("_stream_arrow")
                since_commit += good.height
            if since_commit >= COMMIT_ROWS:
                con.execute("commit").fetchall()
                con.execute("begin transaction").fetchall()
                since_commit = 0
        dup_rej = _drop_cross_batch_duplicates(con, target, file_id, hashes)
        if dup_rej.height:
            rejections.append(dup_rej)
        loaded = con.execute(f"select count(*) from {target} where file_id = ?", [file_id]).fetchall()[0][0]
        counts = ld.LoadCounts(new=int(loaded)) if direct else _merge_stage(con, dataset, target)
        rej = pl.concat(rejections) if rejections else empty_rejections()
        finish(rows_read, counts, rej, sorted(unknown))
        con.execute("commit").fetchall()
    except BaseException:
        con.execute("rollback").fetchall()
        _undo(con, table, target, file_id, direct)
        raise
    finally:
        while worker.is_alive():  # let the producer end if we stopped early
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.1)
        worker.join()


def _undo(con, table: str, target: str, file_id: int, direct: bool) -> None:
    """Remove what earlier commits of this file wrote (the file ends fully out)."""
    if direct:
        con.execute(f"delete from {table} where file_id = ?", [file_id]).fetchall()
    else:
        con.execute(f"drop table if exists {target}").fetchall()


def _drop_cross_batch_duplicates(con, target: str, file_id: int, hashes: list[pl.DataFrame]) -> pl.DataFrame:
    """Keep the first occurrence of each key of this file; the later ones become rejections."""
    if not hashes:
        return empty_rejections()
    keyed = pl.concat(hashes)
    if keyed["h"].n_unique() == keyed.height:
        return empty_rejections()
    dups = con.execute(
        f"""
        with ranked as (
            select rowid as rid, source, source_id,
                   row_number() over (partition by source, source_id order by rowid) as k
            from {target} where file_id = ?
        )
        select rid, source, source_id, k from ranked where k > 1 order by rid
        """,
        [file_id],
    ).fetchall()
    if not dups:
        return empty_rejections()
    con.execute(f"delete from {target} where rowid in (select unnest(?))", [[d[0] for d in dups]]).fetchall()
    found = pl.DataFrame({"source": [d[1] for d in dups], "source_id": [d[2] for d in dups], "k": [d[3] for d in dups]})
    found = found.with_columns(pl.struct("source", "source_id").hash().alias("h"))
    lines = keyed.filter(pl.col("h").is_in(found["h"].implode())).sort(LINE_COL).with_columns(
        pl.int_range(1, pl.len() + 1).over("h").alias("k")
    )
    first = lines.filter(pl.col("k") == 1).select("h", pl.col(LINE_COL).alias("_first"))
    found = found.join(lines, on=["h", "k"], how="left").join(first, on="h", how="left")
    return found.select(
        pl.col(LINE_COL).cast(pl.Int64),
        pl.lit("source_id").alias("column"),
        pl.lit("unique").alias("check"),
        pl.col("source_id").alias("value"),
        pl.format(DUPLICATE_MESSAGE, pl.col("source_id"), pl.col("_first")).alias("message"),
    )


def _merge_stage(con, dataset: Dataset, stage: str) -> ld.LoadCounts:
    """Set-based upsert of the staged file into its table (one anti-join for the whole file)."""
    table = dataset.table
    key = "t.source = s.source and t.source_id = s.source_id"
    differs = " or ".join(f"t.{c} is distinct from s.{c}" for c in dataset.columns if c not in ("source", "source_id"))
    staged = con.execute(f"select count(*) from {stage}").fetchall()[0][0]
    updated = con.execute(f"delete from {table} t using {stage} s where {key} and ({differs})").fetchall()[0][0]
    inserted = con.execute(f"insert into {table} select s.* from {stage} s anti join {table} t on {key}").fetchall()[0][0]
    con.execute(f"drop table {stage}").fetchall()
    return ld.LoadCounts(new=int(inserted) - int(updated), updated=int(updated), unchanged=int(staged) - int(inserted))


def exact_lines(path: Path, records: set[int]) -> dict[int, int]:
    """Record index (header = 1, first record = 2) → physical line, for files with quoted line breaks."""
    csv.field_size_limit(MAX_FIELD)
    out: dict[int, int] = {}
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        start = 1
        for idx, _row in enumerate(reader, start=1):
            if idx in records:
                out[idx] = start
            start = reader.line_num + 1
    return out


def physical_lines(path: Path) -> int:
    n, last = 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (1 if last not in (b"\n", b"") else 0)


_LINE_IN_MESSAGE = r"ligne (\d+)"


def fix_line_numbers(path: Path, rows_read: int, rejections: pl.DataFrame) -> pl.DataFrame:
    """Turn record-based line numbers into physical ones (also those quoted inside messages),
    only when the file has line breaks inside quoted fields."""
    if rejections.height == 0 or physical_lines(path) == rows_read + 1:
        return rejections
    cited = rejections["message"].str.extract_all(_LINE_IN_MESSAGE).explode().str.extract(_LINE_IN_MESSAGE)
    wanted = set(rejections[LINE_COL].drop_nulls().to_list()) | {int(x) for x in cited.drop_nulls().to_list()}
    mapping = exact_lines(path, wanted)
    messages = [
        re.sub(_LINE_IN_MESSAGE, lambda m: f"ligne {mapping.get(int(m.group(1)), m.group(1))}", msg)
        for msg in rejections["message"].to_list()
    ]
    return rejections.with_columns(
        pl.col(LINE_COL).replace_strict(mapping, default=pl.col(LINE_COL), return_dtype=pl.Int64),
        pl.Series("message", messages, dtype=pl.String),
    )


__all__ = ["STREAM_MIN_BYTES", "canonical_dataset", "fix_line_numbers", "stream_load"]
