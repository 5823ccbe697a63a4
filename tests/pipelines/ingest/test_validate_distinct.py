"""Value checks run on the distinct values of a column (and mapped back to the rows) give exactly the
rejections of the whole Pandera model run on every row."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from pipelines.ingest import validate as va
from pipelines.ingest.read import LINE_COL
from schemas import DATASETS
from tests.conftest import fresh_python


def _usage(n: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    channels = ["online", "counter", "phone", "fax", None, "Online"]
    communes = ["39001", "2A004", "3900", "39300", None, "Dole"]
    ages = ["30-44", "75+", "<25", "trente ans", None]
    outcomes = ["completed", "pending", "fini", None]
    services = ["etat-civil", "cni-passeport", "État civil", None]
    rows = []
    for i in range(n):
        when = dt.datetime(2025, 3, 1 + i % 28, 10) if i % 301 else dt.datetime(2099, 1, 1)
        rows.append(
            (
                "demo",
                f"U{i % (n - 7)}" if i % 53 else None,
                when,
                rnd.choice(services),
                None,
                rnd.choice(channels),
                rnd.choice(communes),
                rnd.choice(ages),
                rnd.choice(outcomes),
                rnd.choice(["u1", "u2", None]),  # user_key (issue 17)
                i + 2,
            )
        )
    schema = {**DATASETS["usage"].polars_schema, LINE_COL: pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _processing(n: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    ds = DATASETS["processing"]
    frame = pl.DataFrame({c: [None] * n for c in ds.columns}, schema=ds.polars_schema)
    return frame.with_columns(
        pl.lit("demo").alias("source"),
        pl.Series("source_id", [f"P{i}" for i in range(n)]),
        pl.Series("service", [rnd.choice(["urbanisme", "Urba nisme"]) for _ in range(n)]),
        pl.Series("status", [rnd.choice(["accepted", "submitted", "perdu", None]) for _ in range(n)]),
        pl.Series(
            "deadline_days",
            [rnd.choice([30, -2, None, 60]) for _ in range(n)],
            dtype=ds.polars_schema["deadline_days"],
        ),
        pl.Series("submitted_at", [dt.datetime(2025, 1, 1 + i % 28) for i in range(n)]),
        pl.int_range(2, n + 2, dtype=pl.Int64).alias(LINE_COL),
    )


def _sorted(rej: pl.DataFrame) -> list[tuple]:
    return sorted(rej.rows(), key=lambda r: tuple("" if v is None else str(v) for v in r))


@pytest.mark.parametrize(("dataset", "make"), [("usage", _usage), ("processing", _processing)])
def test_distinct_value_checks_equal_the_whole_model(monkeypatch, dataset, make):
    frame = make(5000, seed=1)
    good, rej = va.validate(frame, DATASETS[dataset])
    assert rej.height > 100  # plenty of failures of every kind
    monkeypatch.setattr(va, "_FEW", 0)  # no column has few values: the whole model on every row
    good_all, rej_all = va.validate(frame, DATASETS[dataset])
    assert good.equals(good_all)
    assert _sorted(rej) == _sorted(rej_all)


def test_pandera_is_imported_without_pandas_and_validates():
    """The ingest's Pandera (schemas.pandera_polars) does not import pandas, and still validates."""
    code = (
        "import sys\n"
        "from schemas import DATASETS\n"
        "import polars as pl\n"
        "from pipelines.ingest.validate import validate\n"
        "from pipelines.ingest.read import LINE_COL\n"
        "ds = DATASETS['usage']\n"
        "row = {'source': 'demo', 'source_id': 'A1', 'submitted_at': None, 'service': 'etat-civil', 'service_label': None,\n"
        "       'channel': 'fax', 'commune': '39001', 'age_band': None, 'outcome': None}\n"
        "import datetime as dt\n"
        "row['submitted_at'] = dt.datetime(2025, 3, 1, 10)\n"
        "frame = pl.DataFrame([row], schema=ds.polars_schema).with_columns(pl.lit(2, pl.Int64).alias(LINE_COL))\n"
        "good, rej = validate(frame, ds)\n"
        "print('pandas' in sys.modules, good.height, rej['check'].to_list())\n"
    )
    out = fresh_python(code)
    assert out.split(" ", 2)[:2] == ["False", "0"]
    assert "isin" in out
