"""Seeded generator of large canonical CSVs (and a French-Excel variant) for the benchmarks.

    uv run python -m benchmarks.generate --rows 10000000 --out benchmarks/out [--french]

The rows come from the demo authority's generator (same services, communes and story, so the demo
plan applies), one million usage events per chunk with their processing cases and survey
responses, ids made unique per chunk. Written chunk by chunk, so memory stays flat whatever the
size. Files: ``usage_<rows>.csv``, ``processing_<rows>.csv``, ``survey_<rows>.csv`` (canonical:
UTF-8, ``,``, ISO timestamps) and with ``--french`` ``usage_<rows>_excel-fr.csv`` (``;``, cp1252,
``dd/mm/yyyy HH:MM``, French headers and values, as an analyst's Excel log holds them).
"""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.demo.generate import generate_frames

CHUNK = 1_000_000
DEMO_USAGE_AT_SCALE_1 = 200_000
CHANNEL_FR = {
    "online": "En ligne",
    "assisted": "France Services",
    "counter": "Guichet",
    "phone": "Téléphone",
    "mail": "Courrier",
    "email": "Courriel",
    "other": "Autre",
}
OUTCOME_FR = {
    "completed": "Terminée",
    "abandoned": "Abandonnée",
    "rejected": "Refusée",
    "pending": "En cours",
}


@dataclass(frozen=True)
class BenchFiles:
    usage: Path
    processing: Path
    survey: Path
    french: Path | None


def files_for(out: Path, rows: int) -> BenchFiles:
    return BenchFiles(
        out / f"usage_{rows}.csv",
        out / f"processing_{rows}.csv",
        out / f"survey_{rows}.csv",
        out / f"usage_{rows}_excel-fr.csv",
    )


def to_french_excel(usage: pl.DataFrame) -> pl.DataFrame:
    """The same requests as an analyst's French Excel log would hold them."""
    return usage.select(
        pl.col("source_id").alias("N° demande"),
        pl.col("service_label").alias("Type de démarche"),
        pl.col("channel").replace_strict(CHANNEL_FR).alias("Canal de dépôt"),
        pl.col("submitted_at").dt.strftime("%d/%m/%Y %H:%M").alias("Date de dépôt"),
        pl.col("commune").alias("Commune"),
        pl.col("age_band").alias("Tranche d'âge"),
        pl.col("outcome").replace_strict(OUTCOME_FR, default=None).alias("Issue"),
    )


def write_bench(out: Path, rows: int, seed: int = 42, french: bool = False) -> BenchFiles:
    """Write the benchmark files for ``rows`` usage events (skipped when already there)."""
    out.mkdir(parents=True, exist_ok=True)
    files = files_for(out, rows)
    wanted = [files.usage, files.processing, files.survey] + ([files.french] if french else [])
    if all(p.exists() for p in wanted):
        return files
    with contextlib.ExitStack() as stack:
        handles = {
            name: stack.enter_context(open(getattr(files, name), "wb"))
            for name in ("usage", "processing", "survey")
        }
        fr = stack.enter_context(open(files.french, "wb")) if french else None
        for i, start in enumerate(range(0, rows, CHUNK)):
            n = min(CHUNK, rows - start)
            frames = generate_frames(seed=seed + i, scale=n / DEMO_USAGE_AT_SCALE_1)
            frames["usage"] = frames["usage"].head(n)
            for name, frame in frames.items():
                frame = frame.with_columns(
                    pl.format("{}-{}", pl.lit(f"c{i:03d}"), pl.col("source_id")).alias("source_id")
                )
                frames[name] = frame
                frame.write_csv(handles[name], include_header=i == 0, datetime_format="%Y-%m-%d %H:%M:%S")
            if fr is not None:
                text = to_french_excel(frames["usage"]).write_csv(
                    separator=";", include_header=i == 0, line_terminator="\r\n"
                )
                fr.write(text.encode("cp1252", errors="replace"))
    return files


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--french", action="store_true")
    args = p.parse_args()
    files = write_bench(args.out, args.rows, args.seed, args.french)
    for path in (files.usage, files.processing, files.survey, files.french if args.french else None):
        if path is not None:
            print(path, f"{path.stat().st_size / 1e6:.0f} Mo")


if __name__ == "__main__":
    main()
