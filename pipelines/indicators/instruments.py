"""Survey instruments (questionnaires): their codes and French names, and the notes of an indicator
that pools several of them or whose baseline and evaluated periods used different ones (issue 17).

A 3-point scale and a 1–5 scale are different instruments, even once both are brought to 10: the
share of « satisfied » answers of a 3-point question (only Très bien counts, 10/10) is not the share
of 4s and 5s on 1–5. Each complete response keeps its scale (``scale_min``, ``scale_max`` in
``survey_responses``), and ``mart_survey_monthly`` groups them by instrument code:

- ``3pts``: « Je donne mon avis » (Très bien / Moyen / Pas bien = 10 / 5 / 0, the Observatoire);
- ``<min>-<max>``: a declared scale, ``1-5``, ``0-10``…;
- ``sur10``: a score given on 10 without a declared scale.

A plan scopes an indicator to one instrument with ``instrument = "1-5"``.
"""

from __future__ import annotations

import re

import duckdb

from pipelines.plan import Indicator

FRAGILE = "comparaison fragile : questionnaire différent"


def label(code: str | None) -> str:
    """French name of an instrument code."""
    if code == "3pts":
        return "3 points (10/5/0)"
    if code == "sur10" or code is None:
        return "note sur 10 (échelle non précisée)"
    m = re.fullmatch(r"(\d+)-(\d+)", code)
    return f"échelle {m[1]}–{m[2]}" if m else code


def present(con: duckdb.DuckDBPyConnection, ind: Indicator, period, filters) -> list[str]:
    """Instrument codes of the complete responses in the period on the indicator's scope, most answered first."""
    from pipelines.indicators.query import instruments_param, scope_params

    if period.start >= period.stop:
        return []
    rows = con.execute(
        "select instrument, sum(responses) as n from mart_survey_monthly "
        "where month >= ?::date and month < ?::date and kpi_in_scope(?, service) and kpi_in_scope(?, channel) "
        "and kpi_in_scope(?, commune) and kpi_in_scope(?, age_band) and kpi_in_scope(?, instrument) "
        "group by all having sum(responses) > 0 order by n desc, instrument",
        [period.start, period.stop, *scope_params(ind, filters), instruments_param(ind)],
    ).fetchall()
    return [r[0] for r in rows]


def assess(current: list[str], baseline: list[str] | None) -> dict:
    """``pooled`` (several instruments in the evaluated period), ``differs`` (the baseline's set is
    not the evaluated period's; None for a baseline typed in the plan) and the French note."""
    pooled = len(current) > 1
    differs = baseline is not None and bool(current) and bool(baseline) and set(current) != set(baseline)
    notes = []
    if pooled:
        notes.append("questionnaires mélangés sur la période (" + ", ".join(label(c) for c in current) + ")")
    if differs:
        notes.append(
            "questionnaire différent entre la référence ("
            + ", ".join(label(c) for c in baseline)
            + ") et la période évaluée ("
            + ", ".join(label(c) for c in current)
            + ")"
        )
    note = ("Comparaison fragile : " + " ; ".join(notes) + ".") if notes else None
    return {
        "instruments": current,
        "instrument_labels": [label(c) for c in current],
        "baseline_instruments": baseline,
        "instruments_pooled": pooled,
        "instruments_differ": differs,
        "instrument_note": note,
    }


def survey_notes(con, ind: Indicator, period, bperiod, filters) -> dict:
    """:func:`assess` for a survey indicator (baseline instruments only when it is computed)."""
    current = present(con, ind, period, filters)
    baseline = present(con, ind, bperiod, filters) if ind.baseline_value is None else None
    return assess(current, baseline)


def quality(notes: dict | None, base: dict) -> dict:
    """The dataset's quality entry, with ``instrument_note`` when the comparison is fragile (a copy:
    the entry is shared by the dataset's indicators)."""
    return (
        base | {"instrument_note": notes["instrument_note"]} if notes and notes["instrument_note"] else base
    )


def details(notes: dict | None) -> dict:
    """The ``details`` keys: the instruments of each period and whether they are pooled or differ."""
    return dict(notes) if notes else {}


def mark_change(notes: dict | None, change: dict | None) -> dict | None:
    """The change sentence ends with « comparaison fragile : questionnaire différent » when it is."""
    if not change or not notes or not (notes["instruments_pooled"] or notes["instruments_differ"]):
        return change
    sentence = change.get("sentence") or ""
    if FRAGILE in sentence:
        return change
    return change | {"sentence": f"{sentence.rstrip().rstrip('.')} ; {FRAGILE}."}
