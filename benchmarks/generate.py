"""Seeded generator of large canonical CSVs (and a French-Excel variant) for the benchmarks.

    uv run python -m benchmarks.generate --rows 10000000 --out benchmarks/out

Writes ``usage_<rows>.csv`` (canonical: UTF-8, ``,``, ISO timestamps) and, with ``--french``,
``usage_<rows>_excel-fr.csv`` (``;``, cp1252, ``dd/mm/yyyy HH:MM``, French headers and values),
in chunks of one million rows so memory stays flat whatever the size.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

CHUNK = 1_000_000
SERVICES = [f"service-{i:02d}" for i in range(40)]
CHANNELS = ["online", "assisted", "counter", "phone"]
CHANNEL_FR = {"online": "En ligne", "assisted": "France Services", "counter": "Guichet", "phone": "Téléphone"}
OUTCOMES = ["completed", "completed", "completed", "abandoned", "rejected", "pending"]
OUTCOME_FR = {"completed": "Terminée", "abandoned": "Abandonnée", "rejected": "Refusée", "pending": "En cours"}
COMMUNES = [f"{39000 + 7 * i:05d}" for i in range(29)] + ["2A004"]
AGE_BANDS = ["<25", "25-39", "40-59", "60-74", "75+"]
START = dt.datetime(2021, 1, 1)
SPAN_S = int((dt.datetime(2025, 12, 31) - START).total_seconds())


def usage_chunk(rng: np.random.Generator, offset: int, n: int) -> pl.DataFrame:
    """One chunk of canonical usage events (row ids offset..offset+n)."""
    hi = rng.integers(0, 2**62, n, dtype=np.int64)
    start_us = int(START.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000
    ts = pl.Series(rng.integers(0, SPAN_S, n, dtype=np.int64) * 1_000_000 + start_us)
    return pl.DataFrame(
        {
            "source": pl.Series(["bench"] * n),
            "source_id": pl.Series(hi).cast(pl.String).str.pad_start(19, "0") + "-" + pl.Series(np.arange(offset, offset + n)).cast(pl.String).str.pad_start(16, "0"),
            "submitted_at": pl.Series(ts).cast(pl.Datetime("us")).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "service": pl.Series(np.array(SERVICES)[rng.integers(0, len(SERVICES), n)]),
            "service_label": None,
            "channel": pl.Series(np.array(CHANNELS)[rng.integers(0, len(CHANNELS), n)]),
            "commune": pl.Series(np.array(COMMUNES)[rng.integers(0, len(COMMUNES), n)]),
            "age_band": pl.Series(np.array(AGE_BANDS)[rng.integers(0, len(AGE_BANDS), n)]),
            "outcome": pl.Series(np.array(OUTCOMES)[rng.integers(0, len(OUTCOMES), n)]),
        }
    ).with_columns(pl.col("service").alias("service_label"))


def to_french_excel(chunk: pl.DataFrame) -> pl.DataFrame:
    """The same rows as an analyst's French Excel log would hold them."""
    return chunk.select(
        pl.col("source_id").alias("N° demande"),
        pl.col("service_label").alias("Type de démarche"),
        pl.col("channel").replace_strict(CHANNEL_FR).alias("Canal de dépôt"),
        pl.col("submitted_at").str.to_datetime("%Y-%m-%d %H:%M:%S").dt.strftime("%d/%m/%Y %H:%M").alias("Date de dépôt"),
        pl.col("commune").alias("Commune"),
        pl.col("age_band").alias("Tranche d'âge"),
        pl.col("outcome").replace_strict(OUTCOME_FR).alias("Issue"),
    )


def write_usage(out: Path, rows: int, seed: int = 42, french: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    canonical = out / f"usage_{rows}.csv"
    french_path = out / f"usage_{rows}_excel-fr.csv"
    rng = np.random.default_rng(seed)
    with open(canonical, "wb") as fc, (open(french_path, "wb") if french else open("/dev/null", "wb")) as ff:
        for offset in range(0, rows, CHUNK):
            chunk = usage_chunk(rng, offset, min(CHUNK, rows - offset))
            chunk.write_csv(fc, include_header=offset == 0)
            if french:
                text = to_french_excel(chunk).write_csv(separator=";", include_header=offset == 0, line_terminator="\r\n")
                ff.write(text.encode("cp1252"))
    return [canonical, french_path] if french else [canonical]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--french", action="store_true")
    args = p.parse_args()
    for path in write_usage(args.out, args.rows, args.seed, args.french):
        print(path, f"{path.stat().st_size / 1e6:.0f} Mo")


if __name__ == "__main__":
    main()
