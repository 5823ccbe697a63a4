"""The Spark engine (a real local Spark session) gives the DuckDB engine's results: n exactly, values
to 1e-9 relative, on the demo authority and a small member side by side.

Spark needs the ``pyspark`` package and Java 17; without them these tests are skipped, saying
why — unless ``BAROMETRE_REQUIRE_SPARK=1`` (CI), where a missing Spark is a failure."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil

import duckdb
import pytest

from pipelines.consolidate import consolidate
from pipelines.export import export_parquet

REASON = None
if importlib.util.find_spec("pyspark") is None:
    REASON = "pyspark n'est pas installé (uv sync --extra spark)"
elif shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    REASON = "Java 17 est introuvable (paquet Debian openjdk-17-jre-headless)"
if REASON and os.environ.get("BAROMETRE_REQUIRE_SPARK") == "1":
    raise RuntimeError(f"BAROMETRE_REQUIRE_SPARK=1 mais Spark ne peut pas tourner : {REASON}")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

AT = dt.date(2026, 6, 30)
RESULTS = (
    "select scope, coalesce(authority, ''), indicator_id, value, ci_low, ci_high, n, status, "
    "baseline_value, expected_now, progress_pct from territory_results order by all"
)


@pytest.fixture(scope="module")
def both(demo, members, tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    folder = root / "parquet"
    export_parquet(demo.warehouse, folder, "999390016", {"name": "Val de Sorne", "kind": "intercommunalité"})
    export_parquet(members["A"][0], folder, "200000001", {"name": "Ville d'Aval", "kind": "commune"})
    out = {}
    for name in ("duckdb", "spark"):
        res = consolidate([folder], demo.plan, root / f"{name}.duckdb", engine_name=name, as_of=AT)
        con = duckdb.connect(str(root / f"{name}.duckdb"), read_only=True)
        try:
            out[name] = (res, con.execute(RESULTS).fetchall())
        finally:
            con.close()
    return out


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return a == b


def test_spark_and_duckdb_give_the_same_figures(both):
    (_, duck), (_, spark) = both["duckdb"], both["spark"]
    assert len(duck) == len(spark) > 9
    for d, s in zip(duck, spark, strict=True):
        assert d[:3] == s[:3] and d[6] == s[6] and d[7] == s[7], (d, s)  # keys, n and status exactly
        assert all(_same(x, y) for x, y in zip(d, s, strict=True)), (d, s)


def test_spark_documents_match(both):
    duck, spark = both["duckdb"][0].as_dict(), both["spark"][0].as_dict()
    assert (duck.pop("engine"), spark.pop("engine")) == ("duckdb", "spark")
    for a, b in zip(
        duck["authorities"] + [duck["pooled"]], spark["authorities"] + [spark["pooled"]], strict=True
    ):
        for x, y in zip(a["indicators"], b["indicators"], strict=True):
            assert x["n"] == y["n"] and x["status"] == y["status"]
            assert all(_same(x[k], y[k]) for k in ("value", "ci_low", "ci_high"))


def test_an_export_given_as_a_url_is_read_by_spark(members, tmp_path):
    """Object storage goes through Spark's Hadoop connectors: a ``file://`` URL takes the same path as
    ``s3a://`` would (manifests and small tables read by Spark), with the same figures."""
    url = members["parquet"].resolve().as_uri()
    res = consolidate(
        [url], members["plan"], tmp_path / "url.duckdb", engine_name="spark", as_of=dt.date(2025, 5, 31)
    )
    local = consolidate(
        [members["parquet"]], members["plan"], tmp_path / "local.duckdb", as_of=dt.date(2025, 5, 31)
    )
    assert res.as_dict()["authorities"][0]["export"] == url
    assert [a["indicators"] for a in res.as_dict()["authorities"]] == [
        a["indicators"] for a in local.as_dict()["authorities"]
    ]
    con = duckdb.connect(str(tmp_path / "url.duckdb"), read_only=True)
    try:
        assert con.execute("select count(distinct authority) from territory_members").fetchall()[0][0] == 2
    finally:
        con.close()
    with pytest.raises(Exception, match="moteur Spark"):
        consolidate([url], members["plan"], tmp_path / "x.duckdb", as_of=dt.date(2025, 5, 31))
