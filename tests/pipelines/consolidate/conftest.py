"""Members built in code for the consolidation tests: small warehouses with known rows, exported as
a member would export them (``export_parquet`` with its manifest), and a territory plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.export import export_parquet
from tests.pipelines.indicators.conftest import PLAN_HEAD, build, case, indicator, request, response

AS_OF = "2025-05-31"
TERRITORY_INDICATORS = (
    indicator("tx", "take_up", min_sample=15),
    indicator("med", "delay_median", "decrease", target=3.0),
    indicator("sat", "satisfaction_mean", target=9.0),
)


def territory_plan(directory: Path, indicators: tuple[str, ...] = TERRITORY_INDICATORS) -> Path:
    path = directory / "territoire.toml"
    head = PLAN_HEAD.replace('name = "Commune de test"', 'name = "Syndicat de test"')
    path.write_text(head + "".join(indicators), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    """Two members: A (30 requests, 20 online; 5 cases; 4 responses) and B (10 requests, 2 online; no case,
    no response). B's rows have the same source ids as A's (``usage-0``…): two authorities' rows never mix."""
    root = tmp_path_factory.mktemp("members")
    a = build(
        root / "a",
        requests=[request("2025-05-10", "online" if i % 3 else "counter") for i in range(30)],
        cases=[case("2025-04-01", d) for d in (2, 5, 9, 12, 20)],
        responses=[response("2025-05-01", s) for s in (5, 7.5, 10, 10)],
        indicators=TERRITORY_INDICATORS,
    )
    b = build(
        root / "b",
        requests=[request("2025-05-12", "online" if i < 2 else "counter") for i in range(10)],
        indicators=TERRITORY_INDICATORS,
    )
    parquet = root / "parquet"
    export_parquet(a[0], parquet, "200000001", {"name": "Ville d'Aval", "kind": "commune"})
    export_parquet(b[0], parquet, "200000002", {"name": "Bourg-en-Amont", "kind": "commune"})
    return {"A": a, "B": b, "parquet": parquet, "plan": territory_plan(root), "root": root}
