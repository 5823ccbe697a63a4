"""``barometre diagnostic``: the diagnostic brought together in one document (the JSON of
``--json``, the console summary, the app's Diagnostic page and the reports' « Diagnostic » section
all read it).

Stable keys: ``as_of``, ``period_start``/``period_end`` (the 12 months the priority components
read), ``maturity`` (list of ``{theme, label, wave, group, score, ci_low, ci_high, n, below_min}``,
``group`` = ``"all"`` for the pooled row; waves up to ``as_of``), ``maturity_changes`` (the first wave
against the latest, per theme × group, with Welch's test and a sentence: see
:func:`pipelines.diagnostic.maturity.compare_waves`), ``group_gaps`` (élus − agents per theme at the
latest wave, with its interval and sentence), ``themes`` (each theme with the actions naming it),
``warnings`` (French: action themes absent from the referential), ``priorities`` (``weights``,
``services``, ``communes``: see :mod:`pipelines.diagnostic.priorities`), ``blind_spots``,
``inventory`` (``summary``: ``{commune, kind, status, assets, flagged}`` at ``as_of``; ``flagged``: the
online platforms whose accessibility statement is missing or older than 3 years), ``territory``
(``{commune, name, population, density_class, fragility_index, thd_coverage, year}`` per commune),
``consultation`` (``{consultation, consultation_label, closed_on, item, service, supports, participants,
share, ci_low, ci_high, rank}`` per consultation × item).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from pipelines.diagnostic import priorities as prio
from pipelines.indicators.query import period_ending
from pipelines.indicators.views import require_views
from pipelines.plan import Plan
from pipelines.warehouse import read_connection

MATURITY_KEYS = ("theme", "label", "wave", "group", "score", "ci_low", "ci_high", "n", "below_min")
MATURITY_COLUMNS = ", ".join(f'"{k}"' for k in MATURITY_KEYS)


def maturity_rows(con: duckdb.DuckDBPyConnection, as_of: dt.date | None) -> list[dict]:
    """Scores by theme, wave and group (``all`` pooled), waves on or before ``as_of``."""
    rows = con.execute(
        f"select {MATURITY_COLUMNS} from kpi_maturity_scores "
        'where ?::date is null or wave <= ?::date order by theme, wave, "group"',
        [as_of, as_of],
    ).fetchall()
    out = []
    for row in rows:
        item = dict(zip(MATURITY_KEYS, row, strict=True))
        item["wave"] = item["wave"].isoformat()
        item["n"] = int(item["n"])
        out.append(item)
    return out


TERRITORY_KEYS = ("commune", "name", "population", "density_class", "fragility_index", "thd_coverage", "year")


def _iso(rows: list[dict]) -> list[dict]:
    for row in rows:
        for key, value in row.items():
            if isinstance(value, dt.date):
                row[key] = value.isoformat()
    return rows


def maturity_comparison(
    con: duckdb.DuckDBPyConnection, as_of: dt.date | None
) -> tuple[list[dict], list[dict]]:
    """(waves compared: the first against the latest on or before ``as_of``, per theme × group;
    the élus − agents gap per theme at that latest wave), each with its test and French sentence."""
    from pipelines.diagnostic.maturity import compare_waves, group_gaps, waves

    present = [w for w in waves(con) if as_of is None or w <= as_of]
    if not present:
        return [], []
    changes = compare_waves(con, present[0], present[-1]).to_dicts() if len(present) > 1 else []
    gaps = group_gaps(con, present[-1]).to_dicts()
    return _iso(changes), _iso(gaps)


def themes_part(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[str]]:
    """(each maturity theme with the actions naming it in ``themes``; French warnings for action
    themes absent from the referential in use)."""
    targets = prio.action_targets(con, "theme")
    themes = con.execute("select theme, label from maturity_themes order by theme").fetchall()
    known = {t for t, _ in themes}
    rows = [{"theme": t, "label": label, "actions": list(targets.get(t, ()))} for t, label in themes]
    warnings = []
    for theme, ids in sorted(targets.items()):
        if theme not in known:
            who = ("les actions " if len(ids) > 1 else "l'action ") + ", ".join(ids)
            warnings.append(
                f"Le plan rattache {who} au thème « {theme} », absent du référentiel de maturité en usage."
            )
    return rows, warnings


def territory_part(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[dict]:
    """The communes of the territory (the plan's, else every one loaded), newest values of each column."""
    if not prio.exists(con, "territory_communes"):
        return []
    rows = con.execute(
        f"select {', '.join(TERRITORY_KEYS)} from territory_communes "
        "where len(?::varchar[]) = 0 or list_contains(?::varchar[], commune) order by commune",
        [list(plan.communes), list(plan.communes)],
    ).fetchall()
    return [dict(zip(TERRITORY_KEYS, r, strict=True)) for r in rows]


def inventory_part(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict:
    """The inventory at ``as_of``: counts per commune × kind × status, and the flagged platforms."""
    from pipelines.diagnostic.inventory import equipment_at, equipment_summary

    if not prio.exists(con, "kpi_equipment"):
        return {"summary": [], "flagged": []}
    summary = equipment_summary(con, as_of).sort("commune", "kind", "status", nulls_last=True).to_dicts()
    assets = equipment_at(con, as_of)
    flagged = (
        assets.filter(pl.col("flag").is_not_null())
        .select("asset_id", "label", "kind", "commune", "flag", "flag_reason")
        .sort("asset_id")
        .to_dicts()
    )
    return {"summary": summary, "flagged": flagged}


def consultation_part(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every consultation's items, best supported first, with their share of participants (Wilson 95 %)."""
    from pipelines.diagnostic.consultation import consultation_ranking

    if not prio.exists(con, "kpi_consultation"):
        return []
    rows = consultation_ranking(con).to_dicts()
    for row in rows:
        row["closed_on"] = row["closed_on"].isoformat() if row["closed_on"] else None
    return rows


def build(con: duckdb.DuckDBPyConnection, plan: Plan, as_of: dt.date | None = None) -> dict:
    """The diagnostic document on an open connection (views required)."""
    require_views(con)
    period = period_ending(con, as_of)
    services = prio.service_priorities(con, plan, period)
    communes = prio.commune_priorities(con, plan, period)
    weights = plan.priorities
    changes, gaps = maturity_comparison(con, as_of)
    themes, warnings = themes_part(con)
    return {
        "as_of": (as_of or period.end).isoformat(),
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "maturity": maturity_rows(con, as_of),
        "maturity_changes": changes,
        "group_gaps": gaps,
        "themes": themes,
        "warnings": warnings,
        "priorities": {
            "weights": {c: getattr(weights, c) for c in prio.SERVICE_COMPONENTS}
            | {w: getattr(weights, w) for w in prio.COMMUNE_WEIGHTS.values()}
            | {"top": weights.top},
            "services": [prio.ranked_json(r, "service") for r in services],
            "communes": [prio.ranked_json(r, "commune") for r in communes],
        },
        "blind_spots": prio.blind_spots(services, communes, weights),
        "inventory": inventory_part(con, as_of or period.end),
        "territory": territory_part(con, plan),
        "consultation": consultation_part(con),
    }


def diagnostic(warehouse: Path, plan: Plan, as_of: dt.date | None = None) -> dict:
    """The diagnostic document of a warehouse (short read-only connection)."""
    with read_connection(warehouse) as con:
        return build(con, plan, as_of)
