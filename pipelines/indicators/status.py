"""An indicator against its plan: trajectory, expected value, progress and status.

- Trajectory: the baseline value at the end of the baseline period, then the milestones, then the
  target at its date, joined by straight lines (by calendar day); flat before the first point and
  after the target.
- The trajectory is the one in force at the end of the evaluated period: the latest revision of
  the target dated on or before it, else the original one (``pipelines.plan.in_force``, applied by
  ``evaluate.assess`` before anything below is computed).
- ``expected_now``: the trajectory read at the end of the evaluated period.
- ``progress_pct`` = 100 × (value − baseline) ÷ (target − baseline), capped to 0–100. It is
  direction-aware through the signs (a delay falling towards a lower target progresses). When the
  baseline already meets the target, progress is 100 if the value still meets it, else 0.
- Status, in order: ``insufficient_data`` when there is no value, no trajectory (baseline not
  computable) or n < the indicator's minimum sample; ``on_track`` when the value meets
  ``expected_now`` in the indicator's direction; ``at_risk`` when it does not but the 95 % interval
  reaches it, or the trend projection reaches the target by the target date; ``off_track`` otherwise.
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
    "de référence) aux jalons puis à la cible, en ligne droite entre deux dates. « Données insuffisantes » : "
    "l'effectif de la période est inférieur au minimum fixé dans le plan, ou la référence n'est pas connue. "
    "« En bonne voie » : la valeur atteint la trajectoire attendue à la fin de la période (au moins égale pour un "
    "indicateur à la hausse, au plus égale pour un indicateur à la baisse). « À surveiller » : la valeur n'atteint "
    "pas la trajectoire, mais son intervalle de confiance à 95 % la contient (l'écart peut tenir au hasard de "
    "l'échantillon), ou la tendance des derniers mois, prolongée, atteint la cible à sa date. « En retard » : ni "
    "l'un ni l'autre."
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


def classify(
    ind: Indicator,
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    n: int,
    expected: float | None,
    projection: float | None,
    when: dt.date,
) -> tuple[str, str]:
    """(status, French reason) at the end of the period ``when``."""
    unit = ind.unit
    if value is None or n < ind.min_sample:
        return (
            "insufficient_data",
            f"Effectif de {n} sur la période, sous le minimum de {ind.min_sample} fixé par le plan.",
        )
    if expected is None:
        return (
            "insufficient_data",
            "La valeur de référence n'a pas pu être calculée (pas de données sur la période de référence) : saisissez-la dans le plan.",
        )
    shown = f"{fmt_value(value, unit, sentence=True)} pour {fmt_value(expected, unit, sentence=True)} attendus au {fmt_date(when)}"
    if meets(value, expected, ind.direction):
        return "on_track", f"Valeur de {shown}."
    bound = ci_high if ind.direction == "increase" else ci_low
    if bound is not None and meets(bound, expected, ind.direction):
        return (
            "at_risk",
            f"Valeur de {shown}, mais l'intervalle de confiance à 95 % contient la valeur attendue.",
        )
    if projection is not None and meets(projection, ind.target_value, ind.direction):
        return "at_risk", (
            f"Valeur de {shown}, mais la tendance récente atteint la cible ({fmt_value(projection, unit, sentence=True)} projetés "
            f"au {fmt_date(ind.target_date)} pour une cible de {fmt_value(ind.target_value, unit, sentence=True)})."
        )
    return (
        "off_track",
        f"Valeur de {shown} ; ni l'intervalle de confiance ni la tendance récente n'atteignent la trajectoire.",
    )
