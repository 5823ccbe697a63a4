"""Validated ingest vs DuckDB's plain ``read_csv``, in the same run, alternating.

    uv run python -m benchmarks.bench_ingest --rows 10000000 [--runs 3] [--french]

For each run: ``barometre ingest FILE`` into a fresh warehouse, then DuckDB ``create table … as
select * from read_csv(FILE, explicit types)`` into a fresh file. Prints medians, the ratio and
peak RSS of each, and (``--french``) the French-Excel variant against the canonical ingest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import write_bench

HERE = Path(__file__).resolve().parent
TYPES = (
    "{'source':'VARCHAR','source_id':'VARCHAR','submitted_at':'TIMESTAMP','service':'VARCHAR',"
    "'service_label':'VARCHAR','channel':'VARCHAR','commune':'VARCHAR','age_band':'VARCHAR','outcome':'VARCHAR'}"
)


def measure(cmd: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, str(HERE / "_measure.py"), *cmd], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return result


def ingest_cmd(csv: Path, warehouse: Path) -> list[str]:
    warehouse.unlink(missing_ok=True)
    return [
        sys.executable,
        "-m",
        "pipelines.cli",
        "ingest",
        str(csv),
        "--warehouse",
        str(warehouse),
        "--data-dir",
        str(csv.parent),
    ]


def duckdb_cmd(csv: Path, db: Path) -> list[str]:
    db.unlink(missing_ok=True)
    sql = f"create table t as select * from read_csv('{csv}', header=true, columns={TYPES})"
    code = f"import duckdb; c = duckdb.connect({str(db)!r}); c.execute({sql!r}); c.execute('checkpoint'); c.close()"
    return [sys.executable, "-c", code]


def summarise(name: str, runs: list[dict]) -> dict:
    return {
        "name": name,
        "median_s": statistics.median(r["wall_s"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "runs_s": [round(r["wall_s"], 2) for r in runs],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--french", action="store_true", help="also time the French-Excel variant")
    p.add_argument("--data", type=Path, default=HERE / "out")
    args = p.parse_args()
    files = write_bench(args.data, args.rows, french=args.french)
    canonical = files.usage
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ours, plain, french = [], [], []
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}…", file=sys.stderr)
            ours.append(measure(ingest_cmd(canonical, tmp / "w.duckdb")))
            plain.append(measure(duckdb_cmd(canonical, tmp / "d.duckdb")))
            if args.french:
                french.append(measure(ingest_cmd(files.french, tmp / "f.duckdb")))
    rows = [
        summarise("barometre ingest (validé)", ours),
        summarise("duckdb read_csv (sans validation)", plain),
    ]
    if french:
        rows.append(summarise("barometre ingest, variante Excel FR", french))
    report = {
        "rows": args.rows,
        "file_mb": round(canonical.stat().st_size / 1e6),
        "results": rows,
        "ratio_ingest_vs_duckdb": rows[0]["median_s"] / rows[1]["median_s"],
    }
    if french:
        report["ratio_french_vs_canonical"] = rows[2]["median_s"] / rows[0]["median_s"]
    print(f"\n{args.rows:,} lignes ({report['file_mb']} Mo)")
    print(f"{'mesure':<40} {'médiane (s)':>12} {'pic RSS (Mo)':>14}  essais")
    for r in rows:
        print(f"{r['name']:<40} {r['median_s']:>12.2f} {r['peak_mb']:>14.0f}  {r['runs_s']}")
    print(f"ratio ingest / duckdb : {report['ratio_ingest_vs_duckdb']:.2f}")
    if french:
        print(f"ratio Excel FR / canonique : {report['ratio_french_vs_canonical']:.2f}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
