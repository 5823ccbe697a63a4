"""The plan file (``plan.toml``): read, validate, flatten into ``plan_*`` tables.

Validation is a typed model: every error names the key, the entry and the line of the file, in
French. Rates are written as fractions (0.60 = 60 %), delays in days, scores out of 10, the NPS in
points (−100 to 100). References are checked: an indicator's or action's ``axis`` must be one of
``[[axes]]``, an action's ``phase`` one of ``[[phases]]``, its ``indicators`` ids of
``[[indicators]]``, an indicator's scope services slugs of ``[[services]]`` (when the plan carries
the catalogue).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import PlanError
from pipelines.plan_links import LINK_SCHEMAS, ActionLinks, link_rows, parse_links
from schemas.common import AGE_BAND_PATTERN, CHANNELS, INSEE_PATTERN

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
    "completion_rate": ("Taux d'achèvement des démarches commencées", "%"),
    "cost_per_transaction": ("Coût moyen d'une demande", "€"),
}
RATE_MEASURES = {"take_up", "assisted_share", "within_deadline", "satisfied_share", "completion_rate"}
CASE_MEASURES = {"delay_median", "delay_p90", "delay_mean", "within_deadline", "backlog"}
VALUE_RANGES = {
    "€": (0.0, 1e6),
    "/10": (0.0, 10.0),
    "points": (-100.0, 100.0),
    "jours": (0.0, 3650.0),
    "dossiers": (0.0, 1e9),
}
DIRECTIONS = ("increase", "decrease")
ACTION_STATUSES = {
    "a_venir": "À venir",
    "en_cours": "En cours",
    "terminee": "Terminée",
    "suspendue": "Suspendue",
}
SCOPE_KEYS = ("services", "channels", "communes", "age_bands")
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"


class _Mapping:
    """Dict-style read access (``p["id"]``, ``p.get("label")``) for callers written against the raw TOML."""

    def __getitem__(self, key: str):
        if key not in {f.name for f in fields(self)}:  # type: ignore[arg-type]
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        return getattr(self, key, default)


@dataclass(frozen=True)
class Milestone:
    date: dt.date
    value: float


@dataclass(frozen=True)
class Review(_Mapping):
    name: str
    start: dt.date
    end: dt.date
    baseline_start: dt.date | None = None  # None: each indicator's own baseline period
    baseline_end: dt.date | None = None


@dataclass(frozen=True)
class Phase(_Mapping):
    id: str
    label: str
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class Axis(_Mapping):
    id: str
    label: str


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
    # dated revisions of the target and milestones (``revisions = [...]``, see ``_parse_revisions``);
    # the fields above keep the original trajectory, ``in_force`` gives the one at a date
    revisions: tuple[Revision, ...] = ()
    # survey measures only: non-response weighting ("channel" | "channel_service", see
    # pipelines.indicators.weighting) and the one questionnaire (instrument code) the indicator reads
    weighting: str | None = None
    instrument: str | None = None
    # delay_median only: which median is the headline, « decided » (cases decided in the period) or
    # « cohort » (Kaplan–Meier over the cases filed in the period, see ``DELAY_BASES``)
    delay_basis: str = "decided"


# the populations a median delay can be measured on (``delay_basis``), in French
DELAY_BASES = {
    "decided": "dossiers décidés dans la période",
    "cohort": "dossiers déposés dans la période (Kaplan–Meier)",
}


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
    # what the action addresses, for the diagnostic's priorities (blind spots): catalogue services,
    # communes (INSEE codes) and maturity themes it names explicitly; services are also reached
    # through the scope of its linked indicators (see ``addressed_services``)
    services: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    # deliverable records, stakeholders, policy links (``deliverables`` above keeps their labels)
    links: ActionLinks = field(default_factory=ActionLinks)
    # FEDER RCO14: the public institutions the action supports (``institutions = ["Commune de X", …]``),
    # or only their number (``institutions = 12``); none named: the authority itself (see
    # pipelines.indicators.funder_indicators)
    institutions: tuple[str, ...] = ()
    institution_count: int | None = None


@dataclass(frozen=True)
class Priorities:
    """Weights of the diagnostic's priority rankings (``[priorities]``; documented defaults: every
    component weighs 1). A weight of 0 leaves a component shown but out of the score."""

    offline_volume: float = 1.0
    take_up_gap: float = 1.0
    delay_vs_deadline: float = 1.0
    dissatisfaction: float = 1.0
    demand: float = 1.0
    # communes: offline share of requests crossed with digital fragility (IFN)
    commune_offline_share: float = 1.0
    commune_fragility: float = 1.0
    # a service or commune ranked within the first ``top`` that no action addresses is a blind spot
    top: int = 5

    SERVICE_COMPONENTS = ("offline_volume", "take_up_gap", "delay_vs_deadline", "dissatisfaction", "demand")
    COMMUNE_COMPONENTS = ("commune_offline_share", "commune_fragility")


@dataclass(frozen=True)
class Plan:
    path: Path
    authority: dict
    title: str
    start: dt.date
    end: dt.date
    review_cadence_years: int
    reviews: tuple[Review, ...]
    phases: tuple[Phase, ...]
    axes: tuple[Axis, ...]
    services: tuple[dict, ...]
    indicators: tuple[Indicator, ...]
    actions: tuple[Action, ...]
    raw: dict = field(repr=False, default_factory=dict)
    # ``[authority] communes``: the INSEE codes of the authority's communes (empty: not said); the
    # territory's national files keep only these rows when given
    communes: tuple[str, ...] = ()
    # ``[diagnostic] referential``: the authority's own maturity referential (TOML, same layout as
    # the shipped one), relative to the plan file; None: the shipped referential
    referential: Path | None = None
    priorities: Priorities = field(default_factory=Priorities)
    # ``[costs]``: unit cost of a request per channel (measure cost_per_transaction, gains view)
    costs: tuple[UnitCost, ...] = ()

    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    def review(self, name: str) -> Review:
        for rev in self.reviews:
            if rev.name == name:
                return rev
        raise KeyError(name)

    def funders(self) -> list[str]:
        return sorted({f.funder for a in self.actions for f in a.funding})

    def addressed_services(self, action: Action) -> tuple[str, ...]:
        """Services an action addresses: those it names, then those scoped by its linked indicators."""
        named = list(action.services)
        for ind_id in action.indicators:
            named.extend(self.indicator(ind_id).scope["services"])
        return tuple(dict.fromkeys(named))


@dataclass(frozen=True)
class UnitCost:
    """``[costs] <channel> = { euros = 12.5, minutes = 15, source = "…" }``: what one request costs the
    authority on a channel (an assumption, not a sample: no interval), with where it comes from."""

    channel: str
    euros: float
    source: str
    minutes: float | None = None  # agent time per request, when the source gives it


def _parse_costs(r: _Reader, doc: dict) -> tuple[UnitCost, ...]:
    """``[costs]``: one inline table per channel of the usage data (euros ≥ 0 and a source required)."""
    costs = r.get(doc, "costs", dict, "costs", required=False, default={})
    out = []
    for channel, entry in costs.items():
        if channel not in CHANNELS:
            r.fail(
                f"canal « {channel} » inconnu ; canaux possibles : {', '.join(CHANNELS)}.",
                "costs",
                None,
                channel,
            )
        if not isinstance(entry, dict):
            r.fail('une table { euros = …, source = "…" } est attendue.', "costs", None, channel)
        euros = r.get(entry, "euros", float, "costs", None, shown=f"{channel}.euros", needle="euros")
        if not 0 <= euros <= 1e6:
            r.fail(
                "un coût unitaire est un montant en euros positif.",
                "costs",
                None,
                channel,
                shown=f"{channel}.euros",
            )
        minutes = r.get(entry, "minutes", float, "costs", None, required=False, shown=f"{channel}.minutes")
        if minutes is not None and not 0 <= minutes <= 10_000:
            r.fail(
                "un temps d'agent s'écrit en minutes, positif.",
                "costs",
                None,
                channel,
                shown=f"{channel}.minutes",
            )
        source = r.get(entry, "source", str, "costs", None, shown=f"{channel}.source")
        if not source.strip():
            r.fail(
                "indiquez la source du coût (étude, calcul interne ou « hypothèse »).", "costs", None, channel
            )
        out.append(UnitCost(channel, euros, source.strip(), minutes))
    return tuple(out)


class _Locator:
    """Finds the line of a key in the TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_-]+(\s*\.\s*[A-Za-z0-9_-]+)*\s*\]\]?\s*(#.*)?$")

    def _block(self, table: str | None, index: int | None) -> tuple[int, int] | None:
        """(first, end) line indexes of a table (``index``-th ``[[table]]``), or of the top level."""
        heads = [i for i, ln in enumerate(self.lines) if self.HEADER.match(ln)]
        if not table:
            return 0, (heads[0] if heads else len(self.lines))
        header = re.compile(
            rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]"
            if index is not None
            else rf"^\s*\[\s*{re.escape(table)}\s*\]"
        )
        hits = [i for i in heads if header.match(self.lines[i])]
        if len(hits) <= (index or 0):
            return None
        pos = hits[index or 0]
        nxt = [i for i in heads if i > pos and not self.lines[i].strip().startswith(f"[{table}.")]
        return pos, (nxt[0] if nxt else len(self.lines))

    def line(
        self, table: str | None, index: int | None, key: str | None, needle: str | None = None
    ) -> int | None:
        block = self._block(table, index)
        if block is None:
            return None
        start, end = block
        found = None
        if key:
            pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
            found = next((i for i in range(start, end) if pat.match(self.lines[i])), None)
        if needle is not None:  # an entry of an inline array: the first line after the key that names it
            for i in range(found if found is not None else start, end):
                if needle in self.lines[i]:
                    return i + 1
        if found is not None:
            return found + 1
        return start + 1 if table else None


_KIND_NAMES = {
    str: "un texte",
    float: "un nombre",
    int: "un nombre entier",
    dt.date: "une date (AAAA-MM-JJ)",
    list: "une liste",
    dict: "une table",
}


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.loc = path, _Locator(text)

    def fail(
        self,
        message: str,
        table: str | None = None,
        index: int | None = None,
        key: str | None = None,
        needle: str | None = None,
        shown: str | None = None,
    ):
        """Raise PlanError naming ``table[index].shown`` (default ``key``) and the line where ``key`` is written."""
        line = self.loc.line(table, index, key, needle)
        where = f"{table}[{index + 1}]" if index is not None else (table or "")
        name = shown or key
        keyname = f"{where}.{name}" if name and where else (name or where)
        at = f", ligne {line}" if line else ""
        raise PlanError(f"Plan {self.path.name}{at} — clé « {keyname} » : {message}")

    def get(
        self,
        d: dict,
        key: str,
        kind,
        table=None,
        index=None,
        required=True,
        default=None,
        *,
        shown=None,
        needle=None,
    ):
        """``d[key]`` checked against ``kind``; ``shown`` is the key named in the message (``baseline.start``)."""
        shown = shown or key
        if key not in d:
            if required:
                self.fail("clé obligatoire absente.", table, index, shown.split(".")[0], needle, shown)
            return default
        value = d[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is dt.date and isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, kind) or (kind in (float, int) and isinstance(value, bool)):
            self.fail(
                f"{_KIND_NAMES[kind]} est attendu, pas « {value!r} ».",
                table,
                index,
                shown.split(".")[0],
                needle,
                shown,
            )
        return value

    def ident(self, d: dict, table: str, index: int, key: str = "id") -> str:
        value = self.get(d, key, str, table, index)
        if not re.fullmatch(ID_PATTERN, value):
            self.fail(
                f"« {value} » : un identifiant s'écrit en lettres sans accent, chiffres, tirets ou soulignés.",
                table,
                index,
                key,
            )
        return value


def load_plan(path: Path) -> Plan:
    """Read and validate ``plan.toml`` (PlanError with key and line on any problem)."""
    path = Path(path)
    if not path.exists():
        raise PlanError(
            f"Le plan {path} est introuvable : copiez l'exemple de la démo (barometre demo --prepare-only) et adaptez-le."
        )
    text = path.read_text(encoding="utf-8-sig")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(f"Plan {path.name} : syntaxe TOML invalide ({err}).") from err
    r = _Reader(path, text)
    authority = r.get(doc, "authority", dict, "authority")
    r.get(authority, "name", str, "authority")
    siren = r.get(authority, "siren", str, "authority", required=False)
    if siren is not None and not re.fullmatch(r"\d{9}", siren):
        r.fail("un SIREN s'écrit avec 9 chiffres, sans espace.", "authority", None, "siren")
    plan = r.get(doc, "plan", dict, "plan")
    start = r.get(plan, "start", dt.date, "plan")
    end = r.get(plan, "end", dt.date, "plan")
    if end <= start:
        r.fail("la fin du plan doit être postérieure à son début.", "plan", None, "end")
    cadence = r.get(plan, "review_cadence_years", int, "plan", required=False, default=3)
    if not 3 <= cadence <= 5:
        r.fail("la revue a lieu tous les 3 à 5 ans.", "plan", None, "review_cadence_years")
    reviews = _reviews(r, r.get(plan, "reviews", list, "plan", required=False, default=[]))
    phases = tuple(_phase(r, d, i) for i, d in enumerate(_tables(r, doc, "phases")))
    _unique(r, "phases", [p.id for p in phases])
    axes = tuple(_axis(r, d, i) for i, d in enumerate(_tables(r, doc, "axes")))
    _unique(r, "axes", [a.id for a in axes])
    services = tuple(_tables(r, doc, "services"))
    for i, svc in enumerate(services):
        slug = r.get(svc, "slug", str, "services", i)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
            r.fail(
                f"« {slug} » : un identifiant de service s'écrit en minuscules, chiffres et tirets.",
                "services",
                i,
                "slug",
            )
        r.get(svc, "label", str, "services", i)
    _unique(r, "services", [s["slug"] for s in services], key="slug")
    refs = {
        "axes": {a.id for a in axes},
        "phases": {p.id for p in phases},
        "services": {s["slug"] for s in services},
    }
    indicators = tuple(_indicator(r, d, i, refs) for i, d in enumerate(_tables(r, doc, "indicators")))
    indicators = _parse_revisions(r, doc, indicators, start, end)
    _unique(r, "indicators", [ind.id for ind in indicators])
    refs["indicators"] = {ind.id for ind in indicators}
    actions = tuple(_action(r, d, i, refs) for i, d in enumerate(_tables(r, doc, "actions")))
    _unique(r, "actions", [a.id for a in actions])
    communes = _codes(r, authority, "communes", "authority", None)
    diagnostic = r.get(doc, "diagnostic", dict, "diagnostic", required=False, default={})
    referential = r.get(diagnostic, "referential", str, "diagnostic", required=False)
    if referential is not None:
        referential = (path.parent / referential).resolve()
        if not referential.is_file():
            r.fail(f"le référentiel « {referential} » est introuvable.", "diagnostic", None, "referential")
    return Plan(
        path=path,
        authority=authority,
        title=r.get(plan, "title", str, "plan"),
        start=start,
        end=end,
        review_cadence_years=cadence,
        reviews=reviews,
        phases=phases,
        axes=axes,
        services=services,
        indicators=indicators,
        actions=actions,
        raw=doc,
        communes=communes,
        referential=referential,
        priorities=_priorities(r, doc),
        costs=_parse_costs(r, doc),
    )


def _codes(r: _Reader, d: dict, key: str, table: str, index: int | None) -> tuple[str, ...]:
    """A list of INSEE codes (text: « 01001 », « 2A004 »), checked."""
    values = r.get(d, key, list, table, index, required=False, default=[])
    for v in values:
        if not isinstance(v, str) or not re.fullmatch(INSEE_PATTERN[1:-1], v):
            r.fail(
                f"« {v!r} » : un code INSEE s'écrit entre guillemets, 5 caractères (« 01001 », « 2A004 »).",
                table,
                index,
                key,
            )
    return tuple(dict.fromkeys(values))


def _priorities(r: _Reader, doc: dict) -> Priorities:
    t = "priorities"
    raw = r.get(doc, t, dict, t, required=False, default={})
    known = {f.name for f in fields(Priorities)}
    for key in raw:
        if key not in known:
            r.fail(f"poids « {key} » inconnu ; poids possibles : {', '.join(sorted(known))}.", t, None, key)
    values = {}
    for key in known - {"top"}:
        weight = r.get(raw, key, float, t, required=False, default=1.0)
        if weight < 0:
            r.fail("un poids ne peut pas être négatif.", t, None, key)
        values[key] = weight
    top = r.get(raw, "top", int, t, required=False, default=5)
    if top < 1:
        r.fail("« top » compte les premiers du classement : 1 au moins.", t, None, "top")
    if not any(values[k] for k in Priorities.SERVICE_COMPONENTS):
        r.fail("au moins un poids des services doit être positif.", t, None, None)
    return Priorities(**values, top=top)


def _tables(r: _Reader, doc: dict, name: str) -> list[dict]:
    value = doc.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        r.fail(f"s'écrit en tables répétées [[{name}]].", None, None, name)
    return value


def _unique(r: _Reader, table: str, ids: list[str], key: str = "id") -> None:
    for i, value in enumerate(ids):
        if ids.index(value) != i:
            r.fail(f"l'identifiant « {value} » est utilisé deux fois.", table, i, key)


def _reviews(r: _Reader, items: list) -> tuple[Review, ...]:
    out: list[Review] = []
    for i, rev in enumerate(items):
        if not isinstance(rev, dict) or "name" not in rev or "start" not in rev or "end" not in rev:
            r.fail(f"la revue n° {i + 1} doit avoir « name », « start » et « end ».", "plan", None, "reviews")
        name = needle = r.get(rev, "name", str, "plan", None, shown="reviews")
        dates = [
            r.get(rev, key, dt.date, "plan", None, key in ("start", "end"), shown="reviews", needle=needle)
            for key in ("start", "end", "baseline_start", "baseline_end")
        ]
        review = Review(name, *dates)
        if review.end <= review.start:
            r.fail(f"revue « {name} » : « end » doit suivre « start ».", "plan", None, "reviews", needle)
        if (review.baseline_start is None) != (review.baseline_end is None):
            r.fail(
                f"revue « {name} » : indiquez « baseline_start » et « baseline_end » ensemble.",
                "plan",
                None,
                "reviews",
                needle,
            )
        if (
            review.baseline_start
            and review.baseline_end
            and not review.baseline_start <= review.baseline_end < review.start
        ):
            r.fail(
                f"revue « {name} » : la période de référence doit finir avant le début de la revue.",
                "plan",
                None,
                "reviews",
                needle,
            )
        if any(o.name == name for o in out):
            r.fail(f"deux revues portent le nom « {name} ».", "plan", None, "reviews", needle)
        out.append(review)
    return tuple(out)


def _phase(r: _Reader, d: dict, i: int) -> Phase:
    t = "phases"
    phase = Phase(
        id=r.ident(d, t, i),
        label=r.get(d, "label", str, t, i),
        start=r.get(d, "start", dt.date, t, i),
        end=r.get(d, "end", dt.date, t, i),
    )
    if phase.end < phase.start:
        r.fail("la fin de la phase précède son début.", t, i, "end")
    return phase


def _axis(r: _Reader, d: dict, i: int) -> Axis:
    return Axis(id=r.ident(d, "axes", i), label=r.get(d, "label", str, "axes", i))


_REFERENCED = {"axis": "axes", "phase": "phases"}


def _reference(r: _Reader, d: dict, key: str, known: set[str], table: str, i: int, what: str) -> str | None:
    """An ``axis``/``phase`` reference: it must name an entry of ``[[axes]]``/``[[phases]]``."""
    value = r.get(d, key, str, table, i, required=False)
    if value is None:
        return None
    if not known:
        r.fail(
            f"{what} « {value} » est cité, mais le plan ne déclare aucune table [[{_REFERENCED[key]}]].",
            table,
            i,
            key,
        )
    if value not in known:
        r.fail(
            f"{what} « {value} » n'existe pas ; valeurs possibles : {', '.join(sorted(known))}.",
            table,
            i,
            key,
        )
    return value


def _scope(r: _Reader, d: dict, i: int, measure: str, services: set[str]) -> dict[str, tuple[str, ...]]:
    t = "indicators"
    raw = r.get(d, "scope", dict, t, i, required=False, default={})
    checks = {
        "services": (
            lambda v: not services or v in services,
            f"service inconnu du catalogue [[services]] ({', '.join(sorted(services))})",
        ),
        "channels": (lambda v: v in CHANNELS, f"canal inconnu ; canaux possibles : {', '.join(CHANNELS)}"),
        "communes": (
            lambda v: re.fullmatch(INSEE_PATTERN[1:-1], v) is not None,
            "code INSEE invalide (5 chiffres, ou 2A/2B et 3 chiffres)",
        ),
        "age_bands": (
            lambda v: re.fullmatch(AGE_BAND_PATTERN[1:-1], v) is not None,
            "tranche d'âge illisible (ex. « 30-44 », « 75+ », « <25 »)",
        ),
    }
    scope: dict[str, tuple[str, ...]] = {}
    for key in raw:
        if key not in SCOPE_KEYS:
            r.fail(f"filtre « {key} » inconnu ; filtres possibles : {', '.join(SCOPE_KEYS)}.", t, i, "scope")
    for key in SCOPE_KEYS:
        values = raw.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            r.fail(f"« scope.{key} » doit être une liste de textes.", t, i, "scope")
        ok, reason = checks[key]
        for v in values:
            if not ok(v):
                r.fail(f"« scope.{key} » : « {v} » — {reason}.", t, i, "scope")
        scope[key] = tuple(dict.fromkeys(values))
    if scope["age_bands"] and measure in CASE_MEASURES:
        r.fail(
            "les dossiers instruits n'ont pas de tranche d'âge : retirez « age_bands » du périmètre de cette mesure.",
            t,
            i,
            "scope",
        )
    return scope


def _check_value(r: _Reader, measure: str, unit: str, value: float, i: int, key: str) -> None:
    if measure in RATE_MEASURES and not 0 <= value <= 1:
        r.fail("un taux s'écrit en fraction : 0.6 pour 60 %.", "indicators", i, key)
    lo, hi = VALUE_RANGES.get(unit, (float("-inf"), float("inf")))
    if not lo <= value <= hi:
        r.fail(
            f"la valeur {value:g} sort de l'intervalle possible ({lo:g} à {hi:g} {unit}).",
            "indicators",
            i,
            key,
        )


def _indicator(r: _Reader, d: dict, i: int, refs: dict[str, set[str]]) -> Indicator:
    t = "indicators"
    ind_id = r.ident(d, t, i)
    measure = r.get(d, "measure", str, t, i)
    if measure not in MEASURES:
        r.fail(f"mesure « {measure} » inconnue ; mesures possibles : {', '.join(MEASURES)}.", t, i, "measure")
    unit = r.get(d, "unit", str, t, i, required=False, default=MEASURES[measure][1])
    if unit != MEASURES[measure][1]:
        r.fail(
            f"l'unité de la mesure « {measure} » est « {MEASURES[measure][1]} », pas « {unit} ».",
            t,
            i,
            "unit",
        )
    direction = r.get(d, "direction", str, t, i)
    if direction not in DIRECTIONS:
        r.fail("« increase » (à la hausse) ou « decrease » (à la baisse) est attendu.", t, i, "direction")
    scope = _scope(r, d, i, measure, refs["services"])
    baseline = r.get(d, "baseline", dict, t, i)
    b_start = r.get(baseline, "start", dt.date, t, i, shown="baseline.start")
    b_end = r.get(baseline, "end", dt.date, t, i, shown="baseline.end")
    if b_end < b_start:
        r.fail("la fin de la période de référence précède son début.", t, i, "baseline")
    b_value = baseline.get("value", "computed")
    if b_value == "computed":
        b_value = None
    elif isinstance(b_value, int | float) and not isinstance(b_value, bool):
        b_value = float(b_value)
        _check_value(r, measure, unit, b_value, i, "baseline")
    else:
        r.fail('« baseline.value » est un nombre ou "computed" (calculé sur les données).', t, i, "baseline")
    target = r.get(d, "target", dict, t, i)
    t_value = r.get(target, "value", float, t, i, shown="target.value")
    t_date = r.get(target, "date", dt.date, t, i, shown="target.date")
    _check_value(r, measure, unit, t_value, i, "target")
    if t_date <= b_end:
        r.fail("la date cible doit suivre la fin de la période de référence.", t, i, "target")
    milestones = []
    for m in r.get(d, "milestones", list, t, i, required=False, default=[]):
        if not isinstance(m, dict) or "date" not in m or "value" not in m:
            r.fail("chaque jalon s'écrit { date = AAAA-MM-JJ, value = nombre }.", t, i, "milestones")
        ms = Milestone(
            r.get(m, "date", dt.date, t, i, shown="milestones"),
            r.get(m, "value", float, t, i, shown="milestones"),
        )
        if not b_end < ms.date < t_date:
            r.fail(
                f"le jalon du {ms.date.isoformat()} doit tomber entre la fin de la référence et la date cible.",
                t,
                i,
                "milestones",
            )
        if any(o.date == ms.date for o in milestones):
            r.fail(f"deux jalons portent la date {ms.date.isoformat()}.", t, i, "milestones")
        _check_value(r, measure, unit, ms.value, i, "milestones")
        milestones.append(ms)
    milestones.sort(key=lambda m: m.date)
    min_sample = r.get(d, "min_sample", int, t, i, required=False, default=30)
    if min_sample < 0:
        r.fail("l'effectif minimal est un entier positif ou nul.", t, i, "min_sample")
    delay_basis = _delay_basis(r, d, i, measure)
    return Indicator(
        id=ind_id,
        label=r.get(d, "label", str, t, i),
        measure=measure,
        unit=unit,
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
        axis=_reference(r, d, "axis", refs["axes"], t, i, "l'axe"),
        **_survey_keys(r, d, i, measure),
        delay_basis=delay_basis,
    )


SURVEY_MEASURES = {"satisfaction_mean", "satisfied_share", "nps"}
WEIGHTINGS = {"channel": "par canal", "channel_service": "par canal et service"}
INSTRUMENT_PATTERN = r"3pts|sur10|\d+-\d+"


def _survey_keys(r: _Reader, d: dict, i: int, measure: str) -> dict:
    """``weighting`` and ``instrument``: keys of the survey measures only (issue 17)."""
    t = "indicators"
    out: dict = {}
    for key in ("weighting", "instrument"):
        if key in d and measure not in SURVEY_MEASURES:
            r.fail(
                f"« {key} » ne vaut que pour une mesure d'enquête ({', '.join(sorted(SURVEY_MEASURES))}).",
                t,
                i,
                key,
            )
    weighting = r.get(d, "weighting", str, t, i, required=False, default=None)
    if weighting is not None and weighting not in WEIGHTINGS:
        r.fail(
            f"redressement « {weighting} » inconnu ; redressements possibles : "
            + ", ".join(f"« {k} » ({v})" for k, v in WEIGHTINGS.items())
            + ".",
            t,
            i,
            "weighting",
        )
    instrument = r.get(d, "instrument", str, t, i, required=False, default=None)
    if instrument is not None and not re.fullmatch(INSTRUMENT_PATTERN, instrument):
        r.fail(
            f"questionnaire « {instrument} » illisible ; attendu « 3pts » (3 points 10/5/0), « 1-5 », "
            "« 0-10 » (bas-haut de l'échelle) ou « sur10 » (note sur 10 sans échelle déclarée).",
            t,
            i,
            "instrument",
        )
    out["weighting"], out["instrument"] = weighting, instrument
    return out


def _delay_basis(r: _Reader, d: dict, i: int, measure: str) -> str:
    """``delay_basis`` of a delay_median indicator: "decided" (default) or "cohort"."""
    t = "indicators"
    if "delay_basis" not in d:
        return "decided"
    basis = r.get(d, "delay_basis", str, t, i)
    if measure != "delay_median":
        r.fail(
            "« delay_basis » ne vaut que pour un délai médian (mesure « delay_median »).", t, i, "delay_basis"
        )
    if basis not in DELAY_BASES:
        r.fail(
            f"« delay_basis » vaut « decided » (dossiers décidés dans la période) ou « cohort » "
            f"(dossiers déposés dans la période, Kaplan–Meier), pas « {basis} ».",
            t,
            i,
            "delay_basis",
        )
    return basis


def _action(r: _Reader, d: dict, i: int, refs: dict[str, set[str]]) -> Action:
    t = "actions"
    action_id = r.ident(d, t, i)
    status = r.get(d, "status", str, t, i, required=False, default="a_venir")
    if status not in ACTION_STATUSES:
        r.fail(
            f"statut « {status} » inconnu ; statuts possibles : {', '.join(ACTION_STATUSES)}.", t, i, "status"
        )
    funding = []
    for f in r.get(d, "funding", list, t, i, required=False, default=[]):
        if not isinstance(f, dict) or "funder" not in f or "amount" not in f:
            r.fail('chaque financement s\'écrit { funder = "FEDER", amount = 100000 }.', t, i, "funding")
        amount = r.get(f, "amount", float, t, i, shown="funding")
        if amount < 0:
            r.fail("un montant de financement ne peut pas être négatif.", t, i, "funding")
        funding.append(Funding(str(f["funder"]), amount))
    linked = tuple(r.get(d, "indicators", list, t, i, required=False, default=[]))
    for ind in linked:
        if ind not in refs["indicators"]:
            r.fail(f"l'indicateur « {ind} » n'existe pas dans [[indicators]].", t, i, "indicators")
    budget = r.get(d, "budget", float, t, i, required=False, default=0.0)
    if budget < 0:
        r.fail("un budget ne peut pas être négatif.", t, i, "budget")
    if sum(f.amount for f in funding) > budget + 0.005 and budget > 0:
        r.fail("la somme des financements dépasse le budget de l'action.", t, i, "funding")
    start = r.get(d, "start", dt.date, t, i, required=False)
    end = r.get(d, "end", dt.date, t, i, required=False)
    if start and end and end < start:
        r.fail("la fin de l'action précède son début.", t, i, "end")
    links = parse_links(r, d, i)
    targets = r.get(d, "services", list, t, i, required=False, default=[])
    for slug in targets:
        if refs["services"] and slug not in refs["services"]:
            r.fail(f"le service « {slug} » n'existe pas dans [[services]].", t, i, "services")
    themes = r.get(d, "themes", list, t, i, required=False, default=[])
    if not all(isinstance(x, str) for x in themes):
        r.fail(
            "« themes » est une liste d'identifiants de thèmes du référentiel (« INCL »…).", t, i, "themes"
        )
    return Action(
        id=action_id,
        label=r.get(d, "label", str, t, i),
        axis=_reference(r, d, "axis", refs["axes"], t, i, "l'axe"),
        phase=_reference(r, d, "phase", refs["phases"], t, i, "la phase"),
        start=start,
        end=end,
        status=status,
        budget=budget,
        funding=tuple(funding),
        deliverables=tuple(x.label for x in links.deliverables),
        indicators=linked,
        services=tuple(dict.fromkeys(str(x) for x in targets)),
        communes=_codes(r, d, "communes", t, i),
        themes=tuple(dict.fromkeys(themes)),
        links=links,
        **_institutions(r, d, t, i),
    )


def _institutions(r: _Reader, d: dict, t: str, i: int) -> dict:
    """``institutions``: a list of names of the public institutions supported, or their number."""
    value = d.get("institutions")
    if value is None:
        return {}
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            r.fail("le nombre d'institutions soutenues est un entier positif.", t, i, "institutions")
        return {"institution_count": value}
    if isinstance(value, list) and value and all(isinstance(x, str) and x.strip() for x in value):
        return {"institutions": tuple(dict.fromkeys(x.strip() for x in value))}
    r.fail(
        "« institutions » est la liste des institutions publiques soutenues "
        '(ex. ["Commune de Lons-le-Saunier", "CCAS de Lons-le-Saunier"]) ou leur nombre (ex. 12).',
        t,
        i,
        "institutions",
    )
    return {}


PLAN_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "plan_indicators": {
        "indicator_id": pl.String,
        "label": pl.String,
        "measure": pl.String,
        "unit": pl.String,
        "direction": pl.String,
        "axis": pl.String,
        "scope_services": pl.List(pl.String),
        "scope_channels": pl.List(pl.String),
        "scope_communes": pl.List(pl.String),
        "scope_age_bands": pl.List(pl.String),
        "baseline_start": pl.Date,
        "baseline_end": pl.Date,
        "baseline_value": pl.Float64,
        "target_value": pl.Float64,
        "target_date": pl.Date,
        "min_sample": pl.Int64,
        "methodology": pl.String,
    },
    "plan_milestones": {"indicator_id": pl.String, "date": pl.Date, "value": pl.Float64},
    "plan_actions": {
        "action_id": pl.String,
        "label": pl.String,
        "axis": pl.String,
        "phase": pl.String,
        "start": pl.Date,
        "end": pl.Date,
        "status": pl.String,
        "budget": pl.Float64,
        "deliverables": pl.List(pl.String),
        "indicators": pl.List(pl.String),
    },
    "plan_funding": {"action_id": pl.String, "funder": pl.String, "amount": pl.Float64},
    # what each action addresses (kind: service, commune, theme), services through linked indicators included
    "plan_action_targets": {"action_id": pl.String, "kind": pl.String, "target": pl.String},
    "plan_communes": {"commune": pl.String},
    "plan_phases": {"phase_id": pl.String, "label": pl.String, "start": pl.Date, "end": pl.Date},
    "plan_axes": {"axis_id": pl.String, "label": pl.String},
    # unit cost of a request per channel (``[costs]``): measure cost_per_transaction, gains
    "plan_costs": {"channel": pl.String, "euros": pl.Float64, "minutes": pl.Float64, "source": pl.String},
    "plan_reviews": {
        "name": pl.String,
        "start": pl.Date,
        "end": pl.Date,
        "baseline_start": pl.Date,
        "baseline_end": pl.Date,
    },
    "plan_services": {"slug": pl.String, "label": pl.String, "aliases": pl.List(pl.String)},
    # every dated revision of an indicator's target (issue 15), with the target it replaced
    "plan_revisions": {
        "indicator_id": pl.String,
        "date": pl.Date,
        "decision": pl.String,
        "reason": pl.String,
        "previous_target_value": pl.Float64,
        "previous_target_date": pl.Date,
        "target_value": pl.Float64,
        "target_date": pl.Date,
    },
    **LINK_SCHEMAS,
    # the median a delay_median indicator is measured on (``delay_basis``), one row per delay_median
    # indicator: a table of its own, so that a warehouse from before it gets it empty (``ensure_plan_tables``)
    "plan_delay_bases": {"indicator_id": pl.String, "delay_basis": pl.String},
}


def plan_frames(plan: Plan) -> dict[str, pl.DataFrame]:
    """The plan flattened into tables (``plan_indicators``, ``plan_milestones``, ``plan_actions``…)."""
    rows = {
        "plan_indicators": [
            {
                "indicator_id": i.id,
                "label": i.label,
                "measure": i.measure,
                "unit": i.unit,
                "direction": i.direction,
                "axis": i.axis,
                "scope_services": list(i.scope["services"]),
                "scope_channels": list(i.scope["channels"]),
                "scope_communes": list(i.scope["communes"]),
                "scope_age_bands": list(i.scope["age_bands"]),
                "baseline_start": i.baseline_start,
                "baseline_end": i.baseline_end,
                "baseline_value": i.baseline_value,
                "target_value": i.target_value,
                "target_date": i.target_date,
                "min_sample": i.min_sample,
                "methodology": i.methodology,
            }
            for i in plan.indicators
        ],
        "plan_milestones": [
            {"indicator_id": i.id, "date": m.date, "value": m.value}
            for i in plan.indicators
            for m in i.milestones
        ],
        "plan_actions": [
            {
                "action_id": a.id,
                "label": a.label,
                "axis": a.axis,
                "phase": a.phase,
                "start": a.start,
                "end": a.end,
                "status": a.status,
                "budget": a.budget,
                "deliverables": list(a.deliverables),
                "indicators": list(a.indicators),
            }
            for a in plan.actions
        ],
        "plan_funding": [
            {"action_id": a.id, "funder": f.funder, "amount": f.amount}
            for a in plan.actions
            for f in a.funding
        ],
        "plan_action_targets": [
            {"action_id": a.id, "kind": kind, "target": target}
            for a in plan.actions
            for kind, targets in (
                ("service", plan.addressed_services(a)),
                ("commune", a.communes),
                ("theme", a.themes),
            )
            for target in targets
        ],
        "plan_communes": [{"commune": c} for c in plan.communes],
        "plan_phases": [
            {"phase_id": p.id, "label": p.label, "start": p.start, "end": p.end} for p in plan.phases
        ],
        "plan_axes": [{"axis_id": a.id, "label": a.label} for a in plan.axes],
        "plan_costs": [
            {"channel": c.channel, "euros": c.euros, "minutes": c.minutes, "source": c.source}
            for c in plan.costs
        ],
        "plan_reviews": [
            {
                "name": v.name,
                "start": v.start,
                "end": v.end,
                "baseline_start": v.baseline_start,
                "baseline_end": v.baseline_end,
            }
            for v in plan.reviews
        ],
        "plan_services": [
            {"slug": s["slug"], "label": s["label"], "aliases": [str(a) for a in s.get("aliases", [])]}
            for s in plan.services
        ],
        "plan_revisions": revision_rows(plan),
        **link_rows(plan.actions),
        "plan_delay_bases": [
            {"indicator_id": i.id, "delay_basis": i.delay_basis}
            for i in plan.indicators
            if i.measure == "delay_median"
        ],
    }
    return {
        name: pl.DataFrame(rows[name], schema=schema, orient="row")
        if rows[name]
        else pl.DataFrame(schema=schema)
        for name, schema in PLAN_SCHEMAS.items()
    }


def _write_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], replace: bool) -> None:
    verb = "create or replace table" if replace else "create table if not exists"
    for name, frame in frames.items():
        con.register("_plan_arrow", frame.to_arrow())
        try:
            con.execute(f"{verb} {name} as select * from _plan_arrow").fetchall()
        finally:
            con.unregister("_plan_arrow")


def ensure_plan_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create empty ``plan_*`` tables where none exist (no plan yet), so the indicator views always bind."""
    _write_tables(
        con, {name: pl.DataFrame(schema=schema) for name, schema in PLAN_SCHEMAS.items()}, replace=False
    )


def load_plan_tables(con: duckdb.DuckDBPyConnection, plan_path: Path) -> None:
    """Replace the ``plan_*`` tables with the current plan (skipped silently if the plan is invalid:
    the app and ``kpi`` report plan errors themselves)."""
    try:
        plan = load_plan(plan_path)
    except PlanError:
        return
    _write_tables(con, plan_frames(plan), replace=True)


# --- Revisions of targets and milestones (issue 15 §1) ---------------------------------------------
#
# An indicator may carry dated revisions, oldest first, each one inline table on ONE line (TOML):
#
#   revisions = [
#     { date = 2026-12-15, decision = "Délibération n° 2026-045 du 15/12/2026", reason = "…", target = { value = 0.75, date = 2028-12-31 }, milestones = [ { date = 2027-12-31, value = 0.68 } ] },
#   ]
#
# - ``date`` (required): the day the revision was decided, within the plan period, after the end of
#   the baseline period; two revisions of an indicator never share a date.
# - ``decision`` (required): the reference of the decision (délibération, décision du comité…).
# - ``reason`` (optional): why the trajectory changed.
# - ``target`` (required): ``{ value, date }``, checked like the indicator's target; its date
#   follows the revision date.
# - ``milestones`` (optional): the milestones of the revised trajectory, checked like the
#   indicator's. Left out: the milestones in force before the revision that fall before the new
#   target date are kept.
#
# The baseline is never revised. The original trajectory stays in the indicator's own fields (as
# ``Plan.indicators`` holds it); the trajectory in force at a date is that of the latest revision
# dated on or before it (``in_force``, which returns a copy with the revised target and milestones).


@dataclass(frozen=True)
class Revision:
    date: dt.date
    decision: str
    reason: str
    target_value: float
    target_date: dt.date
    milestones: tuple[Milestone, ...]


def in_force(ind: Indicator, when: dt.date) -> Indicator:
    """The indicator with the trajectory in force on ``when``: that of the latest revision dated on
    or before ``when``, else the original one. Its ``revisions`` are kept (all of them)."""
    current = [rev for rev in ind.revisions if rev.date <= when]
    if not current:
        return ind
    rev = current[-1]
    return replace(ind, target_value=rev.target_value, target_date=rev.target_date, milestones=rev.milestones)


def _parse_revisions(
    r: _Reader, doc: dict, indicators: tuple[Indicator, ...], start: dt.date, end: dt.date
) -> tuple[Indicator, ...]:
    """Each indicator with its ``revisions`` read and checked (see the comment above)."""
    t = "indicators"
    out = []
    for i, (d, ind) in enumerate(zip(_tables(r, doc, t), indicators, strict=True)):
        items = r.get(d, "revisions", list, t, i, required=False, default=[])
        revisions: list[Revision] = []
        milestones = ind.milestones
        for k, item in enumerate(items):
            shown = f"revisions[{k + 1}]"
            if not isinstance(item, dict):
                r.fail(
                    'chaque révision s\'écrit { date = AAAA-MM-JJ, decision = "…", reason = "…", '
                    "target = { value = …, date = AAAA-MM-JJ } }.",
                    t,
                    i,
                    "revisions",
                    shown=shown,
                )
            day = r.get(item, "date", dt.date, t, i, shown=f"{shown}.date")
            needle = day.isoformat()

            def fail(message: str, key: str, needle: str = needle, shown: str = shown, i: int = i) -> None:
                r.fail(message, t, i, "revisions", needle, f"{shown}.{key}")

            if not start <= day <= end:
                fail(
                    f"la révision du {day.isoformat()} doit être datée dans la période du plan "
                    f"({start.isoformat()} – {end.isoformat()}).",
                    "date",
                )
            if day <= ind.baseline_end:
                fail("une révision suit la fin de la période de référence.", "date")
            if revisions and day <= revisions[-1].date:
                fail(
                    "les révisions s'écrivent dans l'ordre des dates, deux révisions ne partagent pas une date.",
                    "date",
                )
            decision = item.get("decision")
            if not isinstance(decision, str) or not decision.strip():
                fail(
                    "la référence de la décision est obligatoire (ex. « Délibération n° 2026-045 du 15/12/2026 »).",
                    "decision",
                )
            reason = item.get("reason", "")
            if not isinstance(reason, str):
                fail("le motif est un texte.", "reason")
            target = item.get("target")
            if not isinstance(target, dict) or "value" not in target or "date" not in target:
                fail("la cible révisée s'écrit { value = nombre, date = AAAA-MM-JJ }.", "target")
            value, when = target["value"], target["date"]
            if not isinstance(value, int | float) or isinstance(value, bool):
                fail(f"un nombre est attendu, pas « {value!r} ».", "target.value")
            if not isinstance(when, dt.date) or isinstance(when, dt.datetime):
                fail(f"une date (AAAA-MM-JJ) est attendue, pas « {when!r} ».", "target.date")
            _check_revised_value(r, ind, float(value), i, needle, f"{shown}.target.value")
            if when <= day:
                fail("la date de la cible révisée doit suivre la date de la révision.", "target.date")
            if "milestones" in item:
                raw = item["milestones"]
                if not isinstance(raw, list):
                    fail("chaque jalon s'écrit { date = AAAA-MM-JJ, value = nombre }.", "milestones")
                kept: list[Milestone] = []
                for m in raw:
                    ok = isinstance(m, dict) and isinstance(m.get("date"), dt.date)
                    ok = (
                        ok
                        and isinstance(m.get("value"), int | float)
                        and not isinstance(m.get("value"), bool)
                    )
                    if not ok:
                        fail("chaque jalon s'écrit { date = AAAA-MM-JJ, value = nombre }.", "milestones")
                    ms = Milestone(m["date"], float(m["value"]))
                    if not ind.baseline_end < ms.date < when:
                        fail(
                            f"le jalon du {ms.date.isoformat()} doit tomber entre la fin de la référence et "
                            "la date cible révisée.",
                            "milestones",
                        )
                    if any(o.date == ms.date for o in kept):
                        fail(f"deux jalons portent la date {ms.date.isoformat()}.", "milestones")
                    _check_revised_value(r, ind, ms.value, i, needle, f"{shown}.milestones")
                    kept.append(ms)
                milestones = tuple(sorted(kept, key=lambda m: m.date))
            else:
                milestones = tuple(m for m in milestones if m.date < when)
            revisions.append(Revision(day, decision.strip(), reason.strip(), float(value), when, milestones))
        out.append(replace(ind, revisions=tuple(revisions)) if revisions else ind)
    return tuple(out)


def _check_revised_value(r: _Reader, ind: Indicator, value: float, i: int, needle: str, shown: str) -> None:
    """A revised target or milestone, checked like the indicator's own (rates as fractions, ranges)."""
    if ind.measure in RATE_MEASURES and not 0 <= value <= 1:
        r.fail("un taux s'écrit en fraction : 0.6 pour 60 %.", "indicators", i, "revisions", needle, shown)
    lo, hi = VALUE_RANGES.get(ind.unit, (float("-inf"), float("inf")))
    if not lo <= value <= hi:
        r.fail(
            f"la valeur {value:g} sort de l'intervalle possible ({lo:g} à {hi:g} {ind.unit}).",
            "indicators",
            i,
            "revisions",
            needle,
            shown,
        )


def revision_rows(plan: Plan) -> list[dict]:
    """One row per revision: indicator, date, decision, reason, the target it replaced and the new one."""
    rows = []
    for ind in plan.indicators:
        before = ind
        for rev in ind.revisions:
            rows.append(
                {
                    "indicator_id": ind.id,
                    "date": rev.date,
                    "decision": rev.decision,
                    "reason": rev.reason,
                    "previous_target_value": before.target_value,
                    "previous_target_date": before.target_date,
                    "target_value": rev.target_value,
                    "target_date": rev.target_date,
                }
            )
            before = rev
    return rows
