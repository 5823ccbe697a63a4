"""The demo generator: determinism, sizes, canonical validity, the story the data tells, the plan file."""

from __future__ import annotations

import datetime as dt
import tomllib

import polars as pl
import pytest

from pipelines.demo.generate import DEMO_END, DEMO_START, PLAN_FILE, generate_frames, write_demo
from schemas.registry import DATASETS


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return generate_frames(seed=42)


def _year(col: str, year: int) -> pl.Expr:
    return pl.col(col).dt.year() == year


def _take_up(usage: pl.DataFrame, year: int) -> float:
    rows = usage.filter(_year("submitted_at", year), pl.col("outcome") != "abandoned")
    return rows["channel"].is_in(["online", "assisted"]).mean()


def _median_delay(cases: pl.DataFrame, service: str, year: int) -> float:
    rows = cases.filter(
        pl.col("service") == service,
        pl.col("status").is_in(["accepted", "rejected"]),
        _year("decided_at", year),
    )
    return ((rows["decided_at"] - rows["submitted_at"]).dt.total_seconds() / 86400).median()


def test_same_seed_same_frames_and_bytes(tmp_path, frames):
    again = generate_frames(seed=42)
    for name, frame in frames.items():
        assert frame.equals(again[name]), name
    a, b = write_demo(tmp_path / "a", scale=0.05), write_demo(tmp_path / "b", scale=0.05)
    for attr in ("usage", "processing", "survey", "plan"):
        assert getattr(a, attr).read_bytes() == getattr(b, attr).read_bytes(), attr


def test_different_seed_different_data(frames):
    other = generate_frames(seed=43, scale=1.0)
    assert not frames["usage"].equals(other["usage"])
    assert not frames["survey"].equals(other["survey"])


def test_row_counts_and_scale(frames):
    assert frames["usage"].height == 200_000
    assert 50_000 <= frames["processing"].height <= 70_000
    assert frames["survey"].height == 15_000
    small = generate_frames(seed=42, scale=0.1)
    for name, frame in frames.items():
        assert frame.height / 12 <= small[name].height <= frame.height / 8, name


def test_frames_validate_against_canonical_models(frames):
    for name, frame in frames.items():
        dataset = DATASETS[name]
        assert frame.columns == dataset.columns
        assert frame.schema == pl.Schema(dataset.polars_schema)
        dataset.model.validate(frame, lazy=True)
        assert frame["source"].unique().to_list() == ["demo"]
        assert frame["source_id"].n_unique() == frame.height


def test_timestamps_within_demo_window(frames):
    lo, hi = dt.datetime.combine(DEMO_START, dt.time()), dt.datetime.combine(DEMO_END, dt.time(23, 59, 59))
    for name, col in [
        ("usage", "submitted_at"),
        ("processing", "submitted_at"),
        ("processing", "started_at"),
        ("processing", "decided_at"),
        ("survey", "responded_at"),
    ]:
        values = frames[name][col].drop_nulls()
        assert values.min() >= lo and values.max() <= hi, (name, col)
    cases = frames["processing"]
    assert cases.filter(pl.col("started_at") > pl.col("decided_at")).is_empty()


def test_csv_contract(tmp_path):
    files = write_demo(tmp_path, scale=0.02)
    assert files.plan == tmp_path / "plan.toml" and files.plan.read_bytes() == PLAN_FILE.read_bytes()
    assert files.usage == tmp_path / "exports" / "usage_events.csv"
    lines = files.processing.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(DATASETS["processing"].columns)
    assert lines[1].startswith("demo,D0000001,")
    survey = files.survey.read_text(encoding="utf-8")
    assert ",true" in survey and ",false" in survey
    first = pl.read_csv(files.usage, infer_schema=False).row(0, named=True)
    dt.datetime.strptime(first["submitted_at"], "%Y-%m-%d %H:%M:%S")


def test_story_take_up_rises(frames):
    usage = frames["usage"]
    assert 0.28 <= _take_up(usage, 2023) <= 0.36
    assert _take_up(usage, 2026) > _take_up(usage, 2023) + 0.15
    assisted = usage.group_by(pl.col("submitted_at").dt.year()).agg((pl.col("channel") == "assisted").mean())
    shares = dict(assisted.iter_rows())
    assert shares[2023] == 0 and 0.02 < shares[2026] < 0.10


def test_story_delays(frames):
    cases = frames["processing"]
    assert _median_delay(cases, "urbanisme", 2026) > _median_delay(cases, "urbanisme", 2023)
    assert _median_delay(cases, "cni-passeport", 2026) < _median_delay(cases, "cni-passeport", 2023)
    open_cases = cases.filter(pl.col("status").is_in(["submitted", "in_review"]))
    assert open_cases.height > 0 and open_cases["decided_at"].null_count() == open_cases.height
    assert cases.filter(pl.col("status") == "closed_without_decision")["decided_at"].null_count() == 0


def test_story_satisfaction(frames):
    survey = frames["survey"]
    complete = survey.filter("complete")

    def mean(year: int) -> float:
        return complete.filter(_year("responded_at", year))["score_10"].mean()

    assert mean(2026) > mean(2023)
    partial = survey.filter(~pl.col("complete"))
    assert 0.05 < partial.height / survey.height < 0.11
    assert partial["score_10"].null_count() > 0
    scored = survey.drop_nulls("score_10")
    assert (scored["satisfied"] == (scored["score_10"] >= 7.5)).all()


def test_story_seasonality(frames):
    usage = frames["usage"]
    months = usage.group_by(pl.col("submitted_at").dt.month().alias("m"), "service").len()

    def share(service: str, in_months: list[int]) -> float:
        rows = months.filter(pl.col("service") == service)
        return rows.filter(pl.col("m").is_in(in_months))["len"].sum() / rows["len"].sum()

    assert share("cni-passeport", [3, 4, 5, 6, 7]) > 0.5  # 5 months of 12 carry more than half
    assert share("inscription-scolaire", [5, 6, 7, 8, 9]) > 0.55
    august = months.filter(pl.col("m") == 8)["len"].sum() / months["len"].sum()
    assert august < 1 / 12


def test_plan_parses_and_references_exist():
    plan = tomllib.loads(PLAN_FILE.read_text(encoding="utf-8"))
    slugs = {s["slug"] for s in plan["services"]}
    axes = {a["id"] for a in plan["axes"]}
    phases = {p["id"] for p in plan["phases"]}
    indicators = {i["id"] for i in plan["indicators"]}
    assert {"etat-civil", "cni-passeport", "urbanisme"} <= slugs
    assert 6 <= len(indicators) <= 10
    for ind in plan["indicators"]:
        assert set(ind["scope"]["services"]) <= slugs, ind["id"]
        assert ind["axis"] in axes
    for action in plan["actions"]:
        assert action["axis"] in axes and action["phase"] in phases
        assert set(action["indicators"]) <= indicators
        assert sum(f["amount"] for f in action["funding"]) == action["budget"], action["id"]
    funders = {f["funder"] for a in plan["actions"] for f in a["funding"]}
    assert {"FEDER", "DSIL"} <= funders


def test_plan_catalogue_matches_generated_services(frames):
    plan = tomllib.loads(PLAN_FILE.read_text(encoding="utf-8"))
    catalogue = {s["slug"]: s["label"] for s in plan["services"]}
    for name in ("usage", "processing", "survey"):
        pairs = frames[name].drop_nulls("service").select("service", "service_label").unique()
        assert dict(pairs.iter_rows()).items() <= catalogue.items(), name
