"""Statistics that sit on top of the SQL values: tests of a change and the trend projection.

Intervals, values and sample sizes come from the SQL macros (``sql/*.sql``); this module only
compares two periods and extrapolates a monthly series. All tests are two-sided at α = 0.05.

Which test for which measure (:data:`TESTS`):

- rates (take-up, assisted share, within deadline, satisfied share): two-proportion z test with
  pooled variance, z = (p₂ − p₁) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)) — Fisher's exact test instead when an
  expected count of the 2 × 2 table is under 5 (``edges.fisher_needed``, applied by ``evaluate.change``);
- median and 90th-percentile delays: a seeded percentile bootstrap interval of the difference of
  the quantiles themselves (:mod:`pipelines.indicators.delays`), significant when it excludes 0, no
  p-value. (Mann–Whitney U, below, tests a shift of the whole distribution, not of a median: it is
  kept for reference and its tests, no longer used for a change.);
- mean delay, mean score: Welch's t test from the means, standard deviations and sizes;
- NPS: Welch's t test on the per-response scores (+100 promoter, 0 passive, −100 detractor), whose
  mean is the NPS. With survey sizes this is the usual z test of a difference of NPS, the variance
  of a trinomial (p₊ + p₋ − (p₊ − p₋)²) included;
- backlog: no test. It is an exhaustive count of open cases at two instants, not a sample.

Projection (:func:`project`): Theil–Sen line through the last 12 to 24 monthly values (robust to
an odd month: the median of pairwise slopes), extrapolated to the target date. Its band comes from
the distribution-free 95 % interval of the Theil–Sen slope (Sen 1968, scipy ``theilslopes``),
pivoting on the median point (median month, median value): it is a band for the trend, not for a
single month, and it ignores seasonality beyond what 12–24 months average out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from pipelines.indicators.months import month_position

# scipy is imported inside the functions that need it, and scipy.stats only for the exact
# Mann–Whitney distribution of tiny samples: importing scipy.stats takes about a second, a large
# part of the app's first page.
ALPHA = 0.05
MIN_POINTS, MAX_POINTS = 12, 24
TESTS = {
    "take_up": "two_proportions",
    "assisted_share": "two_proportions",
    "within_deadline": "two_proportions",
    "satisfied_share": "two_proportions",
    "delay_median": "bootstrap",
    "delay_p90": "bootstrap",
    "delay_mean": "welch",
    "satisfaction_mean": "welch",
    "nps": "welch",
    "backlog": None,
    "completion_rate": "two_proportions",
    "cost_per_transaction": None,
}
TEST_LABELS = {
    "two_proportions": "test de comparaison de deux proportions (z)",
    "mann_whitney": "test de Mann-Whitney",
    "bootstrap": "intervalle bootstrap à 95 % de l'écart (2 000 rééchantillonnages, méthode des percentiles, graine fixe)",
    "welch": "test t de Welch",
}
BOUNDS = {
    "%": (0.0, 1.0),
    "€": (0.0, math.inf),
    "/10": (0.0, 10.0),
    "points": (-100.0, 100.0),
    "jours": (0.0, math.inf),
    "dossiers": (0.0, math.inf),
}


def two_proportions(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z test (None if a sample is empty)."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0  # both samples all-success or all-failure: identical proportions
    z = (x2 / n2 - x1 / n1) / se
    from scipy.special import ndtr

    return float(2 * ndtr(-abs(z)))  # 2 P(Z > |z|), as scipy.stats.norm.sf


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Two-sided p-value of the Mann–Whitney U test (None if a sample is empty)."""
    if len(a) == 0 or len(b) == 0:
        return None
    from scipy import stats

    return float(
        stats.mannwhitneyu(np.asarray(a, float), np.asarray(b, float), alternative="two-sided").pvalue
    )


def mann_whitney_exact_needed(n1: int, n2: int, tie_term: float) -> bool:
    """scipy's choice for ``method="auto"``: the exact distribution for a small sample without ties."""
    return not (n1 > 8 and n2 > 8) and tie_term == 0


def mann_whitney_from_ranks(u1: float, n1: int, n2: int, tie_term: float) -> float | None:
    """Two-sided p-value of the Mann–Whitney U test, normal approximation with tie and continuity
    corrections (as scipy's ``mannwhitneyu`` for samples that are not small), from the rank sum
    statistic of sample 1 (``u1``) and the tie term Σ (t³ − t) (SQL macro ``kpi_delay_rank_sum``)."""
    if n1 <= 0 or n2 <= 0:
        return None
    from scipy.special import ndtr

    n = n1 + n2
    u = max(u1, n1 * n2 - u1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(np.float64(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))))
        z = np.float64(u - n1 * n2 / 2 - 0.5) / s
    return float(np.clip(2 * ndtr(-z), 0.0, 1.0))


def welch(
    mean1: float | None, sd1: float | None, n1: int, mean2: float | None, sd2: float | None, n2: int
) -> float | None:
    """Two-sided p-value of Welch's t test from summary statistics (None under 2 values a side)."""
    if None in (mean1, sd1, mean2, sd2) or n1 < 2 or n2 < 2:
        return None
    if sd1 == 0 and sd2 == 0:
        return 1.0 if mean1 == mean2 else 0.0
    from scipy.special import stdtr

    # scipy.stats.ttest_ind_from_stats(equal_var=False), without importing scipy.stats
    vn1, vn2 = np.float64(sd1) ** 2 / n1, np.float64(sd2) ** 2 / n2
    df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
    t = (np.float64(mean1) - np.float64(mean2)) / np.sqrt(vn1 + vn2)
    return float(2 * stdtr(df, -abs(t)))


@dataclass(frozen=True)
class Projection:
    value: float | None = None
    low: float | None = None
    high: float | None = None
    slope_per_month: float | None = None
    points: int = 0


def project(
    months: Sequence[dt.date],
    values: Sequence[float],
    target_date: dt.date,
    unit: str,
    at_month_end: bool = False,
) -> Projection:
    """Theil–Sen projection of a monthly series to ``target_date`` (see the module docstring).

    ``months`` are first days of months; each value sits mid-month (``at_month_end``: at the end of
    the month, for stocks such as the backlog). Only the last 24 values are used, and at least 12
    are required, else the projection is empty.
    """
    pairs = [(m, v) for m, v in zip(months, values, strict=True) if v is not None and not math.isnan(v)][
        -MAX_POINTS:
    ]
    if len(pairs) < MIN_POINTS:
        return Projection(points=len(pairs))
    x = np.array([month_position(m) + (1.0 if at_month_end else 0.5) for m, _ in pairs])
    y = np.array([v for _, v in pairs], float)
    slope, intercept, lo_slope, hi_slope = theil_sen(y, x)
    xt = month_position(target_date + dt.timedelta(days=1))  # the end of the target day
    x_med, y_med = float(np.median(x)), float(np.median(y))
    ends = sorted((y_med + lo_slope * (xt - x_med), y_med + hi_slope * (xt - x_med)))
    lo, hi = BOUNDS.get(unit, (-math.inf, math.inf))

    def clip(v: float) -> float:
        return float(min(max(v, lo), hi))

    return Projection(clip(intercept + slope * xt), clip(ends[0]), clip(ends[1]), float(slope), len(pairs))


def _tied_group_sizes(values: np.ndarray) -> np.ndarray:
    """Sizes of the groups of equal values that hold at least two values."""
    ordered = np.sort(values)
    change = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    sizes = np.diff(np.concatenate((*np.nonzero(change), [ordered.size])))
    return sizes[sizes > 1]


def theil_sen(y: np.ndarray, x: np.ndarray, alpha: float = 0.95) -> tuple[float, float, float, float]:
    """Theil–Sen slope, intercept and the slope's distribution-free interval (Sen 1968, eq. 2.6):
    the computation of scipy's ``stats.theilslopes`` (method "separate"), without importing scipy.stats."""
    deltax = x[:, np.newaxis] - x
    deltay = y[:, np.newaxis] - y
    slopes = np.sort(deltay[deltax > 0] / deltax[deltax > 0])
    slope = np.median(slopes)
    intercept = np.median(y) - slope * np.median(x)
    z = NormalDist().inv_cdf((1.0 - alpha if alpha > 0.5 else alpha) / 2.0)
    ties = sum(int(k) * (int(k) - 1) * (2 * int(k) + 5) for v in (x, y) for k in _tied_group_sizes(v))
    n = len(y)
    sigma = np.sqrt(1 / 18.0 * (n * (n - 1) * (2 * n + 5) - ties))
    upper = min(int(np.round((len(slopes) - z * sigma) / 2.0)), len(slopes) - 1)
    lower = max(int(np.round((len(slopes) + z * sigma) / 2.0)) - 1, 0)
    return float(slope), float(intercept), float(slopes[lower]), float(slopes[upper])
