"""A small consolidated warehouse built by hand, for the tests of the « Territoire » page.

It stands in for what ``barometre consolidate`` writes (the contract of issue 16): a normal warehouse
(``ensure_schema``, current schema version) with the ``meta`` key ``consolidated``, the
``territory_members`` and ``territory_results`` tables, and the territory plan beside it. Its figures are
chosen so that the funnel judgements can be checked by hand (see ``MEMBERS`` and ``TAKE_UP``): the pooled
take-up is exactly 2 400 / 4 000 = 0.6. When the real consolidation lands, :func:`build_territory_warehouse`
can be swapped for it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from pipelines.migrations import SCHEMA_VERSION
from pipelines.warehouse import ensure_schema

TERRITORY = "Syndicat mixte Sorne Numérique (fictif)"
AS_OF = "2026-11-30"
PERIOD = (dt.date(2025, 12, 1), dt.date(2026, 11, 30))

# authority, name, kind, population, size band
MEMBERS = [
    ("200000001", "Lons-sur-Sorne", "commune", 17_500, "10 000 à 49 999 habitants"),
    (
        "200000002",
        "Communauté de communes des Coteaux",
        "intercommunalité",
        24_000,
        "10 000 à 49 999 habitants",
    ),
    ("200000003", "Montrevel-la-Côte", "commune", 4_200, "2 000 à 9 999 habitants"),
    ("200000004", "Les Granges-Basses", "commune", 640, "moins de 2 000 habitants"),
    ("200000005", "Écrille-la-Forêt", "commune", 1_450, "moins de 2 000 habitants"),
]
SUPERSEDED = {"200000002": ["/exports/coteaux-2026-10-01"]}

# indicator: (label, measure, unit, direction, min_sample)
INDICATORS = {
    "taux-demat": ("Part des démarches faites en ligne", "take_up", "%", "increase", 30),
    "respect-delais": (
        "Part des dossiers traités dans le délai annoncé",
        "within_deadline",
        "%",
        "increase",
        30,
    ),
    "delai-cni": (
        "Délai médian de délivrance des titres d'identité",
        "delay_median",
        "jours",
        "decrease",
        30,
    ),
}
STATUS_LABELS = {
    "on_track": "en bonne voie",
    "at_risk": "à surveiller",
    "off_track": "en retard",
    "insufficient_data": "données insuffisantes",
}

# per member: (successes, n, status) — pooled: 2 400 / 4 000 = 0.6
TAKE_UP = {
    "200000001": (1300, 2000, "on_track"),  # 0.65, above the 99.8 % limits (0.56615–0.63385)
    "200000002": (855, 1500, "at_risk"),  # 0.57, below the 95 % limits (0.57521) but not the 99.8 % (0.56091)
    "200000003": (180, 400, "off_track"),  # 0.45, below the 99.8 % limits (0.52431)
    "200000004": (5, 12, "insufficient_data"),  # 12 < 30: never judged
    "200000005": (60, 88, "on_track"),  # 0.68182, inside the 95 % limits (0.49765–0.70236)
}
WITHIN_DEADLINE = {
    "200000001": (819, 900, "on_track"),
    "200000002": (616, 700, "at_risk"),
    "200000003": (None, 0, None),  # no case decided: a note, no value
    "200000004": (6, 8, "insufficient_data"),
    "200000005": (38, 40, "on_track"),
}
DELAY = {  # median days, n
    "200000001": (21.0, 640, "on_track"),
    "200000002": (27.5, 410, "off_track"),
    "200000003": (24.0, 95, "at_risk"),
    "200000004": (None, 0, None),
    "200000005": (19.0, 31, "on_track"),
}
POOLED_DELAY = (23.0, 1176, "at_risk")

PLAN = f"""\
[authority]
name = "{TERRITORY}"
kind = "syndicat mixte"

[plan]
title = "Suivi territorial du numérique 2024–2028"
start = 2024-01-01
end = 2028-12-31
""" + "".join(
    f"""
[[indicators]]
id = "{ind_id}"
label = "{label}"
measure = "{measure}"
unit = "{unit}"
direction = "{direction}"
baseline = {{ start = 2023-01-01, end = 2023-12-31, value = "computed" }}
target = {{ value = {0.8 if unit == "%" else 18}, date = 2028-12-31 }}
min_sample = {min_sample}
"""
    for ind_id, (label, measure, unit, direction, min_sample) in INDICATORS.items()
)

MEMBERS_DDL = """
create table territory_members (
  authority varchar, name varchar, kind varchar, population bigint, size_band varchar, peer_group varchar,
  communes varchar[], export_path varchar, exported_at timestamp, schema_version integer, superseded varchar[]
)"""
RESULTS_DDL = """
create table territory_results (
  scope varchar, authority varchar, indicator_id varchar, label varchar, measure varchar, unit varchar,
  direction varchar, value double, ci_low double, ci_high double, n bigint, min_sample bigint,
  below_min_sample boolean, status varchar, status_label varchar, status_reason varchar,
  baseline_value double, target_value double, expected_now double, progress_pct double,
  period_start date, period_end date, note varchar
)"""


def peer_group(kind: str | None, band: str) -> str:
    return f"{kind or 'Collectivité'} · {band}"


def _result(scope: str, authority: str | None, ind_id: str, value, n: int, status, note=None) -> tuple:
    label, measure, unit, direction, min_sample = INDICATORS[ind_id]
    below = n < min_sample
    if value is None:
        status = "insufficient_data"
    return (
        scope,
        authority,
        ind_id,
        label,
        measure,
        unit,
        direction,
        value,
        None if value is None else value * 0.97,
        None if value is None else min(1.0, value * 1.03) if unit == "%" else value * 1.03,
        n,
        min_sample,
        below,
        status,
        STATUS_LABELS[status],
        None,
        None,
        0.8 if unit == "%" else 18.0,
        None,
        None,
        *PERIOD,
        note,
    )


def results_rows() -> list[tuple]:
    rows = [
        _result("pooled", None, "taux-demat", 2400 / 4000, 4000, "on_track"),
        _result("pooled", None, "respect-delais", 1479 / 1648, 1648, "on_track"),
        _result("pooled", None, "delai-cni", *POOLED_DELAY),
    ]
    for authority, *_ in MEMBERS:
        x, n, status = TAKE_UP[authority]
        rows.append(_result("member", authority, "taux-demat", x / n, n, status))
        x, n, status = WITHIN_DEADLINE[authority]
        note = "Aucun dossier décidé sur la période." if x is None else None
        rows.append(
            _result("member", authority, "respect-delais", None if x is None else x / n, n, status, note)
        )
        value, n, status = DELAY[authority]
        note = "Aucun titre délivré sur la période." if value is None else None
        rows.append(_result("member", authority, "delai-cni", value, n, status, note))
    return rows


def build_territory_warehouse(directory: Path, members: int | None = None) -> tuple[Path, Path]:
    """The consolidated warehouse and the territory plan in ``directory``; ``members`` keeps only the
    first members (1 gives a territory of one, which has no « Territoire » page)."""
    directory.mkdir(parents=True, exist_ok=True)
    plan = directory / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    warehouse = directory / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    kept = MEMBERS[: members or len(MEMBERS)]
    keys = {m[0] for m in kept}
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        meta = {"as_of": AS_OF, "engine": "duckdb", "territory": TERRITORY}
        con.execute("insert or replace into meta values ('consolidated', ?)", [json.dumps(meta)]).fetchall()
        con.execute(MEMBERS_DDL).fetchall()
        con.executemany(
            "insert into territory_members values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    authority,
                    name,
                    kind,
                    population,
                    band,
                    peer_group(kind, band),
                    [f"39{authority[-3:]}"],
                    f"/exports/{authority}",
                    dt.datetime(2026, 12, 1, 8, 30),
                    SCHEMA_VERSION,
                    SUPERSEDED.get(authority, []),
                )
                for authority, name, kind, population, band in kept
            ],
        )
        con.execute(RESULTS_DDL).fetchall()
        con.executemany(
            "insert into territory_results values (" + ", ".join(["?"] * 23) + ")",
            [r for r in results_rows() if r[1] is None or r[1] in keys],
        )
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    return warehouse, plan
