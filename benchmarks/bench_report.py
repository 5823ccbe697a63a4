"""Time building the demo's FEDER pack (PDF, PNG/SVG charts, XLSX, CSV, manifest), in one process,
and the handover pack (« Bilan et continuité du plan », ``barometre handover``) in the same run, the
FEDER pack being its baseline (these machines are noisy: compare within one run).

    uv run python -m benchmarks.bench_report [--runs 5] [--funder FEDER] [--demo-dir DIR]

Reported apart: the imports (pandera, scipy, altair…), and the first build, which also starts
vl-convert's JavaScript engine (~0.35 s) and warms DuckDB's file cache. Then the median of the
next ``--runs`` builds, each into a fresh folder, with where the time goes (numbers and charts
assembled, charts rendered, PDF, XLSX/CSV/manifest). Target: < 10 s for a build, each pack.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()

from pipelines.demo.run import prepare_demo  # noqa: E402
from pipelines.plan import load_plan  # noqa: E402
from pipelines.report import build_funder_pack, build_handover_pack  # noqa: E402

IMPORTS_S = time.perf_counter() - T0
TARGET_S = 10.0


class Phases:
    """Progress callback that notes when each kind of step ends."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {}

    def __call__(self, i: int, total: int, what: str) -> None:
        phase = (
            "charts rendered"
            if what.startswith("Graphique")
            else "PDF"
            if what.startswith("Document")
            else "XLSX, CSV, manifest"
            if what.startswith(("Classeur", "Fichiers", "Manifeste"))
            else "numbers and figures"
        )
        self.marks[phase] = time.perf_counter() - self.start

    def split(self) -> dict[str, float]:
        order = ["numbers and figures", "charts rendered", "PDF", "XLSX, CSV, manifest"]
        out, previous = {}, 0.0
        for name in order:
            if name in self.marks:
                out[name] = round(self.marks[name] - previous, 3)
                previous = self.marks[name]
        return out


def build_once(warehouse: Path, plan, funder: str | None) -> tuple[float, dict]:
    """One build into a fresh folder: ``funder``'s pack, or the handover pack when None."""
    phases = Phases()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        t = time.perf_counter()
        if funder:
            build_funder_pack(warehouse, plan, funder, Path(tmp), progress=phases)
        else:
            build_handover_pack(warehouse, plan, Path(tmp), progress=phases)
        return time.perf_counter() - t, phases.split()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--funder", default="FEDER")
    p.add_argument("--demo-dir", default=str(Path(tempfile.gettempdir()) / "barometre-bench-demo"))
    args = p.parse_args()

    demo = prepare_demo(Path(args.demo_dir), seed=42, scale=1.0)
    plan = load_plan(demo.plan)
    first_s, first_split = build_once(demo.warehouse, plan, args.funder)
    runs, handover = [], []
    for _ in range(args.runs):  # interleaved, so that both packs meet the same machine
        runs.append(build_once(demo.warehouse, plan, args.funder))
        handover.append(build_once(demo.warehouse, plan, None)[0])
    times = [t for t, _ in runs]
    median = statistics.median(times)
    handover_median = statistics.median(handover)
    median_split = {k: round(statistics.median(s[k] for _, s in runs), 3) for k in runs[0][1]}
    print(
        json.dumps(
            {
                "funder": args.funder,
                "imports_s": round(IMPORTS_S, 2),
                "first_build_s": round(first_s, 2),
                "first_build_split_s": first_split,
                "median_build_s": round(median, 2),
                "median_split_s": median_split,
                "runs_s": [round(t, 2) for t in times],
                "target_s": TARGET_S,
                "within_target": median < TARGET_S,
                "handover_median_build_s": round(handover_median, 2),
                "handover_runs_s": [round(t, 2) for t in handover],
                "handover_vs_funder_ratio": round(handover_median / median, 2),
                "handover_within_target": handover_median < TARGET_S,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
