"""Maturity waves compared, and the gap between elected officials and agents (Python over the warehouse).

Both read the respondents' theme scores as ``kpi_maturity`` computes them (a respondent's theme
score = mean of the levels they gave to the theme's items, « ne sait pas » left out) and test over
respondents with Welch's t test (unequal variances):

- :func:`compare_waves` — per theme × group (``all`` = every group pooled): score at the first
  and at the second wave, difference, p-value, ``significant`` at 5 %, and a French sentence
  (« Inclusion numérique : 1,8 → 2,6 sur 5 entre la vague du 15/02/2024 et celle du 15/06/2026
  (+0,8 ; différence significative, p = 0,010) »). Below the referential's ``min_respondents`` on
  either side, no test: the sentence says so.
- :func:`group_gaps` — per theme at one wave: élus score, agents score, gap (élus − agents) with
  Welch's 95 % interval of the difference (t quantile at Welch–Satterthwaite's df), n each, sentence.
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import polars as pl

from pipelines.french import NBSP, fmt_date, fmt_number, fmt_p
from pipelines.indicators.stats import welch

ALPHA = 0.05
SCALE_MAX = 5
RESPONDENT_SCORES = """
select a.wave, i.theme, a.respondent_group, a.respondent_key, avg(a.level) as score
from maturity_answers as a
join maturity_items as i using (item)
where a.level is not null
group by all
"""


def respondent_scores(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per wave × theme × group × respondent: the respondent's theme score."""
    rows = con.execute(RESPONDENT_SCORES).fetchall()
    schema = {
        "wave": pl.Date,
        "theme": pl.String,
        "respondent_group": pl.String,
        "respondent_key": pl.String,
        "score": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def waves(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """The waves present in ``maturity_answers``, oldest first."""
    return [r[0] for r in con.execute("select distinct wave from maturity_answers order by wave").fetchall()]


def _themes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    return con.execute("select theme, label, min_respondents from maturity_themes order by theme").fetchall()


def _summary(values: list[float]) -> tuple[float | None, float | None, int]:
    """(mean, sd, n), the values sorted first: the same respondents give the same bits in any order."""
    values = sorted(values)
    n = len(values)
    if n == 0:
        return None, None, 0
    mean = float(np.mean(values))
    sd = float(np.std(values, ddof=1)) if n > 1 else None
    return mean, sd, n


def welch_interval(
    mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int, level: float = 0.95
) -> tuple[float, float, float] | None:
    """(low, high, df) of Welch's interval of mean1 − mean2; None under 2 values a side."""
    if n1 < 2 or n2 < 2:
        return None
    from scipy.special import stdtrit

    vn1, vn2 = sd1**2 / n1, sd2**2 / n2
    se = math.sqrt(vn1 + vn2)
    diff = mean1 - mean2
    if se == 0:
        return diff, diff, float("inf")
    df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
    t = float(stdtrit(df, 1 - (1 - level) / 2))
    return diff - t * se, diff + t * se, df


def _signed(x: float) -> str:
    text = fmt_number(x, 1, sentence=True)
    return text if text.startswith("-") else f"+{text}"


def _few(n: int, minimum: int) -> str:
    return f"{n} répondant{'s' if n > 1 else ''}"


def compare_waves(
    con: duckdb.DuckDBPyConnection, before: dt.date | None = None, after: dt.date | None = None
) -> pl.DataFrame:
    """Per theme × group (``all`` included): the two waves' scores, difference, Welch p-value,
    ``significant`` (p < 5 %), ``tested`` and a French sentence. Default waves: the first and the
    last; an empty frame when fewer than two waves exist (or ``before`` = ``after``)."""
    present = waves(con)
    before = before or (present[0] if present else None)
    after = after or (present[-1] if present else None)
    columns = {
        "theme": pl.String,
        "label": pl.String,
        "group": pl.String,
        "wave_before": pl.Date,
        "wave_after": pl.Date,
        "score_before": pl.Float64,
        "score_after": pl.Float64,
        "n_before": pl.Int64,
        "n_after": pl.Int64,
        "difference": pl.Float64,
        "p_value": pl.Float64,
        "significant": pl.Boolean,
        "tested": pl.Boolean,
        "sentence": pl.String,
    }
    if before is None or after is None or before == after:
        return pl.DataFrame(schema=columns)
    scores = respondent_scores(con)
    rows = []
    for theme, label, minimum in _themes(con):
        of_theme = scores.filter(pl.col("theme") == theme)
        groups = sorted(of_theme["respondent_group"].unique().to_list())
        for group in ["all", *groups]:
            sel = of_theme if group == "all" else of_theme.filter(pl.col("respondent_group") == group)
            m1, s1, n1 = _summary(sel.filter(pl.col("wave") == before)["score"].to_list())
            m2, s2, n2 = _summary(sel.filter(pl.col("wave") == after)["score"].to_list())
            if n1 == 0 and n2 == 0:
                continue
            diff = m2 - m1 if n1 and n2 else None
            tested = n1 >= max(minimum, 2) and n2 >= max(minimum, 2)
            p = welch(m2, s2, n2, m1, s1, n1) if tested else None
            significant = None if p is None else p < ALPHA
            head = (
                f"{label} : {fmt_number(m1, 1, sentence=True)} → {fmt_number(m2, 1, sentence=True)} "
                f"sur {SCALE_MAX} entre la vague du {fmt_date(before)} et celle du {fmt_date(after)}"
            )
            if diff is None:
                sentence = (
                    f"{label} : pas de réponse à l'une des deux vagues ({fmt_date(before)}, {fmt_date(after)}),"
                    " pas de comparaison."
                )
            elif p is None:
                sentence = (
                    f"{head} ({_signed(diff)} ; trop peu de répondants pour un test : {_few(n1, minimum)} puis "
                    f"{_few(n2, minimum)}, {minimum} au moins par vague)"
                )
            elif significant:
                sentence = f"{head} ({_signed(diff)} ; différence significative, {fmt_p(p)})"
            else:
                sentence = f"{head} ({_signed(diff)} ; pas de différence établie, {fmt_p(p)})"
            rows.append(
                {
                    "theme": theme,
                    "label": label,
                    "group": group,
                    "wave_before": before,
                    "wave_after": after,
                    "score_before": m1,
                    "score_after": m2,
                    "n_before": n1,
                    "n_after": n2,
                    "difference": diff,
                    "p_value": p,
                    "significant": significant,
                    "tested": tested,
                    "sentence": sentence,
                }
            )
    return pl.DataFrame(rows, schema=columns)


def group_gaps(con: duckdb.DuckDBPyConnection, wave: dt.date | None = None) -> pl.DataFrame:
    """Per theme at ``wave`` (default: the last): élus and agents scores, gap = élus − agents with
    Welch's 95 % interval, p-value, n each, and a French sentence. Below the referential's
    ``min_respondents`` on either side: no interval, said so."""
    present = waves(con)
    wave = wave or (present[-1] if present else None)
    columns = {
        "theme": pl.String,
        "label": pl.String,
        "wave": pl.Date,
        "score_elu": pl.Float64,
        "score_agent": pl.Float64,
        "n_elu": pl.Int64,
        "n_agent": pl.Int64,
        "gap": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "df": pl.Float64,
        "p_value": pl.Float64,
        "significant": pl.Boolean,
        "sentence": pl.String,
    }
    if wave is None:
        return pl.DataFrame(schema=columns)
    scores = respondent_scores(con).filter(pl.col("wave") == wave)
    rows = []
    for theme, label, minimum in _themes(con):
        sel = scores.filter(pl.col("theme") == theme)
        me, se_, ne = _summary(sel.filter(pl.col("respondent_group") == "elu")["score"].to_list())
        ma, sa, na = _summary(sel.filter(pl.col("respondent_group") == "agent")["score"].to_list())
        if ne == 0 and na == 0:
            continue
        gap = me - ma if ne and na else None
        enough = ne >= max(minimum, 2) and na >= max(minimum, 2)
        interval = welch_interval(me, se_, ne, ma, sa, na) if enough else None
        p = welch(me, se_, ne, ma, sa, na) if enough else None
        low, high, df = interval if interval else (None, None, None)
        if gap is None:
            sentence = (
                f"{label} : pas de réponse d'élus ou pas de réponse d'agents à la vague du {fmt_date(wave)}."
            )
        else:
            head = (
                f"{label} : élus {fmt_number(me, 1, sentence=True)}, agents {fmt_number(ma, 1, sentence=True)} "
                f"sur {SCALE_MAX} à la vague du {fmt_date(wave)} (écart {_signed(gap)}"
            )
            if interval is None:
                sentence = (
                    f"{head} ; trop peu de répondants pour un intervalle : {ne} élu{'s' if ne > 1 else ''}, "
                    f"{na} agent{'s' if na > 1 else ''}, {minimum} au moins par groupe)"
                )
            else:
                verdict = "écart établi" if p is not None and p < ALPHA else "pas d'écart établi"
                sentence = (
                    f"{head}, intervalle à 95{NBSP}% de {fmt_number(low, 1, sentence=True)} à "
                    f"{fmt_number(high, 1, sentence=True)} ; {verdict}, {fmt_p(p)})"
                )
        rows.append(
            {
                "theme": theme,
                "label": label,
                "wave": wave,
                "score_elu": me,
                "score_agent": ma,
                "n_elu": ne,
                "n_agent": na,
                "gap": gap,
                "ci_low": low,
                "ci_high": high,
                "df": df,
                "p_value": p,
                "significant": None if p is None else p < ALPHA,
                "sentence": sentence,
            }
        )
    return pl.DataFrame(rows, schema=columns)
