"""Every query the pages run, and a cold render of every page, at 1 M, 10 M and 30 M events.

    uv run python -m benchmarks.bench_app --sizes 1000000 10000000 30000000 [--repeat 20]

For each size: the benchmark files (``benchmarks.generate``) are ingested once into
``benchmarks/out/warehouse_<rows>.duckdb`` with the demo plan. Then:

1. each page is rendered with ``AppTest`` in a fresh process (cold caches) and timed (the
   ``run()`` only, imports excluded): the overview's first render, then the first switch to each
   other page right after it, and again once the background imports that the first page starts
   (``dashboard/warmup.py``) are done — a user reading the overview before clicking;
2. while rendering, every SQL statement the pages send to DuckDB is recorded; each distinct
   statement is then replayed ``--repeat`` times on a fresh read-only connection and its median
   time reported. Target: ≤ 100 ms each at 30 M events, first render of the overview ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.generate import write_bench

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAN = ROOT / "pipelines" / "demo" / "plan.toml"
PAGES = ("overview.py", "indicator.py", "review.py", "roadmap.py", "funders.py", "data.py")

# Run inside a fresh interpreter: render one page, print its time and the statements it sent.
RENDER = r"""
import json, sys, time
import duckdb
statements = []
_connect = duckdb.connect

class Recorder:
    def __init__(self, con): self._con = con
    def __getattr__(self, name): return getattr(self._con, name)
    def __enter__(self): return self
    def __exit__(self, *exc): self._con.close()
    def execute(self, sql, params=None, *a, **k):
        statements.append([sql, params]); return self._con.execute(sql, params, *a, **k) if params is not None else self._con.execute(sql, *a, **k)
    def sql(self, sql, *a, **k):
        statements.append([sql, k.get("params")]); return self._con.sql(sql, *a, **k)

def connect(*a, **k):
    con = _connect(*a, **k)
    return Recorder(con) if k.get("read_only") else con

duckdb.connect = connect
from streamlit.testing.v1 import AppTest
app, page, wait = sys.argv[1], sys.argv[2], sys.argv[3] == "wait"
at = AppTest.from_file(app, default_timeout=300)
at.run()  # the router's first run renders the default page
if wait:  # a user reading the first page: the background imports (dashboard/warmup.py) are done
    import threading
    for t in threading.enumerate():
        if t.name == "barometre-prechargement":
            t.join()
t0 = time.perf_counter()
if page != "overview.py":
    statements.clear()
    at.switch_page("app_pages/" + page)
    at.run()
elapsed = time.perf_counter() - t0 if page != "overview.py" else None
if page == "overview.py":
    # cold first render of the default page, in a second fresh AppTest of the same process would be warm:
    # time the first run instead
    pass
print(json.dumps({"elapsed": elapsed, "exception": [str(e.value) for e in at.exception], "statements": statements}, default=str))
"""

RENDER_OVERVIEW = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=300)
t0 = time.perf_counter(); at.run(); elapsed = time.perf_counter() - t0
print(json.dumps({"elapsed": elapsed, "exception": [str(e.value) for e in at.exception]}))
"""


def build_warehouse(rows: int, out: Path) -> Path:
    files = write_bench(out, rows)
    warehouse = out / f"warehouse_{rows}.duckdb"
    if not warehouse.exists():
        plan_dir = out / f"plan_{rows}"
        plan_dir.mkdir(exist_ok=True)
        shutil.copy(PLAN, plan_dir / "plan.toml")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "ingest",
                str(files.usage),
                str(files.processing),
                str(files.survey),
                "--warehouse",
                str(warehouse),
                "--plan",
                str(plan_dir / "plan.toml"),
                "--data-dir",
                str(plan_dir),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return warehouse


def render(script: str, page: str, env: dict, wait: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "dashboard" / "app.py"), page, "wait" if wait else "now"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def replay(warehouse: Path, statements: list, repeat: int) -> list[dict]:
    seen: dict[str, dict] = {}
    for sql, params in statements:
        key = sql + json.dumps(params, default=str)
        if key in seen or not sql.lstrip().lower().startswith(("select", "with", "from")):
            continue
        times = []
        for _ in range(repeat):
            con = duckdb.connect(str(warehouse), read_only=True)
            t0 = time.perf_counter()
            con.execute(sql, params).fetchall() if params else con.execute(sql).fetchall()
            times.append(time.perf_counter() - t0)
            con.close()
        seen[key] = {
            "sql": " ".join(sql.split())[:90],
            "params": json.dumps(params, default=str)[:200],
            "median_ms": 1000 * statistics.median(times),
        }
    return sorted(seen.values(), key=lambda r: -r["median_ms"])


def main() -> None:
    import os

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--data", type=Path, default=HERE / "out")
    args = p.parse_args()
    report = {}
    for rows in args.sizes:
        warehouse = build_warehouse(rows, args.data)
        env = {
            **os.environ,
            "BAROMETRE_WAREHOUSE": str(warehouse),
            "BAROMETRE_PLAN": str(args.data / f"plan_{rows}" / "plan.toml"),
        }
        first = render(RENDER_OVERVIEW, "overview.py", env)
        pages, later, statements = {}, {}, []
        for page in PAGES:
            res = render(RENDER, page, env)
            pages[page] = res["elapsed"]
            statements += res["statements"]
            if res["exception"]:
                print(f"  ! {page}: {res['exception']}", file=sys.stderr)
            if page != "overview.py":
                later[page] = render(RENDER, page, env, wait=True)["elapsed"]
        queries = replay(warehouse, statements, args.repeat)
        report[rows] = {
            "overview_first_render_s": first["elapsed"],
            "page_switch_s": pages,
            "page_switch_after_warmup_s": later,
            "queries": queries,
        }
        print(f"\n{rows:,} événements — premier affichage de la vue d'ensemble : {first['elapsed']:.2f} s")
        print("  premier passage sur chaque page : aussitôt après la vue d'ensemble / après le préchargement")
        for page, secs in pages.items():
            if secs is not None:
                print(f"  page {page:<14} {secs:6.2f} s / {later[page]:6.2f} s")
        worst = queries[0]["median_ms"] if queries else 0.0
        print(
            f"  {len(queries)} requêtes distinctes ; la plus lente : {worst:.1f} ms (médiane de {args.repeat})"
        )
        for q in queries[:8]:
            print(f"    {q['median_ms']:7.1f} ms  {q['sql']}")
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
