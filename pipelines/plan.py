"""The plan file (``plan.toml``): read, validate, flatten into ``plan_*`` tables.

Validation is a typed model: every error names the key, the entry and the line of the file, in
French. Rates are written as fractions (0.60 = 60 %), delays in days, scores out of 10.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import PlanError

MEASURES = {
    "take_up": ("Taux de démarches en ligne", "%"),
    "assisted_share": ("Part des démarches en ligne accompagnées", "%"),
    "delay_median": ("Délai médian", "jours"),
    "delay_p90": ("Délai du 9e décile", "jours"),
    "delay_mean": ("Délai moyen", "jours"),
    "within_deadline": ("Part des dossiers traités dans le délai annoncé", "%"),
    "backlog": ("Dossiers en attente", "dossiers"),
    "satisfaction_mean": ("Note moyenne de satisfaction", "/10"),
    "satisfied_share": ("Part d'usagers satisfaits", "%"),
    "nps": ("Net Promoter Score", "points"),
}
RATE_MEASURES = {"take_up", "assisted_share", "within_deadline", "satisfied_share"}
DIRECTIONS = ("increase", "decrease")
ACTION_STATUSES = {"a_venir": "À venir", "en_cours": "En cours", "terminee": "Terminée", "suspendue": "Suspendue"}
SCOPE_KEYS = ("services", "channels", "communes", "age_bands")


@dataclass(frozen=True)
class Milestone:
    date: dt.date
    value: float


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    measure: str
    unit: str
    direction: str
    scope: dict[str, tuple[str, ...]]
    baseline_start: dt.date
    baseline_end: dt.date
    baseline_value: float | None  # None = computed from data over the baseline period
    target_value: float
    target_date: dt.date
    milestones: tuple[Milestone, ...]
    min_sample: int
    methodology: str
    axis: str | None = None


@dataclass(frozen=True)
class Funding:
    funder: str
    amount: float


@dataclass(frozen=True)
class Action:
    id: str
    label: str
    axis: str | None
    phase: str | None
    start: dt.date | None
    end: dt.date | None
    status: str
    budget: float
    funding: tuple[Funding, ...]
    deliverables: tuple[str, ...]
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    path: Path
    authority: dict
    title: str
    start: dt.date
    end: dt.date
    review_cadence_years: int
    reviews: tuple[dict, ...]
    phases: tuple[dict, ...]
    axes: tuple[dict, ...]
    services: tuple[dict, ...]
    indicators: tuple[Indicator, ...]
    actions: tuple[Action, ...]
    raw: dict = field(repr=False, default_factory=dict)

    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    def funders(self) -> list[str]:
        return sorted({f.funder for a in self.actions for f in a.funding})


class _Locator:
    """Finds the line of a key in the TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line(self, table: str | None, index: int | None, key: str | None) -> int | None:
        start, end = 0, len(self.lines)
        if table:
            header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]" if index is not None else rf"^\s*\[\s*{re.escape(table)}\s*\]")
            hits = [i for i, ln in enumerate(self.lines) if header.match(ln)]
            pos = hits[index or 0] if len(hits) > (index or 0) else None
            if pos is None:
                return None
            start = pos
            nxt = [i for i, ln in enumerate(self.lines) if i > pos and re.match(r"^\s*\[", ln)]
            end = nxt[0] if nxt else len(self.lines)
            if key is None:
                return start + 1
        if key:
            pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for i in range(start, end):
                if pat.match(self.lines[i]):
                    return i + 1
        return start + 1 if table else None


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.loc = path, _Locator(text)

    def fail(self, message: str, table: str | None = None, index: int | None = None, key: str | None = None):
        line = self.loc.line(table, index, key)
        where = f"{table}[{index + 1}]" if index is not None else (table or "")
        keyname = f"{where}.{key}" if key and where else (key or where)
        at = f", ligne {line}" if line else ""
        raise PlanError(f"Plan {self.path.name}{at} — clé « {keyname} » : {message}")

    def get(self, d: dict, key: str, kind, table=None, index=None, required=True, default=None):
        if key not in d:
            if required:
                self.fail("clé obligatoire absente.", table, index, key)
            return default
        value = d[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is dt.date and isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, kind) or (kind is float and isinstance(value, bool)):
            expected = {str: "un texte", float: "un nombre", int: "un nombre entier", dt.date: "une date (AAAA-MM-JJ)", list: "une liste", dict: "une table"}[kind]
            self.fail(f"{expected} est attendu, pas « {value!r} ».", table, index, key)
        return value


def load_plan(path: Path) -> Plan:
    """Read and validate ``plan.toml`` (PlanError with key and line on any problem)."""
    path = Path(path)
    if not path.exists():
        raise PlanError(f"Le plan {path} est introuvable : copiez l'exemple de la démo (barometre demo --prepare-only) et adaptez-le.")
    text = path.read_text(encoding="utf-8-sig")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(f"Plan {path.name} : syntaxe TOML invalide ({err}).") from err
    r = _Reader(path, text)
    authority = r.get(doc, "authority", dict, "authority")
    r.get(authority, "name", str, "authority", None, "name") if "name" in authority else r.fail("clé obligatoire absente.", "authority", None, "name")
    plan = r.get(doc, "plan", dict, "plan")
    start = r.get(plan, "start", dt.date, "plan", None)
    end = r.get(plan, "end", dt.date, "plan", None)
    if end <= start:
        r.fail("la fin du plan doit être postérieure à son début.", "plan", None, "end")
    cadence = r.get(plan, "review_cadence_years", int, "plan", None, required=False, default=3)
    if not 3 <= cadence <= 5:
        r.fail("la revue a lieu tous les 3 à 5 ans.", "plan", None, "review_cadence_years")
    reviews = tuple(r.get(plan, "reviews", list, "plan", None, required=False, default=[]))
    for i, rev in enumerate(reviews):
        for k in ("name", "start", "end"):
            if k not in rev:
                r.fail(f"la revue n° {i + 1} doit avoir « name », « start » et « end ».", "plan", None, "reviews")
    services = tuple(doc.get("services", []))
    for i, svc in enumerate(services):
        slug = r.get(svc, "slug", str, "services", i)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
            r.fail(f"« {slug} » : un identifiant de service s'écrit en minuscules, chiffres et tirets.", "services", i, "slug")
        r.get(svc, "label", str, "services", i)
    indicators = tuple(_indicator(r, d, i) for i, d in enumerate(doc.get("indicators", [])))
    ids = [ind.id for ind in indicators]
    for i, ind_id in enumerate(ids):
        if ids.index(ind_id) != i:
            r.fail(f"l'identifiant « {ind_id} » est utilisé deux fois.", "indicators", i, "id")
    actions = tuple(_action(r, d, i, set(ids)) for i, d in enumerate(doc.get("actions", [])))
    return Plan(
        path=path,
        authority=authority,
        title=r.get(plan, "title", str, "plan", None),
        start=start,
        end=end,
        review_cadence_years=cadence,
        reviews=reviews,
        phases=tuple(doc.get("phases", [])),
        axes=tuple(doc.get("axes", [])),
        services=services,
        indicators=indicators,
        actions=actions,
        raw=doc,
    )


def _indicator(r: _Reader, d: dict, i: int) -> Indicator:
    t = "indicators"
    ind_id = r.get(d, "id", str, t, i)
    measure = r.get(d, "measure", str, t, i)
    if measure not in MEASURES:
        r.fail(f"mesure « {measure} » inconnue ; mesures possibles : {', '.join(MEASURES)}.", t, i, "measure")
    direction = r.get(d, "direction", str, t, i)
    if direction not in DIRECTIONS:
        r.fail("« increase » (à la hausse) ou « decrease » (à la baisse) est attendu.", t, i, "direction")
    scope_raw = r.get(d, "scope", dict, t, i, required=False, default={})
    scope = {}
    for key in scope_raw:
        if key not in SCOPE_KEYS:
            r.fail(f"filtre « {key} » inconnu ; filtres possibles : {', '.join(SCOPE_KEYS)}.", t, i, "scope")
    for key in SCOPE_KEYS:
        values = scope_raw.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            r.fail(f"« scope.{key} » doit être une liste de textes.", t, i, "scope")
        scope[key] = tuple(values)
    baseline = r.get(d, "baseline", dict, t, i)
    b_start = r.get(baseline, "start", dt.date, t, i)
    b_end = r.get(baseline, "end", dt.date, t, i)
    b_value = baseline.get("value", "computed")
    if b_value == "computed":
        b_value = None
    elif isinstance(b_value, int | float) and not isinstance(b_value, bool):
        b_value = float(b_value)
    else:
        r.fail("« baseline.value » est un nombre ou \"computed\" (calculé sur les données).", t, i, "baseline")
    target = r.get(d, "target", dict, t, i)
    t_value = r.get(target, "value", float, t, i)
    t_date = r.get(target, "date", dt.date, t, i)
    milestones = []
    for m in r.get(d, "milestones", list, t, i, required=False, default=[]):
        if not isinstance(m, dict) or "date" not in m or "value" not in m:
            r.fail("chaque jalon s'écrit { date = AAAA-MM-JJ, value = nombre }.", t, i, "milestones")
        milestones.append(Milestone(r.get(m, "date", dt.date, t, i), r.get(m, "value", float, t, i)))
    milestones.sort(key=lambda m: m.date)
    values = [t_value, *(m.value for m in milestones)] + ([b_value] if b_value is not None else [])
    if measure in RATE_MEASURES and any(not 0 <= v <= 1 for v in values):
        r.fail("un taux s'écrit en fraction : 0.6 pour 60 %.", t, i, "target")
    if t_date <= b_end:
        r.fail("la date cible doit suivre la fin de la période de référence.", t, i, "target")
    min_sample = r.get(d, "min_sample", int, t, i, required=False, default=30)
    return Indicator(
        id=ind_id,
        label=r.get(d, "label", str, t, i),
        measure=measure,
        unit=r.get(d, "unit", str, t, i, required=False, default=MEASURES[measure][1]),
        direction=direction,
        scope=scope,
        baseline_start=b_start,
        baseline_end=b_end,
        baseline_value=b_value,
        target_value=t_value,
        target_date=t_date,
        milestones=tuple(milestones),
        min_sample=min_sample,
        methodology=r.get(d, "methodology", str, t, i, required=False, default=""),
        axis=d.get("axis"),
    )


def _action(r: _Reader, d: dict, i: int, indicator_ids: set[str]) -> Action:
    t = "actions"
    status = r.get(d, "status", str, t, i, required=False, default="a_venir")
    if status not in ACTION_STATUSES:
        r.fail(f"statut « {status} » inconnu ; statuts possibles : {', '.join(ACTION_STATUSES)}.", t, i, "status")
    funding = []
    for f in r.get(d, "funding", list, t, i, required=False, default=[]):
        if not isinstance(f, dict) or "funder" not in f or "amount" not in f:
            r.fail("chaque financement s'écrit { funder = \"FEDER\", amount = 100000 }.", t, i, "funding")
        amount = r.get(f, "amount", float, t, i)
        if amount < 0:
            r.fail("un montant de financement ne peut pas être négatif.", t, i, "funding")
        funding.append(Funding(str(f["funder"]), amount))
    linked = tuple(r.get(d, "indicators", list, t, i, required=False, default=[]))
    for ind in linked:
        if ind not in indicator_ids:
            r.fail(f"l'indicateur « {ind} » n'existe pas dans [[indicators]].", t, i, "indicators")
    budget = r.get(d, "budget", float, t, i, required=False, default=0.0)
    if sum(f.amount for f in funding) > budget + 0.005 and budget > 0:
        r.fail("la somme des financements dépasse le budget de l'action.", t, i, "funding")
    return Action(
        id=r.get(d, "id", str, t, i),
        label=r.get(d, "label", str, t, i),
        axis=d.get("axis"),
        phase=d.get("phase"),
        start=r.get(d, "start", dt.date, t, i, required=False),
        end=r.get(d, "end", dt.date, t, i, required=False),
        status=status,
        budget=budget,
        funding=tuple(funding),
        deliverables=tuple(str(x) for x in d.get("deliverables", [])),
        indicators=linked,
    )


def plan_frames(plan: Plan) -> dict[str, pl.DataFrame]:
    """The plan flattened into tables (``plan_indicators``, ``plan_milestones``, ``plan_actions``…)."""
    ind = pl.DataFrame(
        [
            {
                "indicator_id": i.id, "label": i.label, "measure": i.measure, "unit": i.unit, "direction": i.direction,
                "axis": i.axis, "scope_services": list(i.scope["services"]), "scope_channels": list(i.scope["channels"]),
                "scope_communes": list(i.scope["communes"]), "scope_age_bands": list(i.scope["age_bands"]),
                "baseline_start": i.baseline_start, "baseline_end": i.baseline_end, "baseline_value": i.baseline_value,
                "target_value": i.target_value, "target_date": i.target_date, "min_sample": i.min_sample,
                "methodology": i.methodology,
            }
            for i in plan.indicators
        ],
        schema_overrides={"baseline_value": pl.Float64, "axis": pl.String, "scope_services": pl.List(pl.String),
                          "scope_channels": pl.List(pl.String), "scope_communes": pl.List(pl.String), "scope_age_bands": pl.List(pl.String)},
    )
    milestones = pl.DataFrame(
        [{"indicator_id": i.id, "date": m.date, "value": m.value} for i in plan.indicators for m in i.milestones],
        schema={"indicator_id": pl.String, "date": pl.Date, "value": pl.Float64},
    )
    actions = pl.DataFrame(
        [
            {"action_id": a.id, "label": a.label, "axis": a.axis, "phase": a.phase, "start": a.start, "end": a.end,
             "status": a.status, "budget": a.budget, "deliverables": list(a.deliverables), "indicators": list(a.indicators)}
            for a in plan.actions
        ],
        schema={"action_id": pl.String, "label": pl.String, "axis": pl.String, "phase": pl.String, "start": pl.Date,
                "end": pl.Date, "status": pl.String, "budget": pl.Float64, "deliverables": pl.List(pl.String), "indicators": pl.List(pl.String)},
    )
    funding = pl.DataFrame(
        [{"action_id": a.id, "funder": f.funder, "amount": f.amount} for a in plan.actions for f in a.funding],
        schema={"action_id": pl.String, "funder": pl.String, "amount": pl.Float64},
    )
    phases = pl.DataFrame(
        [{"phase_id": str(p.get("id")), "label": str(p.get("label", p.get("id"))), "start": p.get("start"), "end": p.get("end")} for p in plan.phases],
        schema={"phase_id": pl.String, "label": pl.String, "start": pl.Date, "end": pl.Date},
    )
    services = pl.DataFrame(
        [{"slug": s["slug"], "label": s["label"], "aliases": [str(a) for a in s.get("aliases", [])]} for s in plan.services],
        schema={"slug": pl.String, "label": pl.String, "aliases": pl.List(pl.String)},
    )
    return {
        "plan_indicators": ind, "plan_milestones": milestones, "plan_actions": actions,
        "plan_funding": funding, "plan_phases": phases, "plan_services": services,
    }


def load_plan_tables(con: duckdb.DuckDBPyConnection, plan_path: Path) -> None:
    """Replace the ``plan_*`` tables with the current plan (skipped silently if the plan is invalid:
    the app and ``kpi`` report plan errors themselves)."""
    try:
        plan = load_plan(plan_path)
    except PlanError:
        return
    for name, frame in plan_frames(plan).items():
        con.register("_plan_arrow", frame.to_arrow())
        try:
            con.execute(f"create or replace table {name} as select * from _plan_arrow").fetchall()
        finally:
            con.unregister("_plan_arrow")
