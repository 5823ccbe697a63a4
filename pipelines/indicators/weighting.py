"""Non-response weighting of the survey indicators (plan key ``weighting``), issue 17.

Survey respondents are not the users: online users answer more, and the mix of services shifts. An
indicator with ``weighting = "channel"`` or ``"channel_service"`` is post-stratified to the mix of
requests (``mart_usage_monthly.requests``, abandoned requests left out) over the same period and
the same scope (services, channels, communes, age bands):

- cells: the channel, or the channel × service; a respondent in cell c gets the weight
  w_c = (share of the requests in c) ÷ (share of the respondents in c), so the weights add up to
  the number of respondents used and the weighted value is Σ_c P_c · m_c (P_c the requests' share,
  m_c the respondents' mean in c);
- cells of requests without any respondent: with ``channel_service``, their requests are collapsed
  into their channel (spread over the channel's cells that have respondents, in proportion to their
  requests); a channel without any respondent (either weighting) cannot be represented: its requests
  are left out and the shares of the others rescaled (``uncovered_share`` says how much);
- respondents whose cell has no request in the period (or whose channel, or service, is unknown)
  cannot be weighted: they are left out of the weighted value (``excluded_n``);
- interval: Kish's effective sample size n_eff = (Σw)² ÷ Σw²; a mean or an NPS takes Student's
  interval m ± t(0.975, n_eff − 1) · s_w ÷ √n_eff with s_w² = n_eff ÷ (n_eff − 1) · Σw(x − m)² ÷ Σw;
  a share takes Wilson's interval with n_eff;
- the change tests (Welch, two proportions) use n_eff as the sample size;
- without any request in the period (no usage data), the indicator stays unweighted and says so.

The weighted value is the headline (``value``, ``ci_low``, ``ci_high``) when the plan asks for
weighting; the raw one stays beside it (``weighting.raw_value``…, ``details.raw_value``). The
monthly series and the breakdowns stay unweighted (descriptive).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from pipelines.plan import Indicator

LABELS = {"channel": "par canal", "channel_service": "par canal et service"}
MEASURE_SUMS = {  # per cell: n, Σx, Σx² of the per-response variable of each survey measure
    "satisfaction_mean": ("sum(n_scored)", "sum(sum_score)", "sum(sum_score_sq)"),
    "satisfied_share": ("sum(n_satisfaction)", "sum(n_satisfied)", "sum(n_satisfied)"),
    "nps": (
        "sum(n_nps)",
        "100.0 * sum(n_promoters - n_detractors)",
        "10000.0 * sum(n_promoters + n_detractors)",
    ),
}
BOUNDS = {"satisfaction_mean": (0.0, 10.0), "satisfied_share": (0.0, 1.0), "nps": (-100.0, 100.0)}


@dataclass(frozen=True)
class Cell:
    """One weighting cell: respondents (n, Σx, Σx²) and the requests made in it."""

    channel: str | None
    service: str | None
    n: float
    s1: float
    s2: float
    requests: float


@dataclass(frozen=True)
class Weighted:
    value: float | None
    ci_low: float | None
    ci_high: float | None
    sd: float | None
    effective_n: float | None
    used_n: int
    excluded_n: int
    uncovered_share: float
    collapsed_cells: int
    weights: dict[tuple[str | None, str | None], float]  # cell → weight of each of its respondents


def post_stratify(cells: list[Cell], scheme: str, measure: str) -> Weighted:
    """Weighted value, Kish n_eff and interval from the cells (see the module docstring)."""
    by_channel = scheme == "channel"
    key = (lambda c: (c.channel, None)) if by_channel else (lambda c: (c.channel, c.service))
    resp: dict[tuple, list[float]] = {}
    pop: dict[tuple, float] = {}
    excluded = 0
    for c in cells:
        k = key(c)
        if c.n > 0:
            if k[0] is None or (not by_channel and k[1] is None):
                excluded += int(c.n)
                continue
            r = resp.setdefault(k, [0.0, 0.0, 0.0])
            r[0], r[1], r[2] = r[0] + c.n, r[1] + c.s1, r[2] + c.s2
        if c.requests > 0 and k[0] is not None:
            pop[k] = pop.get(k, 0.0) + c.requests
    for k in [k for k in resp if pop.get(k, 0.0) <= 0]:  # respondents of a cell without requests
        excluded += int(resp.pop(k)[0])
    # requests of cells without respondents: collapsed into the channel, else uncovered
    mass = dict.fromkeys(resp, 0.0)
    for k in resp:
        mass[k] = pop[k]
    uncovered, collapsed = 0.0, 0
    for k, requests in pop.items():
        if k in resp:
            continue
        siblings = [s for s in resp if s[0] == k[0]]
        if siblings and not by_channel:
            collapsed += 1
            total = sum(pop[s] for s in siblings)
            for s in siblings:
                mass[s] += requests * pop[s] / total
        else:
            uncovered += requests
    total_pop = sum(pop.values())
    used = sum(r[0] for r in resp.values())
    if not resp or used <= 0:
        return Weighted(None, None, None, None, None, 0, excluded, 1.0 if total_pop else 0.0, collapsed, {})
    covered = sum(mass.values())
    share = {k: mass[k] / covered for k in resp}
    weights = {k: share[k] * used / resp[k][0] for k in resp}
    value = sum(share[k] * resp[k][1] / resp[k][0] for k in resp)
    sum_w2 = sum(resp[k][0] * weights[k] ** 2 for k in resp)
    n_eff = used**2 / sum_w2
    # Σw(x − m)² from each cell's sums: Σx² − 2mΣx + n m²
    ss = sum(weights[k] * (resp[k][2] - 2 * value * resp[k][1] + resp[k][0] * value**2) for k in resp)
    var = max(0.0, ss / used)
    lo_b, hi_b = BOUNDS[measure]
    if measure == "satisfied_share":
        low, high = wilson(value, n_eff)
        sd = math.sqrt(var * n_eff / (n_eff - 1)) if n_eff > 1 else None
    elif n_eff > 1:
        from scipy import stats  # imported only when an indicator is weighted

        sd = math.sqrt(var * n_eff / (n_eff - 1))
        half = float(stats.t.ppf(0.975, n_eff - 1)) * sd / math.sqrt(n_eff)
        low, high = max(lo_b, value - half), min(hi_b, value + half)
    else:
        low = high = sd = None
    return Weighted(
        value,
        low,
        high,
        sd,
        n_eff,
        int(used),
        excluded,
        uncovered / total_pop if total_pop else 0.0,
        collapsed,
        weights,
    )


def wilson(p: float, n: float, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """Wilson's 95 % interval of a proportion p observed on n (here Kish's n_eff, not an integer)."""
    if n <= 0:
        return None, None
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def cells(
    con: duckdb.DuckDBPyConnection, ind: Indicator, period, scope_params: list, instruments: list | None
) -> list[Cell]:
    """Respondents and requests by channel × service over the period, on the indicator's scope
    (``scope_params``: services, channels, communes, age bands, as ``query.scope_params`` gives them)."""
    services, channels, communes, age_bands = scope_params
    n, s1, s2 = MEASURE_SUMS[ind.measure]
    scope = (
        "month >= ?::date and month < ?::date and kpi_in_scope(?, service) and kpi_in_scope(?, channel) "
        "and kpi_in_scope(?, commune) and kpi_in_scope(?, age_band)"
    )
    params = [period.start, period.stop, services, channels, communes, age_bands]
    sql = f"""
        with resp as (
            select channel, service, {n} as n, {s1} as s1, {s2} as s2
            from mart_survey_monthly where {scope} and kpi_in_scope(?, instrument)
            group by all
        ),
        pop as (
            select channel, service, sum(requests) as requests
            from mart_usage_monthly where {scope}
            group by all
        )
        select channel, service, coalesce(r.n, 0), coalesce(r.s1, 0), coalesce(r.s2, 0),
            coalesce(p.requests, 0)
        from resp as r full outer join pop as p using (channel, service)
        order by channel nulls first, service nulls first  -- sums in one order: reproducible to the last digit
    """
    rows = con.execute(sql, [*params, instruments, *params]).fetchall()
    return [Cell(r[0], r[1], float(r[2]), float(r[3]), float(r[4]), float(r[5])) for r in rows]


def weighted_row(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    period,
    scope_params: list,
    instruments: list | None,
    raw: dict,
) -> dict:
    """The measure row with the weighted value as headline and the raw one kept under ``weighting``."""
    w = post_stratify(cells(con, ind, period, scope_params, instruments), ind.weighting, ind.measure)
    info = {
        "scheme": ind.weighting,
        "label": LABELS[ind.weighting],
        "raw_value": raw["value"],
        "raw_ci_low": raw["ci_low"],
        "raw_ci_high": raw["ci_high"],
        "raw_n": raw["n"],
        "weighted_value": w.value,
        "weighted_ci_low": w.ci_low,
        "weighted_ci_high": w.ci_high,
        "effective_n": w.effective_n,
        "used_n": w.used_n,
        "excluded_n": w.excluded_n,
        "uncovered_share": w.uncovered_share,
        "collapsed_cells": w.collapsed_cells,
        "headline": "weighted" if w.value is not None else "raw",
    }
    if w.value is None:
        info["note"] = "Pas de demandes enregistrées pour redresser sur cette période : valeur brute en tête."
        return raw | {"weighting": info}
    info["note"] = note(info)
    return raw | {
        "value": w.value,
        "ci_low": w.ci_low,
        "ci_high": w.ci_high,
        "sd": w.sd,
        "weighting": info,
    }


def note(info: dict) -> str:
    """One French sentence: which value is the headline, and what the weighting left out."""
    parts = [
        f"Valeur redressée {info['label']} sur la répartition des demandes (en tête) ; "
        f"effectif équivalent (Kish) {info['effective_n']:.0f} pour {info['used_n']} réponses"
    ]
    if info["excluded_n"]:
        parts.append(f"{info['excluded_n']} réponse(s) hors cellule de demandes non redressée(s)")
    if info["collapsed_cells"]:
        parts.append(f"{info['collapsed_cells']} cellule(s) sans répondant regroupée(s) dans leur canal")
    if info["uncovered_share"] > 0:
        parts.append(
            f"{100 * info['uncovered_share']:.0f} % des demandes sans répondant dans leur canal, non représentées"
        )
    return " ; ".join(parts) + "."


def for_test(row: dict | None) -> dict | None:
    """The row a change test reads: a weighted value counts Kish's effective sample size as its n."""
    if not row or not row.get("weighting") or row["weighting"]["headline"] != "weighted":
        return row
    return row | {"n": max(1, round(row["weighting"]["effective_n"]))}


def details(row: dict) -> dict:
    """The flat ``details`` keys of ``kpi --json`` (``weighted_value``, ``effective_n``…)."""
    info = row.get("weighting")
    if not info:
        return {}
    keys = ("raw_value", "raw_ci_low", "raw_ci_high", "weighted_value", "weighted_ci_low", "weighted_ci_high")
    return {k: info[k] for k in keys} | {
        "effective_n": info["effective_n"],
        "weighting": info["scheme"],
        "weighting_headline": info["headline"],
    }
