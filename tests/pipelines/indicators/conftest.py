"""Small warehouses built in code: canonical rows inserted after ``ensure_schema``, a plan written
from parameters, then the indicator views created exactly as the ingest writer does."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.indicators.views import create_views
from pipelines.plan import Plan, load_plan, load_plan_tables
from pipelines.warehouse import ensure_schema
from schemas import DATASETS

Z = 1.959963984540054  # the 97.5 % point of the standard normal
T975 = {
    4: 2.7764451051977987,
    9: 2.2621571627409915,
    19: 2.093024054408263,
}  # Student t(0.975, df), from a t table

PLAN_HEAD = """\
[authority]
name = "Commune de test"

[plan]
title = "Plan de test"
start = 2024-01-01
end = 2028-12-31
"""


def at(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day) + dt.timedelta(hours=hour)


def request(
    day: str,
    channel: str = "online",
    service: str = "etat-civil",
    outcome: str | None = "completed",
    commune: str | None = None,
    age_band: str | None = None,
) -> dict:
    return {
        "submitted_at": at(day, 10),
        "service": service,
        "channel": channel,
        "outcome": outcome,
        "commune": commune,
        "age_band": age_band,
    }


def case(
    submitted: str,
    delay_days: float | None = None,
    status: str = "accepted",
    deadline: float | None = None,
    service: str = "etat-civil",
    channel: str = "online",
    commune: str | None = None,
) -> dict:
    start = at(submitted)
    decided = start + dt.timedelta(days=delay_days) if delay_days is not None else None
    return {
        "submitted_at": start,
        "decided_at": decided,
        "status": status,
        "deadline_days": deadline,
        "service": service,
        "channel": channel,
        "commune": commune,
    }


def response(
    day: str | None,
    score_10: float | None,
    nps: float | None = None,
    complete: bool = True,
    service: str = "etat-civil",
    channel: str = "online",
    age_band: str | None = None,
) -> dict:
    return {
        "responded_at": at(day, 12) if day else None,
        "score_10": score_10,
        "satisfied": None if score_10 is None else score_10 >= 7.5,
        "nps": nps,
        "complete": complete,
        "service": service,
        "channel": channel,
        "age_band": age_band,
    }


def indicator(
    ind_id: str,
    measure: str,
    direction: str = "increase",
    target: float = 0.8,
    target_date: str = "2027-12-31",
    baseline: float | str = "computed",
    milestones: tuple[tuple[str, float], ...] = (),
    min_sample: int = 1,
    services: tuple[str, ...] = (),
    channels: tuple[str, ...] = (),
    baseline_period: tuple[str, str] = ("2023-01-01", "2023-12-31"),
) -> str:
    value = f'"{baseline}"' if isinstance(baseline, str) else repr(baseline)
    ms = ", ".join(f"{{ date = {d}, value = {v!r} }}" for d, v in milestones)
    lst = lambda xs: "[" + ", ".join(f'"{x}"' for x in xs) + "]"  # noqa: E731
    return f"""
[[indicators]]
id = "{ind_id}"
label = "Indicateur {ind_id}"
measure = "{measure}"
direction = "{direction}"
scope = {{ services = {lst(services)}, channels = {lst(channels)} }}
baseline = {{ start = {baseline_period[0]}, end = {baseline_period[1]}, value = {value} }}
target = {{ value = {target!r}, date = {target_date} }}
milestones = [{ms}]
min_sample = {min_sample}
"""


def build(
    directory: Path,
    requests=(),
    cases=(),
    responses=(),
    indicators: tuple[str, ...] = (),
    extra_plan: str = "",
) -> tuple[Path, Plan]:
    """A warehouse with these rows and a plan with these indicators; the views created as by the ingest."""
    directory.mkdir(parents=True, exist_ok=True)
    plan_path = directory / "plan.toml"
    plan_path.write_text(PLAN_HEAD + extra_plan + "".join(indicators), encoding="utf-8")
    warehouse = directory / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        for name, rows in (("usage", requests), ("processing", cases), ("survey", responses)):
            if not rows:
                continue
            schema = DATASETS[name].polars_schema
            frame = pl.DataFrame(
                [
                    {**{c: None for c in schema}, "source": "test", "source_id": f"{name}-{i}", **row}
                    for i, row in enumerate(rows)
                ],
                schema=schema,
            ).with_columns(pl.lit(1, pl.Int64).alias("file_id"))
            con.register("_rows", frame.to_arrow())
            con.execute(f"insert into {DATASETS[name].table} select * from _rows").fetchall()
            con.unregister("_rows")
        load_plan_tables(con, plan_path)
        create_views(con)
    finally:
        con.close()
    return warehouse, load_plan(plan_path)


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval, from the textbook formula."""
    p = x / n
    denom = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n * n)) / denom
    return centre - half, centre + half


def binom_cdf(k: int, n: int, q: float) -> float:
    return sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k + 1))


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def make(tmp_path):
    """build() in a fresh sub-folder of tmp_path at each call."""
    counter = iter(range(1000))

    def _make(**kwargs):
        return build(tmp_path / f"w{next(counter)}", **kwargs)

    return _make
