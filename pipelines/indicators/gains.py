"""What the plan gained so far, from the data: the ``barometre gains --json`` document.

Four gains, each over the plan so far (from the month the plan starts to the last complete month
on or before the evaluation date) and per calendar year, each with its formula (French), its
inputs (value, interval, sample size, where it comes from) and a 95 % interval where the inputs
have one. After the plan's end, the gains stop at its last month. The whole authority is counted (no indicator scope); the baseline is the reference
period of the plan's first review that gives one (``[plan] reviews``), else the 12 months before
the plan starts.

- ``offline_requests_avoided``: requests that did not go to the counter, the phone or the mail
  because the online share rose: (take-up of the period − take-up of the baseline) × requests of
  the period. Take-up as the indicator ``take_up`` (online + assisted ÷ requests, abandoned
  excluded). Interval: Newcombe's hybrid score interval of the difference of two proportions,
  from the two Wilson intervals (MOVER), times the requests of the period (an exhaustive count).
- ``money_saved``: avoided requests × (mean unit cost of an offline request − mean unit cost of an
  online request), unit costs from ``[costs]``; the offline mean is weighted by the baseline's
  offline requests per channel, the online mean by the period's online and assisted requests
  (channels without a cost left out of the means; the same means for every year). Interval: that of
  the avoided requests; the unit costs are assumptions, without an interval, and are said so.
- ``agent_hours_saved``: the same with the agent minutes per request (``minutes`` in ``[costs]``),
  in hours; only when the plan gives minutes for an offline and an online channel.
- ``waiting_days_saved``: days users did not wait: (mean delay of the baseline − mean delay of
  the period) × cases decided in the period. The mean, not the median: days add up. Interval:
  MOVER from the two Student intervals of the means, times the cases decided.

A gain per year adds up to the gain so far (Σ (p_y − p₀) N_y = (p − p₀) N since p N = Σ p_y N_y;
the same for the delays); their intervals do not add up. A negative value is a loss and is kept.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.french import fmt_number
from pipelines.indicators import query as q
from pipelines.indicators.months import add_months, month_floor
from pipelines.indicators.query import Period
from pipelines.indicators.views import CHANNEL_LABELS, require_views
from pipelines.plan import Plan
from pipelines.warehouse import read_connection

DIGITAL = ("online", "assisted")
OFFLINE = ("counter", "phone", "mail", "email", "other")
USAGE_SOURCE = "données d'usage importées (usage_events, demandes abandonnées exclues)"
CASES_SOURCE = "dossiers d'instruction importés (processing_cases, dossiers décidés)"
TAKE_UP_CI = "intervalle à 95 % de Wilson"
DELAY_CI = "intervalle à 95 % de Student"
ASSUMPTIONS = [
    "Toute hausse de la part en ligne depuis la référence est comptée comme des demandes qui auraient, sinon, "
    "été faites au guichet, au téléphone ou par courrier, dans les proportions de la période de référence.",
    "Les coûts unitaires et les temps d'agent sont ceux du plan ([costs]) : des hypothèses ou des études, "
    "pas des mesures ; ils n'ont pas d'intervalle et l'intervalle d'un gain en euros ou en heures ne reflète "
    "que l'incertitude sur les volumes.",
    "Tout le territoire et tous les services sont comptés, quel que soit le périmètre des indicateurs.",
    "Un gain négatif est une perte : il est affiché tel quel.",
]


@dataclass(frozen=True)
class Baseline:
    period: Period
    source: str


def baseline_of(plan: Plan) -> Baseline:
    """The reference period of the gains: the plan's first review that gives one, else the 12 months before the plan."""
    for review in plan.reviews:
        if review.baseline_start and review.baseline_end:
            return Baseline(
                Period(month_floor(review.baseline_start), add_months(review.baseline_end, 1)),
                f"période de référence de la revue « {review.name} »",
            )
    start = month_floor(plan.start)
    return Baseline(Period(add_months(start, -12), start), "les 12 mois qui précèdent le début du plan")


def _measure(con: duckdb.DuckDBPyConnection, macro: str, measure: str, period: Period) -> dict:
    """value, ci_low, ci_high, n of a measure over the whole authority (n = 0 and None without data)."""
    empty = {"value": None, "ci_low": None, "ci_high": None, "n": 0}
    if period.start >= period.stop:
        return empty
    rows = con.execute(
        f"select value, ci_low, ci_high, n from {macro}(?, ?, ?)", [measure, period.start, period.stop]
    ).fetchall()
    if not rows:
        return empty
    value, low, high, n = rows[0]
    return {"value": value, "ci_low": low, "ci_high": high, "n": int(n)}


def _volumes(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, int]:
    """Requests per channel over the period (abandoned excluded)."""
    rows = con.execute(
        "select channel, sum(requests)::bigint from mart_usage_monthly where month >= ? and month < ? group by channel",
        [period.start, period.stop],
    ).fetchall()
    return {channel: int(n) for channel, n in rows if n}


def mover(a: dict, b: dict) -> tuple[float | None, float | None, float | None]:
    """b − a with its 95 % interval from the two intervals (MOVER, Newcombe's method for proportions)."""
    if a["value"] is None or b["value"] is None:
        return None, None, None
    delta = b["value"] - a["value"]
    if None in (a["ci_low"], a["ci_high"], b["ci_low"], b["ci_high"]):
        return delta, None, None
    low = delta - math.sqrt((b["value"] - b["ci_low"]) ** 2 + (a["ci_high"] - a["value"]) ** 2)
    high = delta + math.sqrt((b["ci_high"] - b["value"]) ** 2 + (a["value"] - a["ci_low"]) ** 2)
    return delta, low, high


def _scaled(delta, low, high, factor) -> tuple[float | None, float | None, float | None]:
    if delta is None or factor is None:
        return None, None, None
    return (
        delta * factor,
        None if low is None else min(low * factor, high * factor),
        None if high is None else max(low * factor, high * factor),
    )


def _mean_unit(plan: Plan, volumes: dict[str, int], channels: tuple[str, ...], attr: str) -> dict:
    """Mean unit cost (or minutes) of a request on these channels, weighted by the volumes, over channels with
    one (the plain mean of their unit costs when none of them has a request)."""
    units = {c.channel: getattr(c, attr) for c in plan.costs if getattr(c, attr) is not None}
    used = {ch: volumes.get(ch, 0) for ch in channels if ch in units}
    total = sum(used.values())
    if not units.keys() & set(channels):
        return {"value": None, "channels": {}}
    if total == 0:  # no volume to weight by: the plain mean of the stated costs
        chosen = [ch for ch in channels if ch in units]
        return {
            "value": sum(units[ch] for ch in chosen) / len(chosen),
            "channels": {ch: units[ch] for ch in chosen},
        }
    return {
        "value": sum(units[ch] * n for ch, n in used.items()) / total,
        "channels": {ch: units[ch] for ch in used},
        "weights": used,
    }


def _num(x: float) -> str:
    """A unit cost or a number of minutes as written in French: ``12``, ``1,5``."""
    return fmt_number(x, 0 if x == int(x) else 2, sentence=True).rstrip("0").rstrip(",")


def _input(label: str, value, unit: str, source: str, **extra) -> dict:
    return {"label": label, "value": value, "unit": unit, "source": source} | {
        k: v for k, v in extra.items() if v is not None
    }


def _period_dict(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def _avoided(con, base_take_up: dict, period: Period) -> dict:
    cur = _measure(con, "kpi_measure_usage", "take_up", period)
    delta, low, high = mover(base_take_up, cur)
    value, ci_low, ci_high = _scaled(delta, low, high, cur["n"] or None)
    return {"value": value, "ci_low": ci_low, "ci_high": ci_high, "take_up": cur, "requests": cur["n"]}


def _waiting(con, base_delay: dict, period: Period) -> dict:
    cur = _measure(con, "kpi_measure_cases", "delay_mean", period)
    # days saved per case = baseline mean − current mean = −(current − baseline)
    delta, low, high = mover(base_delay, cur)
    reduction = None if delta is None else -delta
    r_low = None if high is None else -high
    r_high = None if low is None else -low
    value, ci_low, ci_high = _scaled(reduction, r_low, r_high, cur["n"] or None)
    return {"value": value, "ci_low": ci_low, "ci_high": ci_high, "delay": cur, "decided": cur["n"]}


def _years(so_far: Period) -> list[Period]:
    out, start = [], so_far.start
    while start < so_far.stop:
        stop = min(dt.date(start.year + 1, 1, 1), so_far.stop)
        out.append(Period(start, stop))
        start = stop
    return out


def _row(period: Period, value, low, high, **inputs) -> dict:
    return {
        "year": period.start.year,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "value": value,
        "ci_low": low,
        "ci_high": high,
    } | inputs


def compute(con: duckdb.DuckDBPyConnection, plan: Plan, as_of: dt.date | None = None) -> dict:
    """The gains document on an open connection (see :func:`gains`)."""
    last = q.period_ending(con, as_of).end
    stop = min(last + dt.timedelta(days=1), add_months(plan.end, 1))  # a finished plan: up to its last month
    so_far = Period(month_floor(plan.start), max(month_floor(plan.start), stop))
    baseline = baseline_of(plan)
    years = _years(so_far)
    base_take_up = _measure(con, "kpi_measure_usage", "take_up", baseline.period)
    base_delay = _measure(con, "kpi_measure_cases", "delay_mean", baseline.period)
    base_volumes = _volumes(con, baseline.period)
    volumes = _volumes(con, so_far)
    costs_source = {c.channel: c.source for c in plan.costs}
    base_period, cur_period = _period_dict(baseline.period), _period_dict(so_far)

    avoided = _avoided(con, base_take_up, so_far)
    avoided_years = [(p, _avoided(con, base_take_up, p)) for p in years]
    take_up_inputs = {
        "take_up_baseline": _input(
            "Part des demandes faites en ligne, période de référence",
            base_take_up["value"],
            "%",
            f"{USAGE_SOURCE}, {baseline.source}",
            ci_low=base_take_up["ci_low"],
            ci_high=base_take_up["ci_high"],
            n=base_take_up["n"],
            ci_method=TAKE_UP_CI,
            period=base_period,
        ),
        "take_up_period": _input(
            "Part des demandes faites en ligne depuis le début du plan",
            avoided["take_up"]["value"],
            "%",
            USAGE_SOURCE,
            ci_low=avoided["take_up"]["ci_low"],
            ci_high=avoided["take_up"]["ci_high"],
            n=avoided["take_up"]["n"],
            ci_method=TAKE_UP_CI,
            period=cur_period,
        ),
        "requests_period": _input(
            "Demandes depuis le début du plan (tous canaux)",
            avoided["requests"],
            "demandes",
            f"{USAGE_SOURCE} ; comptage exhaustif",
            period=cur_period,
        ),
    }
    items = [
        {
            "id": "offline_requests_avoided",
            "label": "Demandes au guichet, au téléphone ou par courrier évitées",
            "value": avoided["value"],
            "unit": "demandes",
            "ci_low": avoided["ci_low"],
            "ci_high": avoided["ci_high"],
            "formula": "(part en ligne depuis le début du plan − part en ligne de la période de référence) "
            "× demandes depuis le début du plan",
            "ci_method": "intervalle à 95 % de la différence des deux parts (méthode de Newcombe, à partir des "
            "deux intervalles de Wilson), multiplié par le nombre de demandes",
            "inputs": take_up_inputs,
            "per_year": [
                _row(
                    p,
                    a["value"],
                    a["ci_low"],
                    a["ci_high"],
                    take_up=a["take_up"]["value"],
                    requests=a["requests"],
                )
                for p, a in avoided_years
            ],
        }
    ]

    for attr, item_id, label, unit, factor in (
        ("euros", "money_saved", "Coût de traitement économisé", "€", 1.0),
        ("minutes", "agent_hours_saved", "Temps d'agent économisé", "heures", 1 / 60),
    ):
        offline = _mean_unit(plan, base_volumes, OFFLINE, attr)
        online = _mean_unit(plan, volumes, DIGITAL, attr)
        diff = (
            (offline["value"] - online["value"]) * factor
            if offline["value"] is not None and online["value"] is not None
            else None
        )
        what = "coût" if attr == "euros" else "temps d'agent"
        word = "€" if attr == "euros" else "minutes"
        inputs = {
            "offline_requests_avoided": _input(
                "Demandes hors ligne évitées (ci-dessus)",
                avoided["value"],
                "demandes",
                "gain « Demandes au guichet, au téléphone ou par courrier évitées »",
                ci_low=avoided["ci_low"],
                ci_high=avoided["ci_high"],
            ),
            f"offline_unit_{attr}": _input(
                f"{what.capitalize()} moyen d'une demande hors ligne",
                offline["value"],
                word,
                "[costs] du plan, pondéré par les demandes hors ligne de la période de référence : "
                + (
                    " ; ".join(
                        f"{CHANNEL_LABELS[ch]} {_num(v)} {word} ({costs_source[ch]})"
                        for ch, v in offline["channels"].items()
                    )
                    or "aucun canal hors ligne chiffré"
                ),
                weights=offline.get("weights"),
            ),
            f"online_unit_{attr}": _input(
                f"{what.capitalize()} moyen d'une demande en ligne",
                online["value"],
                word,
                "[costs] du plan, pondéré par les demandes en ligne et accompagnées depuis le début du plan : "
                + (
                    " ; ".join(
                        f"{CHANNEL_LABELS[ch]} {_num(v)} {word} ({costs_source[ch]})"
                        for ch, v in online["channels"].items()
                    )
                    or "aucun canal en ligne chiffré"
                ),
                weights=online.get("weights"),
            ),
        }
        if diff is None and attr == "minutes" and not any(c.minutes is not None for c in plan.costs):
            continue  # no agent time in the plan: the gain is not offered
        value, low, high = _scaled(avoided["value"], avoided["ci_low"], avoided["ci_high"], diff)
        per_unit = "÷ 60" if attr == "minutes" else ""
        items.append(
            {
                "id": item_id,
                "label": label,
                "value": value,
                "unit": unit,
                "ci_low": low,
                "ci_high": high,
                "formula": f"demandes hors ligne évitées × ({what} moyen d'une demande hors ligne − {what} moyen "
                f"d'une demande en ligne) {per_unit}".rstrip(),
                "ci_method": "intervalle des demandes évitées multiplié par l'écart de "
                f"{what} ; le {what} unitaire est une hypothèse du plan, sans intervalle",
                "inputs": inputs,
                "per_year": [
                    _row(p, *_scaled(a["value"], a["ci_low"], a["ci_high"], diff)) for p, a in avoided_years
                ],
            }
        )
        if diff is None:
            items[-1]["note"] = (
                f"Non calculable : le plan ne donne pas de {what} pour un canal hors ligne et un canal en ligne ([costs])."
            )

    waiting = _waiting(con, base_delay, so_far)
    items.append(
        {
            "id": "waiting_days_saved",
            "label": "Jours d'attente épargnés aux usagers",
            "value": waiting["value"],
            "unit": "jours",
            "ci_low": waiting["ci_low"],
            "ci_high": waiting["ci_high"],
            "formula": "(délai moyen de la période de référence − délai moyen depuis le début du plan) "
            "× dossiers décidés depuis le début du plan",
            "ci_method": "intervalle à 95 % de la différence des deux délais moyens (à partir des deux intervalles "
            "de Student), multiplié par le nombre de dossiers décidés",
            "inputs": {
                "delay_mean_baseline": _input(
                    "Délai moyen de traitement, période de référence",
                    base_delay["value"],
                    "jours",
                    f"{CASES_SOURCE}, {baseline.source}",
                    ci_low=base_delay["ci_low"],
                    ci_high=base_delay["ci_high"],
                    n=base_delay["n"],
                    ci_method=DELAY_CI,
                    period=base_period,
                ),
                "delay_mean_period": _input(
                    "Délai moyen de traitement depuis le début du plan",
                    waiting["delay"]["value"],
                    "jours",
                    CASES_SOURCE,
                    ci_low=waiting["delay"]["ci_low"],
                    ci_high=waiting["delay"]["ci_high"],
                    n=waiting["delay"]["n"],
                    ci_method=DELAY_CI,
                    period=cur_period,
                ),
                "cases_decided": _input(
                    "Dossiers décidés depuis le début du plan",
                    waiting["decided"],
                    "dossiers",
                    f"{CASES_SOURCE} ; comptage exhaustif",
                    period=cur_period,
                ),
            },
            "per_year": [
                _row(
                    p,
                    w["value"],
                    w["ci_low"],
                    w["ci_high"],
                    delay_mean=w["delay"]["value"],
                    decided=w["decided"],
                )
                for p, w in ((p, _waiting(con, base_delay, p)) for p in years)
            ],
        }
    )
    for item in items:
        if item["value"] is None and "note" not in item:
            item["note"] = (
                "Non calculable : pas de données sur la période de référence ou depuis le début du plan."
            )
    return {
        "as_of": so_far.end.isoformat(),
        "period_start": so_far.start.isoformat(),
        "period_end": so_far.end.isoformat(),
        "baseline_start": baseline.period.start.isoformat(),
        "baseline_end": baseline.period.end.isoformat(),
        "baseline_source": baseline.source,
        "assumptions": ASSUMPTIONS,
        "items": items,
    }


def gains(warehouse: Path, plan: Plan, as_of: dt.date | None = None) -> dict:
    """The gains of the plan so far and per year, at ``as_of`` (default: the latest complete month of data).

    Stable keys: ``as_of``, ``period_start``, ``period_end``, ``baseline_start``, ``baseline_end``,
    ``baseline_source``, ``assumptions`` and ``items``: ``[{id, label, value, unit, ci_low, ci_high,
    formula, ci_method, inputs: {name: {label, value, unit, source, …}}, per_year: [{year,
    period_start, period_end, value, ci_low, ci_high, …}], note?}]``.
    """
    with read_connection(warehouse) as con:
        require_views(con)
        return compute(con, plan, as_of)
