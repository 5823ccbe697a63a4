"""Silent edits of the plan caught: a fingerprint of each indicator's trajectory as last loaded.

Every ingest that loads a valid plan appends one row per indicator to the persistent table
``plan_history`` (load number, time, SHA-256 of the plan file, the ORIGINAL trajectory — baseline
value and period, target value and date, milestones — and the revisions, count and content).

The rule, per indicator:

- The *reference* is the indicator's latest row loaded without a warning (the last accepted state
  of the plan). No reference (first load, or a new indicator): accepted.
- The indicator *changed* when its baseline (value, start, end), its original target (value, date)
  or its original milestones differ from the reference, or when a revision the reference already
  had was edited or removed.
- A change is *revised* when the plan now carries more revisions than the reference: a new dated
  revision record (date, decision) accompanies it. A revised change is accepted and becomes the new
  reference.
- A change that is not revised gets a French warning, stored on its row. Since the reference stays
  the last accepted row, the warning comes back at every load until the plan is fixed: a revision
  is added (accepted), or the value is restored (no change against the reference any more).

The warnings of the latest load are those shown: on ingest (ingest report), in the app (Vue
d'ensemble and Indicateur) and in the reports' method part (:func:`plan_warnings`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb

from pipelines.errors import PlanError
from pipelines.french import fmt_date, fmt_value
from pipelines.plan import Indicator, Plan, load_plan

TABLE = "plan_history"
DDL = f"""
create table if not exists {TABLE} (
    load_number integer not null,
    indicator_id varchar not null,
    baseline_value double,
    baseline_start date,
    baseline_end date,
    target_value double,
    target_date date,
    milestones_json varchar,
    revisions_count integer,
    revisions_json varchar,
    loaded_at timestamp,
    plan_sha256 varchar,
    warning varchar
)
"""
COLUMNS = (
    "load_number",
    "indicator_id",
    "baseline_value",
    "baseline_start",
    "baseline_end",
    "target_value",
    "target_date",
    "milestones_json",
    "revisions_count",
    "revisions_json",
    "loaded_at",
    "plan_sha256",
    "warning",
)


def create_plan_history_table(con: duckdb.DuckDBPyConnection) -> None:
    """The persistent ``plan_history`` table (kept across ingests, never rebuilt from the plan)."""
    con.execute(DDL).fetchall()


def _milestones_json(ind: Indicator) -> str:
    return json.dumps([[m.date.isoformat(), m.value] for m in ind.milestones])


def _revisions(ind: Indicator) -> list:
    return [
        [
            r.date.isoformat(),
            r.decision,
            r.target_value,
            r.target_date.isoformat(),
            [[m.date.isoformat(), m.value] for m in r.milestones],
        ]
        for r in ind.revisions
    ]


def fingerprint(ind: Indicator) -> dict:
    """The row of an indicator as loaded now (without load number, time, hash and warning)."""
    return {
        "indicator_id": ind.id,
        "baseline_value": ind.baseline_value,
        "baseline_start": ind.baseline_start,
        "baseline_end": ind.baseline_end,
        "target_value": ind.target_value,
        "target_date": ind.target_date,
        "milestones_json": _milestones_json(ind),
        "revisions_count": len(ind.revisions),
        "revisions_json": json.dumps(_revisions(ind), ensure_ascii=False),
    }


def _value(x: float | None, unit: str) -> str:
    return "calculée sur les données" if x is None else fmt_value(x, unit, sentence=True)


def changes(ind: Indicator, reference: dict) -> list[str]:
    """What changed since the reference row, in French (empty: nothing)."""
    now, unit = fingerprint(ind), ind.unit
    out = []
    if now["baseline_value"] != reference["baseline_value"]:
        out.append(
            f"la valeur de référence ({_value(reference['baseline_value'], unit)} → {_value(now['baseline_value'], unit)})"
        )
    if (now["baseline_start"], now["baseline_end"]) != (
        reference["baseline_start"],
        reference["baseline_end"],
    ):
        out.append(
            f"la période de référence (du {fmt_date(reference['baseline_start'])} au {fmt_date(reference['baseline_end'])} → "
            f"du {fmt_date(now['baseline_start'])} au {fmt_date(now['baseline_end'])})"
        )
    if (now["target_value"], now["target_date"]) != (reference["target_value"], reference["target_date"]):
        out.append(
            f"la cible ({_value(reference['target_value'], unit)} au {fmt_date(reference['target_date'])} → "
            f"{_value(now['target_value'], unit)} au {fmt_date(now['target_date'])})"
        )
    if now["milestones_json"] != reference["milestones_json"]:
        out.append("les jalons")
    before = json.loads(reference["revisions_json"] or "[]")
    if _revisions(ind)[: len(before)] != before:
        out.append("une révision déjà enregistrée (modifiée ou retirée)")
    return out


def _warning(ind: Indicator, what: list[str], since: dt.datetime | None) -> str:
    when = f" depuis le chargement du {fmt_date(since.date())}" if since else ""
    return (
        f"Plan modifié sans révision : indicateur « {ind.label} » ({ind.id}) — {', '.join(what)} a changé{when}, "
        "sans révision datée dans le plan. L'historique ne se réécrit pas : ajoutez une révision "
        "(revisions = [ { date, decision, reason, target } ]) ou rétablissez la valeur d'origine."
    )


def record(
    con: duckdb.DuckDBPyConnection, plan: Plan, sha256: str, now: dt.datetime | None = None
) -> list[str]:
    """Append this load of the plan to ``plan_history``; the French warnings of this load."""
    create_plan_history_table(con)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    number = con.execute(f"select coalesce(max(load_number), 0) + 1 from {TABLE}").fetchall()[0][0]
    cols = ", ".join(COLUMNS)
    refs = {
        row[COLUMNS.index("indicator_id")]: dict(zip(COLUMNS, row, strict=True))
        for row in con.execute(
            f"select {cols} from {TABLE} where warning is null "
            "qualify row_number() over (partition by indicator_id order by load_number desc) = 1"
        ).fetchall()
    }
    warnings, rows = [], []
    for ind in plan.indicators:
        ref = refs.get(ind.id)
        warning = None
        if ref is not None:
            what = changes(ind, ref)
            if what and len(ind.revisions) <= ref["revisions_count"]:
                warning = _warning(ind, what, ref["loaded_at"])
                warnings.append(warning)
        row = fingerprint(ind) | {
            "load_number": number,
            "loaded_at": now,
            "plan_sha256": sha256,
            "warning": warning,
        }
        rows.append([row[c] for c in COLUMNS])
    if rows:
        con.executemany(f"insert into {TABLE} ({cols}) values ({', '.join('?' * len(COLUMNS))})", rows)
    return warnings


def record_plan_file(con: duckdb.DuckDBPyConnection, plan_path: Path) -> list[str]:
    """:func:`record` for the plan file (nothing when the plan is invalid: its errors are reported
    elsewhere)."""
    try:
        plan = load_plan(plan_path)
    except PlanError:
        return []
    return record(con, plan, hashlib.sha256(Path(plan_path).read_bytes()).hexdigest())


def latest_warnings(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(indicator id, warning) of the latest load of the plan, in plan order."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ? and database_name = current_database()",
        [TABLE],
    ).fetchall()[0][0]
    if not exists:
        return []
    return con.execute(
        f"select indicator_id, warning from {TABLE} "
        f"where load_number = (select max(load_number) from {TABLE}) and warning is not null order by rowid"
    ).fetchall()


def plan_warnings(con: duckdb.DuckDBPyConnection, indicator_id: str | None = None) -> list[str]:
    """The warnings of the latest load of the plan (all indicators, or one), in plan order."""
    return [w for ind_id, w in latest_warnings(con) if indicator_id is None or ind_id == indicator_id]


def carried_history(con: duckdb.DuckDBPyConnection) -> list[tuple] | None:
    """Every row of ``plan_history`` (None: a warehouse from before the table), for the rebuild."""
    try:
        return con.execute(f"select {', '.join(COLUMNS)} from {TABLE} order by load_number, rowid").fetchall()
    except duckdb.CatalogException:
        return None


def restore_history(con: duckdb.DuckDBPyConnection, rows: list[tuple] | None) -> None:
    """The rebuild keeps the history of the plan's loads: the rebuilt warehouse gets the old rows
    back, in place of those its own ingests wrote. An old warehouse without the table had no
    history: only the rebuild's last load stays, as the first one (like the ingest that migrates it)."""
    create_plan_history_table(con)
    if rows is None:
        con.execute(
            f"delete from {TABLE} where load_number < (select max(load_number) from {TABLE})"
        ).fetchall()
        con.execute(f"update {TABLE} set load_number = 1").fetchall()
        return
    con.execute(f"delete from {TABLE}").fetchall()
    if rows:
        con.executemany(
            f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})", rows
        )
