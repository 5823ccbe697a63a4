"""An indicator against its plan: trajectory, expected value, progress and status.

- Trajectory: the baseline value at the end of the baseline period, then the milestones, then the
  target at its date, joined by straight lines (by calendar day); flat before the first point and
  after the target.
- The trajectory is the one in force at the end of the evaluated period: the latest revision of
  the target dated on or before it, else the original one (``pipelines.plan.in_force``, applied by
  ``evaluate.assess`` before anything below is computed).
- ``expected_now``: the trajectory read at the end of the evaluated period (shown on the chart).
- ``expected_period``: the trajectory averaged, day by day, over the months of the evaluated period
  that have data (``edges.average_expected``). The headline value aggregates 12 months, so the status
  compares it with this average, not with ``expected_now``.
- ``progress_pct`` = 100 × (value − baseline) ÷ (target − baseline), capped to 0–100. It is
  direction-aware through the signs (a delay falling towards a lower target progresses). When the
  baseline already meets the target, progress is 100 if the value still meets it, else 0.
- Status, in order: ``insufficient_data`` when there is no value, no trajectory (baseline not
  computable) or n < the indicator's minimum sample; ``on_track`` when the value meets the expected
  value (``expected_period``) in the indicator's direction; ``at_risk`` when it does not but the 95 %
  interval reaches it, or when the trend projection reaches the target by the target date *with its
  whole 95 % band* (the band's unfavourable end meets the target: the point alone is not enough, and
  a projection without a band rescues nothing); ``off_track`` otherwise — except on a partial window
  (fewer months with data than the period counts), where ``off_track`` becomes ``insufficient_data``:
  no indicator is called late on months it has no data for. Every reason quotes the projection and
  its band when there is one.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from pipelines.french import fmt_date, fmt_value
from pipelines.plan import Indicator

STATUS_LABELS = {
    "on_track": "en bonne voie",
    "at_risk": "à surveiller",
    "off_track": "en retard",
    "insufficient_data": "données insuffisantes",
}
STATUS_RULE = (
    "Chaque indicateur est comparé à la trajectoire du plan : de la valeur de référence (à la fin de la période "
    "de référence) aux jalons puis à la cible, en ligne droite entre deux dates. La valeur porte sur 12 mois : "
    "elle est comparée à la moyenne de la trajectoire sur ces mêmes mois (jour par jour, sur les mois qui ont "
    "des données), pas à sa valeur du dernier jour. "
    "« Données insuffisantes » : l'effectif de la période est inférieur au minimum fixé dans le plan, la "
    "référence n'est pas connue, ou la période est incomplète (des mois sans données, par exemple une date "
    "d'évaluation au-delà des données) et la valeur n'atteint pas la trajectoire : aucun indicateur n'est dit en "
    "retard sur des mois sans données. "
    "« En bonne voie » : la valeur atteint la trajectoire moyenne attendue sur la période (au moins égale pour un "
    "indicateur à la hausse, au plus égale pour un indicateur à la baisse). « À surveiller » : la valeur "
    "n'atteint pas la trajectoire, mais son intervalle de confiance à 95 % la contient (l'écart peut tenir au "
    "hasard), ou la tendance des 12 à 24 derniers mois, prolongée jusqu'à la date de la cible, l'atteint avec "
    "toute sa fourchette à 95 % (le point projeté seul ne suffit pas). « En retard » : ni l'un ni l'autre, sur "
    "une période complète. Le motif de chaque statut cite la projection et sa fourchette."
)
KINDS = ("référence", "jalon", "cible")
_EPS = 1e-12


def trajectory_points(ind: Indicator, baseline_value: float | None) -> list[tuple[dt.date, float, str]]:
    """(date, expected value, kind) from the baseline through the milestones to the target."""
    points = [(ind.baseline_end, baseline_value, KINDS[0])] if baseline_value is not None else []
    points += [(m.date, m.value, KINDS[1]) for m in ind.milestones]
    points.append((ind.target_date, ind.target_value, KINDS[2]))
    return points


def expected_at(ind: Indicator, baseline_value: float | None, when: dt.date) -> float | None:
    """The trajectory read at ``when`` (None before the first point when the baseline is unknown)."""
    points = trajectory_points(ind, baseline_value)
    if when <= points[0][0]:
        return points[0][1] if baseline_value is not None else None
    for (d0, v0, _), (d1, v1, _) in pairwise(points):
        if when <= d1:
            return v0 + (v1 - v0) * (when - d0).days / (d1 - d0).days
    return points[-1][1]


def meets(value: float, reference: float, direction: str) -> bool:
    """True when ``value`` is at least as good as ``reference`` in the indicator's direction."""
    return value >= reference - _EPS if direction == "increase" else value <= reference + _EPS


def progress_pct(value: float | None, baseline: float | None, target: float, direction: str) -> float | None:
    """100 × (value − baseline) ÷ (target − baseline), capped to 0–100 (see the module docstring)."""
    if value is None or baseline is None:
        return None
    if abs(target - baseline) < _EPS or meets(baseline, target, direction):
        return 100.0 if meets(value, target, direction) else 0.0
    return max(0.0, min(100.0, 100.0 * (value - baseline) / (target - baseline)))


def _trend_words(ind: Indicator, projection: float | None, low: float | None, high: float | None) -> str:
    """« Tendance : 89,2 % projetés au 31/12/2028 (fourchette à 95 % : 80,6 % à 97,4 %), pour une cible de 85,0 %. »"""
    if projection is None:
        return ""
    unit = ind.unit
    band = (
        f" (fourchette à 95 % : {fmt_value(low, unit, sentence=True)} à {fmt_value(high, unit, sentence=True)})"
        if low is not None and high is not None
        else " (sans fourchette)"
    )
    return (
        f" Tendance : {fmt_value(projection, unit, sentence=True)} projetés au {fmt_date(ind.target_date)}{band}, "
        f"pour une cible de {fmt_value(ind.target_value, unit, sentence=True)}."
    )


def band_reaches_target(ind: Indicator, low: float | None, high: float | None) -> bool:
    """True when the whole 95 % band of the projection meets the target (its unfavourable end does)."""
    worst = low if ind.direction == "increase" else high
    return worst is not None and meets(worst, ind.target_value, ind.direction)


def classify(
    ind: Indicator,
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    n: int,
    expected: float | None,
    projection: float | None,
    when: dt.date,
    *,
    projection_low: float | None = None,
    projection_high: float | None = None,
    months_with_data: int | None = None,
    months_in_period: int | None = None,
    expected_words: str | None = None,
) -> tuple[str, str]:
    """(status, French reason) at the end of the period ``when``, ``expected`` being the trajectory
    averaged over the period (see the module docstring; ``expected_words`` says so in the reason,
    default « au <when> »)."""
    unit = ind.unit
    partial = (
        months_in_period is not None and months_with_data is not None and months_with_data < months_in_period
    )
    window = f"Données sur {months_with_data} des {months_in_period} mois de la période. " if partial else ""
    if value is None or n < ind.min_sample:
        return (
            "insufficient_data",
            f"{window}Effectif de {n} sur la période, sous le minimum de {ind.min_sample} fixé par le plan.",
        )
    if expected is None:
        return (
            "insufficient_data",
            "La valeur de référence n'a pas pu être calculée (pas de données sur la période de référence) : saisissez-la dans le plan.",
        )
    trend = _trend_words(ind, projection, projection_low, projection_high)
    words = expected_words or f"au {fmt_date(when)}"
    shown = f"{fmt_value(value, unit, sentence=True)} pour {fmt_value(expected, unit, sentence=True)} attendus {words}"
    if meets(value, expected, ind.direction):
        return "on_track", f"{window}Valeur de {shown}.{trend}"
    bound = ci_high if ind.direction == "increase" else ci_low
    if bound is not None and meets(bound, expected, ind.direction):
        return (
            "at_risk",
            f"{window}Valeur de {shown}, mais l'intervalle de confiance à 95 % contient la valeur attendue.{trend}",
        )
    if projection is not None and band_reaches_target(ind, projection_low, projection_high):
        return "at_risk", (
            f"{window}Valeur de {shown}, mais la tendance récente atteint la cible avec toute sa fourchette à 95 %.{trend}"
        )
    if partial:
        return "insufficient_data", (
            f"{window}Valeur de {shown} : pas de verdict « en retard » sur une période incomplète.{trend}"
        )
    if projection is not None and meets(projection, ind.target_value, ind.direction):
        return "off_track", (
            f"Valeur de {shown} ; l'intervalle de confiance n'atteint pas la trajectoire, et la tendance récente "
            f"n'atteint la cible que par son point projeté, pas avec toute sa fourchette à 95 %.{trend}"
        )
    return (
        "off_track",
        f"Valeur de {shown} ; ni l'intervalle de confiance ni la tendance récente n'atteignent la trajectoire.{trend}",
    )
