"""Small samples, partial windows, the trajectory averaged over the window, the year-earlier period.

What an auditor checks at the edges of an evaluation, in one place (``evaluate.assess`` and
``evaluate.change`` call it):

- **Which test for two proportions** (:func:`fisher_needed`, :func:`fisher`): the pooled z test, unless one of
  the four expected counts of the 2 × 2 table (successes and failures of each period, under the
  hypothesis of no change: row total × column total ÷ grand total) is under 5; then Fisher's exact
  test (two-sided, scipy's ``fisher_exact``: the sum of the probabilities of the tables at most as
  likely as the observed one).
- **Minimum sample** (:func:`sample_too_small`): no test and no p-value when either period has fewer
  observations than the indicator's ``min_sample``; the sentence says which period and why.
- **Months with data** (:func:`months_with_data`): a month of the window "has data" when the
  indicator's dataset holds at least one observation of the measure in that month, whatever the
  indicator's scope and the filters (an empty month for one service is zero activity, not missing
  data). A window is *partial* when fewer of its months have data than it counts (``--at`` beyond the
  data, an export with a gap, a dataset that starts inside the window). A survey is a sample, often
  run in waves: a month without responses is not missing data, so for the survey dataset a month has
  data when it lies between the month of the first response and the month of the latest data of any
  dataset.
- **Expected value over the window** (:func:`average_expected`): the headline value aggregates 12
  months, so it is compared with the trajectory averaged over the same months — the mean, day by
  day, of the trajectory over the calendar days of the window's months that have data (over the
  whole window when none does) — not with its value on the last day.
- **One year earlier** (:func:`year_earlier`): the same months shifted back 12 months, for
  ``change_1y``.
- **Registers are not samples** (:data:`INTERVAL_NOTES`): where the counts are exhaustive (usage and
  case registers), the interval is read as the month-to-month variability of the process, not as a
  sampling error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb

from pipelines.indicators import query as q
from pipelines.indicators.months import add_months, month_end, month_floor
from pipelines.indicators.query import Period
from pipelines.plan import Indicator

FISHER_BELOW = 5.0  # an expected count under this → Fisher's exact test
FISHER_LABEL = "test exact de Fisher"
YEAR_EARLIER_SINCE = "l'an dernier sur les mêmes mois"

REGISTER_NOTE = (
    "Les demandes et les dossiers viennent de registres complets, pas d'un échantillon : l'intervalle à 95 % "
    "traduit la variabilité d'un mois à l'autre du processus observé (ce que le hasard des demandes aurait pu "
    "donner), pas une erreur de sondage."
)
SURVEY_NOTE = (
    "Les réponses à l'enquête sont un échantillon des usagers : l'intervalle à 95 % traduit l'erreur "
    "d'échantillonnage, en supposant les répondants tirés au hasard parmi les usagers."
)
EXHAUSTIVE_NOTE = (
    "Comptage exhaustif : pas d'échantillon, donc pas d'intervalle ; la valeur varie d'un mois à l'autre avec "
    "le processus, pas avec un tirage."
)
INTERVAL_NOTES = {
    "take_up": REGISTER_NOTE,
    "assisted_share": REGISTER_NOTE,
    "completion_rate": REGISTER_NOTE,
    "within_deadline": REGISTER_NOTE,
    "delay_median": REGISTER_NOTE,
    "delay_p90": REGISTER_NOTE,
    "delay_mean": REGISTER_NOTE,
    "satisfaction_mean": SURVEY_NOTE,
    "satisfied_share": SURVEY_NOTE,
    "nps": SURVEY_NOTE,
    "backlog": EXHAUSTIVE_NOTE,
    "cost_per_transaction": EXHAUSTIVE_NOTE,
}


def window_months(period: Period) -> list[dt.date]:
    """The first days of the months of ``[start, stop)``."""
    out, month = [], period.start
    while month < period.stop:
        out.append(month)
        month = add_months(month, 1)
    return out


def months_with_data(con: duckdb.DuckDBPyConnection, ind: Indicator, period: Period) -> list[dt.date]:
    """The months of the window in which the indicator's dataset has an observation of its measure
    (scope and filters left aside, see the module docstring)."""
    if period.start >= period.stop:
        return []
    if q.dataset_of(ind.measure) == "survey":
        first, last = con.execute(
            "select (min(min_at) filter (where dataset = 'survey'))::date, max(max_at)::date from mart_data_bounds"
        ).fetchall()[0]
        if first is None or last is None:
            return []
        return [m for m in window_months(period) if month_floor(first) <= m <= month_floor(last)]
    bare = dataclasses.replace(ind, scope={k: () for k in ind.scope})
    frame = q.measure_frame(con, bare, period, None, ["month"])
    return sorted(m for m, n in zip(frame["month"].to_list(), frame["n"].to_list(), strict=True) if m and n)


def average_expected(
    expected_at, ind: Indicator, baseline_value: float | None, months: list[dt.date]
) -> float | None:
    """Mean of the trajectory over every calendar day of ``months`` (``expected_at`` is
    :func:`pipelines.indicators.status.expected_at`); None when the trajectory is unknown on one of them."""
    total, days = 0.0, 0
    for month in months:
        day = month
        while day <= month_end(month):
            value = expected_at(ind, baseline_value, day)
            if value is None:
                return None
            total += value
            days += 1
            day += dt.timedelta(days=1)
    return total / days if days else None


def min_expected_count(x1: int, n1: int, x2: int, n2: int) -> float:
    """The smallest expected count of the 2 × 2 table under the hypothesis of no change."""
    n, x = n1 + n2, x1 + x2
    return min(r * c / n for r in (n1, n2) for c in (x, n - x))


def fisher_needed(x1: int, n1: int, x2: int, n2: int) -> bool:
    """True when an expected count is under 5 (and both periods have observations)."""
    return n1 > 0 and n2 > 0 and min_expected_count(x1, n1, x2, n2) < FISHER_BELOW


def fisher(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test of the 2 × 2 table (scipy.stats.fisher_exact)."""
    from scipy.stats import fisher_exact

    return float(fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided").pvalue)


def sample_too_small(ind: Indicator, n_before: int, n_after: int, before_words: str) -> str | None:
    """The French reason for not testing when a period is under the minimum sample, else None."""
    low = [
        f"{words} (n = {n})"
        for words, n in ((before_words, n_before), ("la période évaluée", n_after))
        if n < ind.min_sample
    ]
    if not low:
        return None
    verb = "sont" if len(low) > 1 else "est"
    return (
        f"pas de test : l'effectif de {' et de '.join(low)} {verb} sous le minimum de {ind.min_sample} "
        "fixé par le plan ; une différence sur si peu d'observations ne se lit pas."
    )


def year_earlier(period: Period) -> Period:
    """The same months, 12 months earlier."""
    return Period(add_months(period.start, -12), add_months(period.stop, -12))


def baseline_below_min_sample(ind: Indicator, baseline_n: int | None) -> bool | None:
    """True when the computed baseline rests on fewer observations than the minimum sample; None for a
    baseline typed into the plan (its sample is unknown)."""
    if baseline_n is None:
        return None
    return baseline_n < ind.min_sample


def window_sentence(months_with: int, months_in: int) -> str | None:
    """« Données sur 4 des 12 mois de la période. » when the window is partial, else None."""
    if months_with >= months_in:
        return None
    return f"Données sur {months_with} des {months_in} mois de la période."


def month_span(months: list[dt.date]) -> tuple[dt.date, dt.date] | None:
    """First and last day of the months, None for none."""
    return (months[0], month_end(months[-1])) if months else None
