"""Packs built once per session: the demo's FEDER pack and review report (through the CLI, in
process), and a small hand-made authority whose data carry a formula in a service label."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.plan import Plan, load_plan

FORMULA = '=HYPERLINK("http://x","y")'
SMALL_PLAN = """\
[authority]
name = "Commune de Test-sur-Mer"

[plan]
title = "Plan numérique de test"
start = 2024-01-01
end = 2027-12-31
reviews = [ { name = "Revue à mi-parcours", baseline_start = 2023-01-01, baseline_end = 2023-12-31, start = 2025-01-01, end = 2025-12-31 } ]

[[indicators]]
id = "taux"
label = "Part des démarches en ligne"
measure = "take_up"
unit = "%"
direction = "increase"
baseline = { start = 2023-01-01, end = 2023-12-31, value = "computed" }
target = { value = 0.8, date = 2027-12-31 }
min_sample = 50

[[actions]]
id = "A1"
label = "Portail « usagers » à 100 000 €"
budget = 100000
funding = [ { funder = "Région Test", amount = 60000 }, { funder = "FEDER", amount = 40000 } ]
indicators = ["taux"]
"""


@dataclass(frozen=True)
class Built:
    out: Path
    warehouse: Path
    plan: Plan
    kpi: dict  # `barometre kpi --json`, as printed

    def file(self, suffix: str) -> Path:
        return next(self.out.glob(f"*{suffix}"))


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def kpi_json(warehouse: Path, plan: Path, at: str | None = None) -> dict:
    code, out, err = run_cli(
        "kpi", "--json", "--warehouse", str(warehouse), "--plan", str(plan), *(["--at", at] if at else [])
    )
    assert code == 0, err
    return json.loads(out)


def flat(text: str) -> str:
    """Text with every run of spaces (no-break ones included) and line breaks made one space."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return flat("\n".join(page.extract_text() for page in PdfReader(str(path)).pages))


@pytest.fixture(scope="session")
def feder(demo, tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("feder")
    code, _, err = run_cli(
        "report",
        "--funder",
        "feder",
        "--out",
        str(out),
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(demo.plan),
    )
    assert code == 0, err
    return Built(out, demo.warehouse, load_plan(demo.plan), kpi_json(demo.warehouse, demo.plan))


@pytest.fixture(scope="session")
def review_report(demo, tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("review")
    code, _, err = run_cli(
        "review",
        "--at",
        "2026-10-31",
        "--out",
        str(out),
        "--name",
        "Revue à mi-parcours",
        "--warehouse",
        str(demo.warehouse),
        "--plan",
        str(demo.plan),
    )
    assert code == 0, err
    return Built(out, demo.warehouse, load_plan(demo.plan), {})


def write_small(directory: Path) -> tuple[Path, Path]:
    """A canonical usage export (deterministic, ~3 000 requests 2023–2025) and its plan, ingested for real."""
    from pipelines.ingest.run import ingest

    rng = random.Random(42)
    exports = directory / "exports"
    exports.mkdir(parents=True)
    quoted = '"' + FORMULA.replace('"', '""') + '"'
    lines = ["source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome"]
    for i in range(3000):
        when = dt.datetime(2023, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * (365 * 3 - 30)))
        service, label = ("etat-civil", "État civil") if rng.random() < 0.5 else ("piege", quoted)
        online = rng.random() < 0.3 + 0.15 * (when.year - 2023)
        lines.append(
            f"test,U{i:05d},{when:%Y-%m-%d %H:%M:%S},{service},{label},{'online' if online else 'counter'},,,completed"
        )
    (exports / "usage_events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = directory / "plan.toml"
    plan.write_text(SMALL_PLAN, encoding="utf-8")
    warehouse = directory / "warehouse.duckdb"
    reports = ingest([exports], warehouse, data_dir=directory, plan_path=plan)
    assert [r.status for r in reports] == ["loaded"]
    return warehouse, plan


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Built:
    directory = tmp_path_factory.mktemp("small")
    warehouse, plan = write_small(directory)
    out = directory / "pack"
    code, _, err = run_cli(
        "report",
        "--funder",
        "région test",
        "--out",
        str(out),
        "--warehouse",
        str(warehouse),
        "--plan",
        str(plan),
    )
    assert code == 0, err
    return Built(out, warehouse, load_plan(plan), kpi_json(warehouse, plan))
