"""Delays measured two ways, and the change test that matches a median or a 90th percentile.

- **Two medians.** The decided-cases median (cases decided in the period, ``kpi_delay_quantiles``)
  and the cohort median (Kaplan–Meier over the cases filed in the period, open cases censored,
  closures without decision a competing outcome left out of the curve; ``kpi_delay_km``, with its
  Brookmeyer–Crowley interval). A ``delay_median`` indicator's plan chooses its headline with
  ``delay_basis`` (:data:`pipelines.plan.DELAY_BASES`); :func:`median_lines` gives both, each
  labelled with its population, for every place a median is shown.
- **Change of a median or a P90.** A percentile bootstrap of the difference (current − baseline):
  :data:`RESAMPLES` resamples of each period drawn with replacement, independently, from a fixed
  seed (:data:`SEED`), so that ``barometre kpi --json`` is identical from run to run. The interval
  is the 2.5th and 97.5th percentiles (linear interpolation) of the resampled differences; the change
  is significant when it excludes 0. No p-value: Mann–Whitney tests a shift of the whole
  distribution, not of its median.

  Decided basis (:func:`quantile_difference`): the statistic is the type-7 quantile (as
  ``quantile_cont``); up to :data:`DIRECT_UP_TO` delays a side, the resamples are drawn as
  ``scipy.stats.bootstrap(method="percentile", paired=False)`` draws them (same seed: same interval
  to the last digit). Beyond, the quantile of a resample is drawn directly: the k-th smallest of n
  draws from the empirical distribution is x₍⌈n·U₍ₖ₎⌉₎, with U₍ₖ₎ ~ Beta(k, n − k + 1) the k-th
  smallest of n uniforms (and the next one U₍ₖ₎ + (1 − U₍ₖ₎)·Beta(1, n − k)): the same bootstrap
  distribution in O(resamples) once the delays are sorted, instead of O(resamples × n).

  Cohort basis (:func:`km_median_difference`): the cases of each cohort (time, decided or open) are
  resampled and the Kaplan–Meier median recomputed on each resample (the closures without decision
  stay out, as in the estimate). A resample whose curve never reaches 0.5 has no median: when one
  falls on an end of the interval, that end is unbounded (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import duckdb
import numpy as np

from pipelines.french import NBSP_WIDE, fmt_number, fmt_value
from pipelines.plan import DELAY_BASES, Indicator

SEED = 20_170  # fixed: the same data give the same interval
RESAMPLES = 2_000
LEVEL = 0.95
DIRECT_UP_TO = 5_000  # delays a side up to which resamples are drawn as scipy.stats.bootstrap does
BATCH_DRAWS = 10_000_000  # draws held in memory at once by the Kaplan–Meier bootstrap
QUANTILES = {"delay_median": 0.5, "delay_p90": 0.9}
QUANTITY = {"delay_median": "de la médiane", "delay_p90": "du 9e décile"}
CI_METHOD_COHORT = (
    "intervalle à 95 % de Brookmeyer-Crowley autour de la médiane de Kaplan-Meier des dossiers déposés "
    "dans la période (variance de Greenwood, échelle log(−log)) ; dossiers encore ouverts censurés, "
    "dossiers classés sans décision écartés (issue concurrente)"
)
BASIS_NOTES = {
    "decided": "Valeur principale : médiane des dossiers décidés dans la période.",
    "cohort": "Valeur principale : médiane des dossiers déposés dans la période (Kaplan-Meier : dossiers "
    "encore ouverts censurés, dossiers classés sans décision écartés comme issue concurrente).",
}


def delay_basis(ind: Indicator) -> str | None:
    """The indicator's median basis ("decided" or "cohort"), None for a measure other than delay_median."""
    return getattr(ind, "delay_basis", "decided") if ind.measure == "delay_median" else None


def ci_method(ind: Indicator, default: str) -> str:
    """The interval's method note: the cohort one for a cohort-based median, else ``default``."""
    return CI_METHOD_COHORT if delay_basis(ind) == "cohort" else default


# --- bootstrap of a quantile difference (decided basis) ---------------------------------------


def _type7(values: np.ndarray, q: float, axis: int = -1) -> np.ndarray:
    return np.quantile(values, q, axis=axis)


def _percentile_interval(diffs: np.ndarray) -> tuple[float | None, float | None]:
    """2.5th and 97.5th percentiles (linear), an end None when it falls on an undefined resample."""
    alpha = (1 - LEVEL) / 2
    cleaned = np.where(np.isnan(diffs), np.inf, diffs)
    with np.errstate(invalid="ignore"):
        ends = np.percentile(cleaned, [100 * alpha, 100 * (1 - alpha)])
    return tuple(float(e) if math.isfinite(e) else None for e in ends)  # type: ignore[return-value]


def _direct_quantiles(sorted_values: np.ndarray, q: float, rng: np.random.Generator) -> np.ndarray:
    """Type-7 quantile of each of RESAMPLES bootstrap resamples, drawn through uniform order statistics."""
    n = sorted_values.size
    h = (n - 1) * q
    j = math.floor(h)
    g = h - j
    r = j + 1  # 1-based rank of the lower order statistic
    u = rng.beta(r, n - r + 1, RESAMPLES)
    low = sorted_values[np.clip(np.ceil(n * u).astype(np.int64) - 1, 0, n - 1)]
    if g == 0 or r >= n:
        return low
    u_next = u + (1 - u) * rng.beta(1, n - r, RESAMPLES)
    high = sorted_values[np.clip(np.ceil(n * u_next).astype(np.int64) - 1, 0, n - 1)]
    return low + g * (high - low)


def quantile_difference(
    baseline: Sequence[float], current: Sequence[float], q: float, seed: int = SEED
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of quantile_q(current) − quantile_q(baseline) (module docstring);
    (None, None) when a side is empty."""
    a = np.sort(np.asarray(baseline, float))
    b = np.sort(np.asarray(current, float))
    if a.size == 0 or b.size == 0:
        return None, None
    rng = np.random.default_rng(seed)
    if max(a.size, b.size) <= DIRECT_UP_TO:
        ia = rng.integers(0, a.size, (RESAMPLES, a.size))
        ib = rng.integers(0, b.size, (RESAMPLES, b.size))
        diffs = _type7(b[ib], q, axis=1) - _type7(a[ia], q, axis=1)
    else:
        diffs = _direct_quantiles(b, q, rng) - _direct_quantiles(a, q, rng)
    return _percentile_interval(diffs)


# --- bootstrap of a Kaplan–Meier median difference (cohort basis) -----------------------------


def km_median(times: Sequence[float], events: Sequence[bool]) -> float | None:
    """Kaplan–Meier median (smallest event time with S ≤ 0.5), None when never reached: as kpi_delay_km."""
    t = np.asarray(times, float)
    order = np.argsort(t, kind="stable")
    out = _km_medians(t[order], np.asarray(events, bool)[order], np.ones((1, t.size)))
    return None if not math.isfinite(out[0]) else float(out[0])


def _km_medians(times: np.ndarray, events: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Kaplan–Meier median of each row of case weights (times sorted); inf when not reached."""
    if times.size == 0:
        return np.full(weights.shape[0], np.inf)
    starts = np.flatnonzero(np.concatenate(([True], times[1:] != times[:-1])))
    unique = times[starts]
    leaving = np.add.reduceat(weights, starts, axis=1)
    deaths = np.add.reduceat(weights * events, starts, axis=1)
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1 - deaths / at_risk, 1.0)
    survival = np.cumprod(factor, axis=1)
    reached = (deaths > 0) & (survival <= 0.5 + 1e-12)
    first = np.argmax(reached, axis=1)
    return np.where(reached.any(axis=1), unique[first], np.inf)


def _resampled_km_medians(times: np.ndarray, events: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = times.size
    order = np.argsort(times, kind="stable")
    times, events = times[order], events[order]
    per_batch = max(1, BATCH_DRAWS // max(n, 1))
    out = []
    for first in range(0, RESAMPLES, per_batch):
        k = min(per_batch, RESAMPLES - first)
        idx = rng.integers(0, n, (k, n))
        flat = (idx + (np.arange(k) * n)[:, None]).ravel()
        weights = np.bincount(flat, minlength=k * n).reshape(k, n).astype(float)
        out.append(_km_medians(times, events, weights))
    return np.concatenate(out)


def km_median_difference(
    baseline: tuple[Sequence[float], Sequence[bool]],
    current: tuple[Sequence[float], Sequence[bool]],
    seed: int = SEED,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of the Kaplan–Meier median difference (current − baseline), each
    cohort given as (times, decided?) of the cases in the estimate; (None, None) when a side is empty."""
    ta, ea = np.asarray(baseline[0], float), np.asarray(baseline[1], bool)
    tb, eb = np.asarray(current[0], float), np.asarray(current[1], bool)
    if ta.size == 0 or tb.size == 0:
        return None, None
    rng = np.random.default_rng(seed)
    ma = _resampled_km_medians(ta, ea, rng)
    mb = _resampled_km_medians(tb, eb, rng)
    with np.errstate(invalid="ignore"):
        diffs = mb - ma
    # not reached on the current side only: +inf; on the baseline side only: −inf; on both: undefined
    return _percentile_interval(diffs)


# --- reading the delays -------------------------------------------------------------------------


def decided_delays(con: duckdb.DuckDBPyConnection, params: list) -> np.ndarray:
    """Delays (days) of the cases decided in [start, stop) (params: start, stop, services, channels, communes)."""
    rows = con.execute(
        "select delay_days from kpi_decided_cases(?, ?, services := ?, channels := ?, communes := ?)", params
    ).fetchnumpy()
    return np.asarray(rows["delay_days"], float)


def cohort_cases(con: duckdb.DuckDBPyConnection, params: list) -> tuple[np.ndarray, np.ndarray]:
    """(times, decided?) of the cases in the Kaplan–Meier estimate of the cohort filed in [start, stop)."""
    rows = con.execute(
        "select time_days, is_event from kpi_delay_km_cases(?, ?, services := ?, channels := ?, communes := ?) "
        "where not is_closed",
        params,
    ).fetchnumpy()
    return np.asarray(rows["time_days"], float), np.asarray(rows["is_event"], bool)


# --- French ---------------------------------------------------------------------------------------


def signed(x: float) -> str:
    """``+3,2`` / ``-1,1`` / ``0,0`` (sentence form, one decimal)."""
    text = fmt_number(x, 1, sentence=True)
    return f"+{text}" if round(x, 1) > 0 else text


def interval_clause(measure: str, delta: float, low: float | None, high: float | None) -> str:
    """« écart de la médiane : +3,2 j [IC bootstrap 95 % : +1,1 ; +5,0] » (an unbounded end: « non borné »)."""
    unbounded = "non borné"
    lo = f"{signed(low)}" if low is not None else unbounded
    hi = f"{signed(high)}" if high is not None else unbounded
    return (
        f"écart {QUANTITY.get(measure, 'de la médiane')} : {signed(delta)}{NBSP_WIDE}j "
        f"[IC bootstrap 95 % : {lo} ; {hi}]"
    )


def median_lines(ind: dict) -> list[tuple[str, str]]:
    """(population label, French value with interval and n) for both medians of a delay indicator of
    the ``kpi --json`` document (its ``details``), the headline first; [] for another measure or
    without details."""
    d = ind.get("details") or {}
    if ind.get("measure") != "delay_median" or "median" not in d:
        return []

    def shown(value, low, high, n, extra="") -> str:
        if n is None or n == 0:
            return "pas de dossier"
        if value is None:
            return f"non atteinte (moins de la moitié des dossiers décidés), n = {fmt_number(n, 0)}{extra}"
        interval = (
            f"[IC 95 % : {fmt_number(low, 1, sentence=True)} ; "
            f"{fmt_number(high, 1, sentence=True) if high is not None else 'non borné'}]"
            if low is not None
            else ""
        )
        return (
            f"{fmt_value(value, 'jours', sentence=True)} {interval} (n = {fmt_number(n, 0)}{extra})".replace(
                "  ", " "
            )
        )

    decided = (
        f"Médiane des {DELAY_BASES['decided']}",
        shown(d.get("median"), d.get("median_ci_low"), d.get("median_ci_high"), d.get("n")),
    )
    closed = d.get("n_closed_without_decision") or 0
    extra = f", dont {fmt_number(d.get('n_censored') or 0, 0)} encore ouverts"
    if closed:
        extra += f" ; {fmt_number(closed, 0)} classés sans décision écartés"
    cohort = (
        f"Médiane des {DELAY_BASES['cohort']}",
        shown(
            d.get("km_median"), d.get("km_median_ci_low"), d.get("km_median_ci_high"), d.get("km_n"), extra
        ),
    )
    lines = [decided, cohort]
    return lines[::-1] if ind.get("delay_basis") == "cohort" else lines


# --- the change entry ---------------------------------------------------------------------------


def bootstrap_change(con, ind: Indicator, delta: float, period, bperiod, scope: list, since: str) -> dict:
    """``change`` keys for a median or a P90 (delta already known, both periods measured): the
    bootstrap interval of the difference in the sentence, ``significant`` when it excludes 0,
    ``p_value`` None; the cohort median resampled as a cohort (module docstring)."""
    from pipelines.indicators.stats import TEST_LABELS
    from pipelines.indicators.wording import change_sentence

    services, channels, communes, _ = scope
    base_params = [bperiod.start, bperiod.stop, services, channels, communes]
    cur_params = [period.start, period.stop, services, channels, communes]
    if delay_basis(ind) == "cohort":
        low, high = km_median_difference(cohort_cases(con, base_params), cohort_cases(con, cur_params))
    else:
        q = QUANTILES[ind.measure]
        low, high = quantile_difference(decided_delays(con, base_params), decided_delays(con, cur_params), q)
    label = TEST_LABELS["bootstrap"]
    if low is None and high is None:
        reason = "effectifs trop faibles pour un intervalle bootstrap."
        return {"test": label, "sentence": change_sentence(delta, ind.unit, since, None, None, reason)}
    significant = (low is not None and low > 0) or (high is not None and high < 0)
    head = change_sentence(delta, ind.unit, since, None, significant)
    return {
        "significant": significant,
        "test": label,
        "sentence": f"{head[:-1]} ; {interval_clause(ind.measure, delta, low, high)}.",
    }


def indicator_medians(warehouse, plan, indicator_id: str, as_of=None, filters=None) -> list[tuple[str, str]]:
    """:func:`median_lines` of one delay indicator over its headline period, without evaluating the
    whole plan (the app's pages evaluate without ``details``); [] for another measure."""
    from pipelines.indicators import query as q
    from pipelines.indicators.query import Filters
    from pipelines.indicators.views import require_views
    from pipelines.plan import in_force
    from pipelines.warehouse import read_connection

    ind = plan.indicator(indicator_id)
    if ind.measure != "delay_median":
        return []
    filters = filters or Filters()
    with read_connection(warehouse) as con:
        require_views(con)
        period = q.headline_period(con, as_of, filters)
        ind = in_force(ind, period.end)
        if period.start >= period.stop:
            return []
        details = q.family(con, "kpi_delay", ind, period, filters) | q.family(
            con, "kpi_delay_km", ind, period, filters
        )
    return median_lines({"measure": ind.measure, "delay_basis": delay_basis(ind), "details": details})
