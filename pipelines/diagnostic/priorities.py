"""The diagnostic's priority rankings: which services, and which communes, the plan should address
first — every component shown, normalised transparently, combined with the plan's weights
(``[priorities]``), and linked to the actions that address them (blind spots flagged).

Services (every service of the plan's catalogue), over the 12 months ending at the date of reading:

- ``offline_volume``: requests at the counter, by phone and by mail (not e-mail: it is written, and
  often handled as online) — the workload digitalisation can move;
- ``take_up_gap``: 1 − take-up (share of requests not made online, assisted ones counting as online,
  as in the take-up indicator);
- ``delay_vs_deadline``: share of the cases decided in the period whose delay exceeded their
  announced deadline (1 − ``within_deadline``); none when no case states a deadline;
- ``dissatisfaction``: 1 − share of satisfied respondents (complete responses);
- ``demand``: share of a consultation's participants who asked for the service (pooled over the
  consultations that name it; ``kpi_consultation_demand``); none without a consultation.

Communes (the plan's ``[authority] communes``, else every commune in the requests or the territory):
``commune_offline_share`` (share of the commune's requests made at the counter, by phone or by
mail) and ``commune_fragility`` (the digital fragility index, IFN, of ``territory_communes``).

Normalisation: each component becomes a **rank percentile** among the entities that have it: the
share of the *other* entities with a strictly lower value (0 = the lowest, 1 = the highest; equal
values share a percentile); with a single entity informed, the component has no percentile. The
score is the weighted mean of the percentiles an entity has (weights of ``[priorities]``, missing
components left out of both sums), from 0 to 1; the rank orders scores from the highest (ties:
larger offline volume, then identifier). No weight hides a component: all are shown.

Link to the plan: a service is addressed by the actions that name it (``services``) or whose linked
indicators are scoped to it; a commune by the actions that name it (``communes``; an action for the
whole territory names no commune and addresses none in particular). An entity ranked within the
first ``top`` (``[priorities] top``, default 5) that no action addresses is a **blind spot**.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.indicators.query import Period
from pipelines.plan import Plan, Priorities

OFFLINE_CHANNELS = ("counter", "phone", "mail")
SERVICE_COMPONENTS = {
    "offline_volume": "Demandes hors ligne",
    "take_up_gap": "Part non dématérialisée",
    "delay_vs_deadline": "Délais dépassés",
    "dissatisfaction": "Insatisfaction",
    "demand": "Demande citoyenne",
}
SERVICE_COMPONENT_HELP = {
    "offline_volume": "demandes au guichet, par téléphone et par courrier sur 12 mois",
    "take_up_gap": "part des demandes qui ne sont pas faites en ligne (1 − taux en ligne)",
    "delay_vs_deadline": "part des dossiers décidés après le délai annoncé",
    "dissatisfaction": "part des répondants qui ne sont pas satisfaits",
    "demand": "part des participants à la consultation qui demandent le service en ligne",
}
COMMUNE_COMPONENTS = {
    "offline_share": "Part des demandes hors ligne",
    "fragility_index": "Indice de fragilité numérique",
}
# component of a commune → its weight in [priorities]
COMMUNE_WEIGHTS = {"offline_share": "commune_offline_share", "fragility_index": "commune_fragility"}


@dataclass(frozen=True)
class Ranked:
    """One ranked entity (a service or a commune)."""

    id: str
    label: str
    rank: int
    score: float | None
    components: dict[str, float | None]
    percentiles: dict[str, float | None]
    actions: tuple[str, ...]
    axes: tuple[str, ...] = ()  # the plan axes of those actions

    @property
    def blind(self) -> bool:
        return not self.actions


def rank_percentiles(values: dict[str, float | None]) -> dict[str, float | None]:
    """Share of the other informed entities with a strictly lower value (see the module docstring)."""
    known = [v for v in values.values() if v is not None]
    if len(known) < 2:
        return {k: None for k in values}
    return {k: None if v is None else sum(o < v for o in known) / (len(known) - 1) for k, v in values.items()}


def _score(percentiles: dict[str, float | None], weights: dict[str, float]) -> float | None:
    used = [(weights[c], p) for c, p in percentiles.items() if p is not None and weights[c] > 0]
    total = sum(w for w, _ in used)
    return sum(w * p for w, p in used) / total if total else None


def _axes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """action id → the label of its axis (none when the action has no axis)."""
    rows = con.execute(
        "select a.action_id, x.label from plan_actions as a join plan_axes as x on x.axis_id = a.axis"
    ).fetchall()
    return dict(rows)


def _rank(
    con: duckdb.DuckDBPyConnection | None,
    ids: list[str],
    labels: dict[str, str],
    components: dict[str, dict[str, float | None]],
    weights: dict[str, float],
    actions: dict[str, tuple[str, ...]],
    tie: str,
) -> list[Ranked]:
    axes = _axes(con) if con is not None else {}
    percentiles = {c: rank_percentiles({i: components[c].get(i) for i in ids}) for c in components}
    rows = []
    for i in ids:
        pct = {c: percentiles[c][i] for c in components}
        rows.append((i, _score(pct, weights), pct))
    order = sorted(
        rows,
        key=lambda r: (r[1] is None, -(r[1] or 0.0), -(components[tie].get(r[0]) or 0.0), r[0]),
    )
    return [
        Ranked(
            id=i,
            label=labels.get(i, i),
            rank=n,
            score=score,
            components={c: components[c].get(i) for c in components},
            percentiles=pct,
            actions=actions.get(i, ()),
            axes=tuple(dict.fromkeys(axes[a] for a in actions.get(i, ()) if axes.get(a))),
        )
        for n, (i, score, pct) in enumerate(order, start=1)
    ]


def exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """A table, view or macro of that name is in the warehouse (parts of the diagnostic are optional)."""
    sql = (
        "select (select count(*) from duckdb_functions() where function_name = $1)"
        " + (select count(*) from duckdb_tables() where table_name = $1)"
        " + (select count(*) from duckdb_views() where view_name = $1 and not internal)"
    )
    return con.execute(sql, [name]).fetchall()[0][0] > 0


def action_targets(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, tuple[str, ...]]:
    rows = con.execute(
        "select target, list(action_id order by action_id) from plan_action_targets where kind = ? group by target",
        [kind],
    ).fetchall()
    return {target: tuple(ids) for target, ids in rows}


def _by(rows: list[tuple], index: int = 1) -> dict[str, float | None]:
    return {r[0]: (None if r[index] is None else float(r[index])) for r in rows}


def service_priorities(con: duckdb.DuckDBPyConnection, plan: Plan, period: Period) -> list[Ranked]:
    """The services of the plan's catalogue, ranked (components over ``period``)."""
    ids = [s["slug"] for s in plan.services]
    labels = {s["slug"]: s["label"] for s in plan.services}
    p = [period.start, period.stop]
    volume = con.execute(
        "select service, sum(requests) filter (where channel in ('counter', 'phone', 'mail')) "
        "from mart_usage_monthly where month >= ? and month < ? and service is not null group by service",
        p,
    ).fetchall()
    components: dict[str, dict[str, float | None]] = {
        "offline_volume": {k: (v or 0.0) for k, v in _by(volume).items()},
    }
    for name, measure in (
        ("take_up_gap", "take_up"),
        ("delay_vs_deadline", "within_deadline"),
        ("dissatisfaction", "satisfied_share"),
    ):
        rows = con.execute(
            "select service, 1 - value from kpi_measure(?, ?, ?, dims := ['service']) where service is not null",
            [measure, *p],
        ).fetchall()
        components[name] = _by(rows)
    demand: dict[str, float | None] = {}
    if exists(con, "kpi_consultation_demand"):
        demand = _by(
            con.execute(
                "select service, share from kpi_consultation_demand() where service is not null"
            ).fetchall()
        )
    components["demand"] = demand
    weights = {c: getattr(plan.priorities, c) for c in SERVICE_COMPONENTS}
    return _rank(con, ids, labels, components, weights, action_targets(con, "service"), tie="offline_volume")


def commune_priorities(con: duckdb.DuckDBPyConnection, plan: Plan, period: Period) -> list[Ranked]:
    """The territory's communes, ranked by offline share crossed with digital fragility."""
    shares = con.execute(
        "select commune, sum(requests) filter (where channel in ('counter', 'phone', 'mail')) / sum(requests) "
        "from mart_usage_monthly where month >= ? and month < ? and commune is not null "
        "group by commune having sum(requests) > 0",
        [period.start, period.stop],
    ).fetchall()
    fragility: dict[str, float | None] = {}
    names: dict[str, str] = {}
    if exists(con, "territory_communes"):
        for code, name, ifn in con.execute(
            "select commune, name, fragility_index from territory_communes"
        ).fetchall():
            fragility[code] = ifn
            if name:
                names[code] = name
    ids = list(plan.communes) or sorted({r[0] for r in shares} | set(fragility))
    components = {"offline_share": _by(shares), "fragility_index": fragility}
    weights = {c: getattr(plan.priorities, w) for c, w in COMMUNE_WEIGHTS.items()}
    ranked = _rank(con, ids, names, components, weights, action_targets(con, "commune"), tie="offline_share")
    return ranked


def blind_spots(services: list[Ranked], communes: list[Ranked], priorities: Priorities) -> list[dict]:
    """High-ranked services and communes that no action addresses (« angles morts »)."""
    out = []
    kinds = (("service", services, "le service", "le"), ("commune", communes, "la commune", "la"))
    for kind, ranked, what, pronoun in kinds:
        for r in ranked:
            if r.rank <= priorities.top and r.score is not None and r.blind:
                out.append(
                    {
                        "kind": kind,
                        "id": r.id,
                        "label": r.label,
                        "rank": r.rank,
                        "score": r.score,
                        "message": f"Angle mort : {what} « {r.label} » est au rang {r.rank} des priorités "
                        f"et aucune action du plan ne {pronoun} vise.",
                    }
                )
    return out


def ranked_json(r: Ranked, key: str) -> dict:
    """The stable JSON form of a ranked entity (``key``: ``service`` or ``commune``)."""
    return {
        key: r.id,
        ("label" if key == "service" else "name"): r.label,
        "rank": r.rank,
        "score": r.score,
        "components": dict(r.components),
        "percentiles": dict(r.percentiles),
        "actions": list(r.actions),
        "axes": list(r.axes),
    }
