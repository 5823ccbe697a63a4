"""Ids repeated across the batches of a streamed file, found as the whole-file check finds them.

64-bit hashes of every row's key (12 bytes a row with the line, spilled to temporary files by hash
bucket, so not held in memory) say whether the file may hold repeated ids, within a batch or across
batches (:class:`KeySpill`); only then DuckDB finds them exactly (:func:`cross_batch_duplicates`),
so that the later occurrences are rejected citing the first one's line, as the whole-file check
would (also when the first occurrence was itself refused).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.errors import NotStreamable
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL
from pipelines.ingest.validate import DUPLICATE_MESSAGE


class KeySpill:
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


def key_hash() -> pl.Expr:
    return pl.struct("source", "source_id").hash().alias("h")


def cross_batch_duplicates(
    con: duckdb.DuckDBPyConnection,
    target: str,
    file_id: int,
    keyed: pl.DataFrame,
    rejected_keys: list[pl.DataFrame],
    rej: pl.DataFrame,
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
    loaded = loaded.with_columns(key_hash()).with_columns(pl.int_range(pl.len()).over("h").alias("k"))
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
