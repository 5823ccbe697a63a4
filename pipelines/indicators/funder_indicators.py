"""The FEDER (ERDF) common indicators of digital projects that Baromètre can compute for a funder.

Regulation (EU) 2021/1058, annex I, asks projects of specific objective 1.2 (digitisation) for
two common indicators, reported here per funder of the plan, for the actions it finances:

- **RCO14** (output) « Institutions publiques bénéficiant d'un soutien pour développer des
  services, produits et processus numériques »: from the plan. Each financed action names the
  public institutions it supports (``institutions = ["Commune de X", …]``) or gives their number
  (``institutions = 12``); a financed action that names none supports the authority itself. An
  institution named by several actions counts once (names compared without case or spacing);
  numbers given without names are added as they are. Per calendar year: the institutions of the
  financed actions running that year (between their start and end; without dates, the plan's).
- **RCR11** (result) « Utilisateurs de services, produits et processus numériques publics
  nouveaux et mis à niveau »: unique users per calendar year of the services the financed actions
  target (``services`` they name and the scope of their linked indicators, see
  ``Plan.addressed_services``), counted from the start of the first financed action that targets
  each service. A user is a distinct ``usage_events.user_key`` (salted hash of the account or
  e-mail, see :mod:`pipelines.ingest.user_keys`) among the online and assisted requests, not
  abandoned. Requests without a key (exports that do not name the user) count one each: the figure
  is then requests, not people, and says so (``basis``: ``users``, ``requests`` or ``mixed``).

:func:`funder_indicators` gives the ``funder_indicators`` list of ``barometre kpi --json``; the
funder pack prints the same figures (:func:`pack_rows`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from pipelines.french import fmt_int
from pipelines.plan import Action, Plan
from pipelines.warehouse import read_connection

RCO14 = {
    "code": "RCO14",
    "label": "Institutions publiques bénéficiant d'un soutien pour développer des services, produits et processus numériques",
    "definition": "Nombre d'institutions publiques soutenues pour développer de nouveaux services, produits et "
    "processus numériques ou pour améliorer sensiblement ceux qui existent. Une institution est comptée une "
    "seule fois, quel que soit le nombre d'opérations dont elle bénéficie.",
    "unit": "institutions publiques",
}
RCR11 = {
    "code": "RCR11",
    "label": "Utilisateurs de services, produits et processus numériques publics nouveaux et mis à niveau",
    "definition": "Nombre annuel d'utilisateurs uniques des services, produits et processus numériques publics "
    "nouveaux ou mis à niveau grâce au soutien. Un utilisateur qui se sert du service plusieurs fois dans "
    "l'année est compté une seule fois.",
    "unit": "utilisateurs par an",
}
DIGITAL_CHANNELS = ("online", "assisted")
REQUESTS_NOT_PEOPLE = "demandes, et non personnes : les exports ne permettent pas de distinguer les usagers"
SECTION_TITLE = "Indicateurs communs FEDER (RCO14, RCR11)"
UNITS = {
    "users": "utilisateurs",
    "requests": "demandes",
    "mixed": "utilisateurs et demandes sans usager identifié",
}


def is_feder(funder: str) -> bool:
    """Whether a funder's name is the FEDER / ERDF (the pack's section is for it)."""
    words = funder.casefold()
    return "feder" in words or "erdf" in words


def funded_actions(plan: Plan, funder: str) -> list[Action]:
    return [a for a in plan.actions if any(f.funder == funder for f in a.funding)]


def funder_indicators(warehouse: Path, plan: Plan, as_of: dt.date) -> list[dict]:
    """Every funder of the plan with its RCO14 and RCR11 (see the module docstring), at ``as_of``."""
    with read_connection(warehouse) as con:
        return funder_indicators_on(con, plan, as_of)


def funder_indicators_on(con: duckdb.DuckDBPyConnection, plan: Plan, as_of: dt.date) -> list[dict]:
    return [
        {
            "funder": funder,
            "actions": [a.id for a in funded_actions(plan, funder)],
            "indicators": [rco14(plan, funder, as_of), rcr11(con, plan, funder, as_of)],
        }
        for funder in plan.funders()
    ]


def _years(plan: Plan, as_of: dt.date) -> range:
    return range(plan.start.year, min(plan.end, as_of).year + 1)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def institutions_of(plan: Plan, action: Action) -> tuple[tuple[str, ...], int]:
    """(names, number given without names) of the institutions an action supports; none said: the
    authority itself."""
    if action.institution_count is not None:
        return (), action.institution_count
    return action.institutions or (str(plan.authority["name"]),), 0


def _count(plan: Plan, actions: list[Action]) -> tuple[int, list[str], int]:
    """(value, distinct names, number added without names) over ``actions``."""
    names: dict[str, str] = {}
    unnamed = 0
    for a in actions:
        named, number = institutions_of(plan, a)
        unnamed += number
        for n in named:
            names.setdefault(_key(n), n)
    return len(names) + unnamed, sorted(names.values(), key=_key), unnamed


def rco14(plan: Plan, funder: str, as_of: dt.date) -> dict:
    """RCO14 for ``funder``: the distinct institutions its actions support, over the plan and per year."""
    actions = funded_actions(plan, funder)
    value, names, unnamed = _count(plan, actions)
    by_year = []
    for year in _years(plan, as_of):
        running = [
            a
            for a in actions
            if (a.start or plan.start) <= dt.date(year, 12, 31) and (a.end or plan.end) >= dt.date(year, 1, 1)
        ]
        n, _, _ = _count(plan, running)
        by_year.append({"year": year, "value": n, "actions": [a.id for a in running]})
    defaulted = [a.id for a in actions if not a.institutions and a.institution_count is None]
    method = (
        f"Compté à partir du plan : les institutions publiques nommées par chaque action financée par {funder} "
        "(clé « institutions »), chacune une seule fois (noms comparés sans tenir compte des majuscules ni des espaces) ; "
        "une action qui en donne seulement le nombre ajoute ce nombre ; une action financée qui n'en nomme aucune "
        "soutient la collectivité elle-même. Par année : les institutions des actions en cours cette année-là "
        "(entre leur début et leur fin)."
    )
    limits = ["Chiffre déclaratif : il vaut ce que le plan déclare des institutions soutenues."]
    if unnamed:
        limits.append(
            f"Institutions données par leur seul nombre : {fmt_int(unnamed)} ; un doublon avec une institution "
            "nommée ailleurs ne peut pas être écarté."
        )
    if defaulted:
        limits.append(
            f"Action(s) sans institution nommée, comptée(s) pour la collectivité elle-même : {', '.join(defaulted)}."
        )
    return {
        **RCO14,
        "value": value,
        "institutions": names,
        "by_year": by_year,
        "method": method,
        "limits": " ".join(limits),
    }


def target_services(plan: Plan, funder: str) -> dict[str, dt.date]:
    """The services the funder's actions target, each with the start of the first action targeting it."""
    since: dict[str, dt.date] = {}
    for a in funded_actions(plan, funder):
        start = a.start or plan.start
        for svc in plan.addressed_services(a):
            since[svc] = min(since.get(svc, start), start)
    return dict(sorted(since.items()))


def yearly_users(
    con: duckdb.DuckDBPyConnection, services: dict[str, dt.date], as_of: dt.date, years: range
) -> dict[int, dict]:
    """Per calendar year: requests (online or assisted, not abandoned) to ``services`` from their
    date in ``services``, up to ``as_of``; those with a user key; the distinct keys."""
    if not services or not years or not has_requests(con):
        return {}
    frame = pl.DataFrame({"service": list(services), "since": list(services.values())})
    con.register("_rcr11_services", frame.to_arrow())
    try:
        rows = con.execute(
            """
            select year(e.submitted_at) as year, count(*) as requests, count(e.user_key) as keyed,
                count(distinct e.user_key) as users
            from usage_events e join _rcr11_services s on e.service = s.service
            where e.channel in ('online', 'assisted') and e.outcome is distinct from 'abandoned'
                and e.submitted_at >= s.since and e.submitted_at < ?::date + 1
                and year(e.submitted_at) between ? and ?
            group by 1 order by 1
            """,
            [as_of, years.start, years.stop - 1],
        ).fetchall()
    finally:
        con.unregister("_rcr11_services")
    return {int(y): {"requests": int(r), "keyed": int(k), "users": int(u)} for y, r, k, u in rows}


def has_requests(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse holds the requests themselves (a consolidated one holds only marts)."""
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where table_name = 'usage_events' and schema_name = 'main'"
        ).fetchall()[0][0]
    )


def year_figure(year: int, counts: dict | None, as_of: dt.date) -> dict:
    """One year's RCR11: its value, what it counts (``basis``) and a French sentence saying so."""
    counts = counts or {"requests": 0, "keyed": 0, "users": 0}
    requests, keyed, users = counts["requests"], counts["keyed"], counts["users"]
    without = requests - keyed
    if requests == 0:
        basis, value = None, 0
        sentence = f"{year} : aucune demande en ligne sur les services visés."
    elif without == 0:
        basis, value = "users", users
        sentence = f"{year} : {fmt_int(users)} utilisateurs distincts ({fmt_int(requests)} demandes en ligne ou accompagnées)."
    elif keyed == 0:
        basis, value = "requests", requests
        sentence = f"{year} : {fmt_int(requests)} {REQUESTS_NOT_PEOPLE}."
    else:
        basis, value = "mixed", users + without
        sentence = (
            f"{year} : {fmt_int(users)} utilisateurs distincts identifiés, plus {fmt_int(without)} demandes sans "
            f"usager identifié ({REQUESTS_NOT_PEOPLE}), soit {fmt_int(value)}."
        )
    months = 12 if as_of >= dt.date(year, 12, 31) else max(0, as_of.month - (0 if _month_end(as_of) else 1))
    if months < 12:
        sentence += f" Année incomplète : {months} mois sur 12."
    return {
        "year": year,
        "value": value,
        "basis": basis,
        "unit": UNITS.get(basis or "", "utilisateurs"),
        "users": users,
        "requests": requests,
        "requests_without_key": without,
        "months": months,
        "sentence": sentence,
    }


def _month_end(d: dt.date) -> bool:
    return (d + dt.timedelta(days=1)).day == 1


def rcr11(con: duckdb.DuckDBPyConnection, plan: Plan, funder: str, as_of: dt.date) -> dict:
    """RCR11 for ``funder`` per calendar year; ``value``: the latest complete year (else the current one)."""
    services = target_services(plan, funder)
    years = _years(plan, as_of)
    counts = yearly_users(con, services, as_of, years)
    by_year = [year_figure(y, counts.get(y), as_of) for y in years]
    complete = [f for f in by_year if f["months"] == 12]
    headline = complete[-1] if complete else (by_year[-1] if by_year else None)
    untargeted = [a.id for a in funded_actions(plan, funder) if not plan.addressed_services(a)]
    method = (
        "Utilisateurs distincts, par année civile, des services visés par les actions financées par "
        f"{funder} (services nommés par les actions et périmètre de leurs indicateurs : "
        f"{', '.join(services) or 'aucun'}), à partir du début de la première action financée qui vise chaque service. "
        "Un utilisateur est une clé pseudonyme distincte (empreinte salée de son compte ou de son e-mail, calculée à "
        "l'import ; jamais l'identité elle-même) parmi les demandes en ligne ou accompagnées non abandonnées."
    )
    limits = [
        f"Là où les exports ne nomment pas l'usager, ce sont des {REQUESTS_NOT_PEOPLE} ; chaque demande sans clé "
        "compte alors pour un usager, ce qui surestime le nombre de personnes.",
        "Une personne qui utilise deux comptes ou deux adresses compte deux fois ; les demandes au guichet, par "
        "téléphone ou par courrier ne sont pas comptées (services numériques seulement).",
    ]
    if not has_requests(con):
        limits.insert(
            0,
            "Cet entrepôt ne contient pas les demandes elles-mêmes (entrepôt consolidé) : RCR11 se calcule dans "
            "l'entrepôt de chaque membre.",
        )
        by_year, headline = [], None
    if untargeted:
        limits.append(
            f"Action(s) financée(s) sans service visé, dont les usagers ne sont pas comptés : {', '.join(untargeted)}."
        )
    return {
        **RCR11,
        "value": headline["value"] if headline else None,
        "year": headline["year"] if headline else None,
        "basis": headline["basis"] if headline else None,
        "services": list(services),
        "by_year": by_year,
        "method": method,
        "limits": " ".join(limits),
    }


def pack_rows(entry: dict) -> tuple[pl.DataFrame, pl.DataFrame, tuple[str, ...]]:
    """The pack's section for one funder's entry: (French-formatted table, numbers, paragraphs)."""
    shown, data, paragraphs = [], [], []
    for ind in entry["indicators"]:
        paragraphs.append(f"{ind['code']} — {ind['label']}. Définition : {ind['definition']}")
        paragraphs.append(f"Méthode : {ind['method']} Limites : {ind['limits']}")
        if ind["code"] == "RCO14":
            paragraphs.append(
                f"RCO14 sur la durée du plan : {fmt_int(ind['value'])} institution(s) publique(s)"
                + (f" ({'; '.join(ind['institutions'])})." if ind["institutions"] else ".")
            )
        for y in ind["by_year"]:
            unit = ind["unit"] if ind["code"] == "RCO14" else y["unit"]
            shown.append(
                {"Code": ind["code"], "Année": str(y["year"]), "Valeur": fmt_int(y["value"]), "Unité": unit}
            )
            data.append(
                {
                    "code": ind["code"],
                    "annee": y["year"],
                    "valeur": y["value"],
                    "unite": unit,
                    "usagers_distincts": y.get("users"),
                    "demandes": y.get("requests"),
                    "demandes_sans_usager": y.get("requests_without_key"),
                    "mois_couverts": y.get("months", 12),
                }
            )
            if ind["code"] == "RCR11":
                paragraphs.append(y["sentence"])
    table = pl.DataFrame(shown, schema=dict.fromkeys(("Code", "Année", "Valeur", "Unité"), pl.String))
    numbers = pl.DataFrame(
        data,
        schema={
            "code": pl.String,
            "annee": pl.Int64,
            "valeur": pl.Int64,
            "unite": pl.String,
            "usagers_distincts": pl.Int64,
            "demandes": pl.Int64,
            "demandes_sans_usager": pl.Int64,
            "mois_couverts": pl.Int64,
        },
    )
    return table, numbers, tuple(paragraphs)
