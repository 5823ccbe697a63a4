"""An action's deliverables, stakeholders and policy links (``[[actions]]`` of ``plan.toml``).

- ``deliverables``: records ``{ label, due, done, evidence, owner }`` (a plain string is still a
  deliverable, without dates). A deliverable's status at a reading date is
  :func:`deliverable_status`: *overdue* (due date passed, not done), *late* (done after its due date),
  *ahead* (done before), *on_time*, *done* (no due date), *pending* (due later), *undated*.
- ``stakeholders``: organisations by role (``elus``, ``agents``, ``citoyens``, ``partenaires``).
- ``policies``: slugs of :data:`POLICIES` (the one place of the vocabulary and its French labels),
  ``sdg``: UN Sustainable Development Goal targets (``4.4``, ``11.3``, ``16.6``).

Owners and stakeholders are organisations or services, never a person: a value that starts with a
civility (« M. Dupont », « Mme Martin », « Monsieur … », « Dr … ») is refused with a French error.
This is only the obvious case — a bare first and last name cannot be told from an organisation's
name, so the README asks the authority to name services, never people.

Parsing goes through the plan reader (``_Reader`` of :mod:`pipelines.plan`, passed in) so that
every error names the key, the action and the line. This module imports nothing of the plan.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import polars as pl

# slug → French label: the policies an action may serve besides the digital plan itself
POLICIES: dict[str, str] = {
    "education": "Éducation",
    "environnement-transition": "Environnement et transition écologique",
    "solidarites-inclusion": "Solidarités et inclusion",
    "sante": "Santé",
    "mobilites": "Mobilités",
    "urbanisme-logement": "Urbanisme et logement",
    "developpement-economique": "Développement économique",
    "culture": "Culture",
    "securite-tranquillite": "Sécurité et tranquillité",
    "simplification-administrative": "Simplification administrative",
    "numerique-responsable": "Numérique responsable",
}
# role key → French label
STAKEHOLDER_ROLES: dict[str, str] = {
    "elus": "Élus",
    "agents": "Agents et services",
    "citoyens": "Citoyens et associations",
    "partenaires": "Partenaires technologiques",
}
SDG_PATTERN = re.compile(r"(\d{1,2})\.([0-9a-c]{1,2})")
DELIVERABLE_KEYS = ("label", "due", "done", "evidence", "owner")
# a civility or title in front of a name: the value names a person
PERSON_PATTERN = re.compile(
    r"^\s*(m\.|mr\.?|mrs\.?|mm\.|mme\.?|mmes\.?|mlle\.?|mlles\.?|monsieur|madame|mademoiselle|dr\.?|docteur|"
    r"pr\.?|professeur|me|maître|maitre)(\s+|\.)\S",
    re.IGNORECASE,
)

# status key → (symbol, French word); the order is the display order (overdue first)
DELIVERABLE_STATUSES: dict[str, tuple[str, str]] = {
    "overdue": ("🔴", "En retard, non livré"),
    "late": ("🟠", "Livré en retard"),
    "pending": ("🔵", "À venir"),
    "undated": ("⚪", "Sans échéance"),
    "on_time": ("🟢", "Livré à l'échéance"),
    "ahead": ("🟢", "Livré en avance"),
    "done": ("🟢", "Livré"),
}


@dataclass(frozen=True)
class Deliverable:
    label: str
    due: dt.date | None = None
    done: dt.date | None = None
    evidence: str = ""
    owner: str = ""


@dataclass(frozen=True)
class ActionLinks:
    """What an action delivers, who it mobilises and which policies it serves."""

    deliverables: tuple[Deliverable, ...] = ()
    stakeholders: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role → organisations
    policies: tuple[str, ...] = ()
    sdg: tuple[str, ...] = ()

    @property
    def silo(self) -> bool:
        """« En silo »: the action serves no policy beyond the digital plan itself."""
        return not self.policies


def deliverable_status(d: Deliverable, at: dt.date) -> str:
    """Key of :data:`DELIVERABLE_STATUSES` for ``d`` read at ``at`` (a done date after ``at`` is not yet done)."""
    if d.done is not None and d.done <= at:
        if d.due is None:
            return "done"
        return "late" if d.done > d.due else "ahead" if d.done < d.due else "on_time"
    if d.due is None:
        return "undated"
    return "overdue" if d.due < at else "pending"


def is_person(value: str) -> bool:
    """True for a value that obviously names a person (« M. Dupont », « Mme Martin »)."""
    return PERSON_PATTERN.match(value) is not None


def parse_links(r, d: dict, i: int) -> ActionLinks:
    """The links of the ``i``-th action (``r``: the plan's ``_Reader``; PlanError with key and line)."""
    return ActionLinks(
        deliverables=_deliverables(r, d, i),
        stakeholders=_stakeholders(r, d, i),
        policies=_policies(r, d, i),
        sdg=_sdg(r, d, i),
    )


def _organisation(r, value: str, i: int, key: str, shown: str) -> str:
    if is_person(value):
        r.fail(
            f"« {value} » désigne une personne : indiquez un service ou une organisation "
            "(« Service état civil », « OPSN Jura »), jamais le nom d'une personne.",
            "actions",
            i,
            key,
            needle=value,
            shown=shown,
        )
    return value.strip()


def _deliverables(r, d: dict, i: int) -> tuple[Deliverable, ...]:
    t = "actions"
    out = []
    for entry in r.get(d, "deliverables", list, t, i, required=False, default=[]):
        if isinstance(entry, str):
            out.append(Deliverable(entry))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            r.fail(
                'chaque livrable s\'écrit « "Libellé" » ou { label = "…", due = AAAA-MM-JJ, done = AAAA-MM-JJ, '
                'evidence = "lien ou fichier", owner = "Service …" }.',
                t,
                i,
                "deliverables",
            )
        label = entry["label"]
        unknown = sorted(set(entry) - set(DELIVERABLE_KEYS))
        if unknown:
            r.fail(
                f"livrable « {label} » : clé « {unknown[0]} » inconnue ; clés possibles : {', '.join(DELIVERABLE_KEYS)}.",
                t,
                i,
                "deliverables",
                needle=label,
            )
        dates = {}
        for key in ("due", "done"):
            value = entry.get(key)
            if isinstance(value, dt.datetime):
                value = value.date()
            if value is not None and not isinstance(value, dt.date):
                r.fail(
                    f"livrable « {label} » : « {key} » est une date (AAAA-MM-JJ, sans guillemets), pas « {value!r} ».",
                    t,
                    i,
                    "deliverables",
                    needle=label,
                )
            dates[key] = value
        texts = {}
        for key in ("evidence", "owner"):
            value = entry.get(key, "")
            if not isinstance(value, str):
                r.fail(f"livrable « {label} » : « {key} » est un texte.", t, i, "deliverables", needle=label)
            texts[key] = value
        owner = (
            _organisation(r, texts["owner"], i, "deliverables", "deliverables.owner")
            if texts["owner"]
            else ""
        )
        out.append(Deliverable(label, dates["due"], dates["done"], texts["evidence"].strip(), owner))
    labels = [x.label for x in out]
    for label in labels:
        if labels.count(label) > 1:
            r.fail(f"deux livrables s'intitulent « {label} ».", t, i, "deliverables", needle=label)
    return tuple(out)


def _stakeholders(r, d: dict, i: int) -> dict[str, tuple[str, ...]]:
    t = "actions"
    raw = r.get(d, "stakeholders", dict, t, i, required=False, default={})
    out: dict[str, tuple[str, ...]] = {}
    for role, names in raw.items():
        if role not in STAKEHOLDER_ROLES:
            r.fail(
                f"rôle « {role} » inconnu ; rôles possibles : {', '.join(STAKEHOLDER_ROLES)}.",
                t,
                i,
                "stakeholders",
            )
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            r.fail(
                f"« stakeholders.{role} » est une liste d'organisations entre guillemets.",
                t,
                i,
                "stakeholders",
            )
        out[role] = tuple(
            dict.fromkeys(_organisation(r, n, i, "stakeholders", f"stakeholders.{role}") for n in names)
        )
    return {role: out[role] for role in STAKEHOLDER_ROLES if out.get(role)}


def _policies(r, d: dict, i: int) -> tuple[str, ...]:
    t = "actions"
    values = r.get(d, "policies", list, t, i, required=False, default=[])
    for v in values:
        if not isinstance(v, str) or v not in POLICIES:
            r.fail(
                f"politique « {v} » inconnue ; politiques possibles : {', '.join(POLICIES)}.",
                t,
                i,
                "policies",
            )
    return tuple(dict.fromkeys(values))


def _sdg(r, d: dict, i: int) -> tuple[str, ...]:
    t = "actions"
    values = r.get(d, "sdg", list, t, i, required=False, default=[])
    for v in values:
        m = SDG_PATTERN.fullmatch(v) if isinstance(v, str) else None
        if m is None:
            r.fail(
                f"cible ODD « {v} » illisible : elle s'écrit entre guillemets, objectif puis cible (« 4.4 », « 11.3 », « 16.a »).",
                t,
                i,
                "sdg",
            )
        if not 1 <= int(m.group(1)) <= 17:
            r.fail(f"cible ODD « {v} » : les objectifs de développement durable vont de 1 à 17.", t, i, "sdg")
    return tuple(dict.fromkeys(values))


# the ``plan_*`` tables of the links (added to ``PLAN_SCHEMAS``, rebuilt at each ingest)
LINK_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "plan_deliverables": {
        "action_id": pl.String,
        "position": pl.Int64,
        "label": pl.String,
        "due": pl.Date,
        "done": pl.Date,
        "evidence": pl.String,
        "owner": pl.String,
    },
    # role: a key of STAKEHOLDER_ROLES
    "plan_stakeholders": {"action_id": pl.String, "role": pl.String, "organisation": pl.String},
    # kind: "policy" (code: a slug of POLICIES) or "sdg" (code: a target, « 4.4 »)
    "plan_policy_links": {"action_id": pl.String, "kind": pl.String, "code": pl.String},
}


def link_rows(actions) -> dict[str, list[dict]]:
    """Rows of :data:`LINK_SCHEMAS` for the plan's actions."""
    return {
        "plan_deliverables": [
            {
                "action_id": a.id,
                "position": n,
                "label": x.label,
                "due": x.due,
                "done": x.done,
                "evidence": x.evidence,
                "owner": x.owner,
            }
            for a in actions
            for n, x in enumerate(a.links.deliverables, start=1)
        ],
        "plan_stakeholders": [
            {"action_id": a.id, "role": role, "organisation": org}
            for a in actions
            for role, orgs in a.links.stakeholders.items()
            for org in orgs
        ],
        "plan_policy_links": [
            {"action_id": a.id, "kind": kind, "code": code}
            for a in actions
            for kind, codes in (("policy", a.links.policies), ("sdg", a.links.sdg))
            for code in codes
        ],
    }
