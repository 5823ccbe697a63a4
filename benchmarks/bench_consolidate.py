"""Consolidate a synthetic territory with DuckDB and with Spark (local) in the same run: wall time,
peak memory (the whole process tree: Python and Spark's JVM), results identical.

    uv run python -m benchmarks.bench_consolidate [--members 100] [--events 30000000] [--data DIR]

The territory: ``--members`` authorities of very unequal sizes (a Zipf-like share: the first member
is the ville-centre, the last ones small rural communes), ``--events`` requests in all over 2023–2025,
a case for every 10th request and a survey response for every 40th, written directly in the layout
of ``barometre export --parquet`` (hive partitions by year and authority, one manifest each) — the
generation is not timed. Each engine runs ``barometre consolidate --at 2025-12-31`` in its own
process; the process tree's resident memory is sampled every 0.2 s. Reported per engine: the wall
time, the scan (the engine's part) and the statistics (per member and pooled, DuckDB in both), the
peak memory; then whether the two consolidated warehouses hold the same figures (n exactly, values
to 1e-9 relative).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from pipelines.export import CANONICAL, MANIFEST_FORMAT, manifest_path
from pipelines.migrations import SCHEMA_VERSION

AT = "2025-12-31"
SERVICES = ("etat-civil", "urbanisme", "cantine", "ccas", "associations")
CHANNELS = ("online", "online", "online", "counter", "phone", "mail")
PLAN = """\
[authority]
name = "Observatoire synthétique"
kind = "syndicat mixte"

[plan]
title = "Plan du territoire (banc d'essai)"
start = 2023-01-01
end = 2027-12-31

[[indicators]]
id = "taux-demat"
label = "Part des démarches faites en ligne"
measure = "take_up"
direction = "increase"
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 0.8, date = 2027-12-31 }
min_sample = 30

[[indicators]]
id = "delai"
label = "Délai médian"
measure = "delay_median"
direction = "decrease"
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 10.0, date = 2027-12-31 }
min_sample = 30

[[indicators]]
id = "satisfaction"
label = "Note moyenne de satisfaction"
measure = "satisfaction_mean"
direction = "increase"
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 8.0, date = 2027-12-31 }
min_sample = 30
"""


def _columns(table: str, given: dict[str, str]) -> str:
    cols = [
        given.get(name, f"null::{sql_type}") + f" as {name}"
        for name, sql_type, _ in CANONICAL[table].sql_columns()
    ]
    return ", ".join(cols)


def generate(folder: Path, members: int, events: int) -> None:
    """The members' exports, written by DuckDB straight into the export layout (not timed)."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = [1 / (i + 1) for i in range(members)]
    total = sum(weights)
    sizes = [max(50, int(events * w / total)) for w in weights]
    con = duckdb.connect()
    con.execute("create table sizes (m integer, n bigint)")
    con.executemany("insert into sizes values (?, ?)", list(enumerate(sizes)))
    con.execute("create table offsets as select m, n, sum(n) over (order by m) - n as first from sizes")
    n_all = sum(sizes)
    base = (
        f"with r as (select range as i from range({n_all})), "
        "s as (select r.i, o.m from r asof join offsets o on r.i >= o.first) "
    )
    authority = "(200000000 + m)::varchar"
    when = "timestamp '2023-01-01' + to_seconds((hash(i, 1) % (3 * 365 * 86400))::bigint)"
    lag = "least(m, 60) / 100.0"  # larger index (smaller member) → less online
    specs = {
        "usage_events": (
            1,
            {
                "source": "'bench'",
                "source_id": "i::varchar",
                "submitted_at": when,
                "service": f"list_extract({list(SERVICES)}, (hash(i, 2) % 5)::int + 1)",
                "channel": f"case when (hash(i, 3) % 1000) / 1000.0 < 0.75 - {lag} "
                "then 'online' else list_extract(['counter', 'phone', 'mail'], (hash(i, 4) % 3)::int + 1) end",
                "commune": "(39000 + m)::varchar",
                "outcome": "case when hash(i, 5) % 20 = 0 then 'abandoned' else 'completed' end",
            },
            "submitted_at",
        ),
        "processing_cases": (
            10,
            {
                "source": "'bench'",
                "source_id": "i::varchar",
                "service": f"list_extract({list(SERVICES)}, (hash(i, 2) % 5)::int + 1)",
                "channel": "'online'",
                "submitted_at": when,
                "decided_at": f"case when hash(i, 6) % 30 = 0 then null else {when} + "
                "to_seconds((hash(i, 7) % (40 * 86400))::bigint) end",
                "status": "case when hash(i, 6) % 30 = 0 then 'in_review' else 'accepted' end",
                "deadline_days": "30.0",
                "commune": "(39000 + m)::varchar",
            },
            "submitted_at",
        ),
        "survey_responses": (
            40,
            {
                "source": "'bench'",
                "source_id": "i::varchar",
                "responded_at": when,
                "service": f"list_extract({list(SERVICES)}, (hash(i, 2) % 5)::int + 1)",
                "channel": "'online'",
                "score_10": "((hash(i, 8) % 11))::double",
                "satisfied": "(hash(i, 8) % 11) >= 7.5",
                "commune": "(39000 + m)::varchar",
                "complete": "true",
            },
            "responded_at",
        ),
    }
    for table, (every, given, date_col) in specs.items():
        target = str(folder / table).replace("'", "''")
        con.execute(
            f"copy ({base} select {_columns(table, given)}, 1::bigint as file_id, year({date_col}) as year, "
            f"{authority} as authority from s where i % {every} = 0) to '{target}' "
            "(format parquet, partition_by (year, authority), overwrite_or_ignore true, filename_pattern 'part_{uuid}')"
        )
    con.close()
    for m, n in enumerate(sizes):
        key = str(200000000 + m)
        doc = {
            "format": MANIFEST_FORMAT,
            "schema_version": SCHEMA_VERSION,
            "exported_at": "2026-01-15T08:00:00",
            "authority": key,
            "name": f"Membre {m + 1}",
            "kind": "commune",
            "communes": [str(39000 + m)],
            "population": n // 4,
        }
        path = manifest_path(folder, key)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(doc), encoding="utf-8")
    (folder.parent / "territoire.toml").write_text(PLAN, encoding="utf-8")


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_engine(engine: str, data: Path) -> dict:
    out = data / f"consolidated-{engine}.duckdb"
    cmd = [sys.executable, "-m", "benchmarks.bench_consolidate", "--child", engine, "--data", str(data)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{engine}: échec (code {proc.returncode})")
    phases = json.loads(stdout.strip().splitlines()[-1])
    return {"engine": engine, "wall_s": round(wall, 2), "peak_mb": round(peak), **phases, "out": str(out)}


def child(engine: str, data: Path) -> None:
    """One consolidation, timed by phase (the engine's scan, then the statistics)."""
    import datetime as dt

    from pipelines.consolidate import consolidate

    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(i: float, total: int, name: str) -> None:
        if i == 1:
            marks["scan_s"] = time.perf_counter() - t0

    consolidate(
        [data / "parquet"],
        data / "territoire.toml",
        data / f"consolidated-{engine}.duckdb",
        engine_name=engine,
        as_of=dt.date.fromisoformat(AT),
        progress=progress,
    )
    total = time.perf_counter() - t0
    print(
        json.dumps({"scan_s": round(marks["scan_s"], 2), "statistics_s": round(total - marks["scan_s"], 2)})
    )


def same_results(a: str, b: str) -> tuple[bool, int]:
    sql = "select scope, coalesce(authority, ''), indicator_id, value, ci_low, ci_high, n, status from territory_results order by all"
    rows = []
    for path in (a, b):
        con = duckdb.connect(path, read_only=True)
        rows.append(con.execute(sql).fetchall())
        con.close()
    if len(rows[0]) != len(rows[1]):
        return False, 0

    def close(x, y) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)
        return x == y

    ok = all(close(x, y) for r, s in zip(rows[0], rows[1], strict=True) for x, y in zip(r, s, strict=True))
    return ok, len(rows[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--events", type=int, default=30_000_000)
    parser.add_argument("--data", type=Path, default=Path("benchmarks/out/territory"))
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data)
        return
    marker = args.data / "generated.json"
    wanted = {"members": args.members, "events": args.events, "schema": SCHEMA_VERSION}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        t0 = time.perf_counter()
        import shutil

        shutil.rmtree(args.data, ignore_errors=True)
        generate(args.data / "parquet", args.members, args.events)
        marker.write_text(json.dumps(wanted))
        print(
            f"territoire généré en {time.perf_counter() - t0:.1f} s ({args.members} membres, {args.events:,} demandes)"
        )
    size = sum(p.stat().st_size for p in (args.data / "parquet").rglob("*.parquet")) / 1e6
    print(f"exports Parquet : {size:,.0f} Mo, {os.cpu_count()} cœurs")
    results = [run_engine(e, args.data) for e in args.engines]
    for r in results:
        print(
            f"{r['engine']:<7} total {r['wall_s']:>7.1f} s  lecture {r['scan_s']:>7.1f} s  "
            f"statistiques {r['statistics_s']:>7.1f} s  pic mémoire {r['peak_mb']:>6} Mo"
        )
    if len(results) == 2:
        ok, n = same_results(results[0]["out"], results[1]["out"])
        print(f"résultats identiques : {'oui' if ok else 'NON'} ({n} lignes de territory_results)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
