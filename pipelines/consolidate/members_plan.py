"""The members' actions inside the territory plan, for the consolidated funder pack.

A consolidated warehouse (``barometre consolidate``) keeps every member's plan tables
(``member_plan_actions``, ``member_plan_funding``, ``member_plan_deliverables``: the member's own
columns plus ``authority``) and the members themselves (``territory_members``: authority, name…).
:func:`plan_with_members` adds to the territory plan one :class:`pipelines.plan.Action` per member
action, so that ``barometre report --funder`` and the Financeurs page cover the actions of ALL members
funded by that funder:

- id « <SIREN>:<action id> » (two members may both have an action « A1 »);
- label prefixed with the member's name: « Ville de X — Portail citoyen »;
- its funding lines, budget, dates, status and deliverables (with their due and done dates);
- its indicator links kept only when the territory plan has an indicator of that id (a member's own
  indicator is not evaluated in the consolidation); its axis and phase kept only when the territory
  plan has them.

On a warehouse that is not consolidated (no such tables) the plan comes back unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from pipelines.plan import ACTION_STATUSES, Action, Funding, Plan
from pipelines.plan_links import ActionLinks, Deliverable
from pipelines.warehouse import read_connection

NEEDED = ("member_plan_actions", "member_plan_funding", "territory_members")
SEPARATOR = " — "


def member_action_id(authority: str, action_id: str) -> str:
    return f"{authority}:{action_id}"


def _rows(con, table: str, columns: tuple[str, ...]) -> list[dict]:
    """Rows of ``table`` as dicts of ``columns`` (a column the member's export lacks reads None)."""
    have = {r[0] for r in con.execute(f"select column_name from (describe {table})").fetchall()}
    select = ", ".join(f'"{c}"' if c in have else f'null as "{c}"' for c in columns)
    cursor = con.execute(f"select {select} from {table}")
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def plan_with_members(plan: Plan, warehouse: Path) -> Plan:
    """The territory plan plus every member's actions (see the module); ``plan`` unchanged when
    ``warehouse`` is missing or not a consolidated warehouse."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        return plan
    with read_connection(warehouse) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if not set(NEEDED) <= tables:
            return plan
        names = dict(con.execute("select authority, name from territory_members").fetchall())
        actions = _rows(
            con,
            "member_plan_actions",
            (
                "authority",
                "action_id",
                "label",
                "axis",
                "phase",
                "start",
                "end",
                "status",
                "budget",
                "deliverables",
                "indicators",
            ),
        )
        funding = _rows(con, "member_plan_funding", ("authority", "action_id", "funder", "amount"))
        deliverables = (
            _rows(
                con,
                "member_plan_deliverables",
                ("authority", "action_id", "position", "label", "due", "done", "evidence", "owner"),
            )
            if "member_plan_deliverables" in tables
            else []
        )
    indicators = {i.id for i in plan.indicators}
    axes, phases = {a.id for a in plan.axes}, {p.id for p in plan.phases}
    lines: dict[tuple[str, str], list[Funding]] = {}
    for f in funding:
        if f["funder"] is not None and f["amount"] is not None:
            lines.setdefault((f["authority"], f["action_id"]), []).append(
                Funding(f["funder"], float(f["amount"]))
            )
    records: dict[tuple[str, str], list[tuple[int, Deliverable]]] = {}
    for d in deliverables:
        item = Deliverable(
            d["label"], _date(d["due"]), _date(d["done"]), d["evidence"] or "", d["owner"] or ""
        )
        records.setdefault((d["authority"], d["action_id"]), []).append((d["position"] or 0, item))
    ordered = sorted(actions, key=lambda a: (str(names.get(a["authority"], a["authority"])), a["action_id"]))
    added = []
    for a in ordered:
        key = (a["authority"], a["action_id"])
        member = names.get(a["authority"]) or a["authority"]
        links = tuple(d for _, d in sorted(records.get(key, []), key=lambda x: x[0]))
        # without the deliverables table (an older export), their labels from the action's row
        labels = tuple(d.label for d in links) if links else tuple(a["deliverables"] or ())
        added.append(
            Action(
                id=member_action_id(a["authority"], a["action_id"]),
                label=f"{member}{SEPARATOR}{a['label']}",
                axis=a["axis"] if a["axis"] in axes else None,
                phase=a["phase"] if a["phase"] in phases else None,
                start=_date(a["start"]),
                end=_date(a["end"]),
                status=a["status"] if a["status"] in ACTION_STATUSES else "en_cours",
                budget=float(a["budget"] or 0.0),
                funding=tuple(lines.get(key, ())),
                deliverables=labels,
                indicators=tuple(i for i in (a["indicators"] or ()) if i in indicators),
                links=ActionLinks(deliverables=links),
            )
        )
    return dataclasses.replace(plan, actions=(*plan.actions, *added))
