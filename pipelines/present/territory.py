"""The territory view's computations (no Streamlit, no chart): the members × indicators status table,
the funnel plot's control limits and each member's judgement in words, the peer-group filter and the
members list.

Input: the consolidated warehouse's ``territory_members`` and ``territory_results`` tables as Polars
frames (the contract of issue 16). A member is compared with the pooled value p0 of the WHOLE territory,
within control limits p0 ± z·√(p0(1−p0)/n) (z = 1,959964 for 95 %, 3,090232 for 99,8 %, clipped to
[0, 1]): the smaller the sample, the wider the limits, so that a small commune is never called the
« worst » for being small. A member below the indicator's minimum sample is shown as such, never judged.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from pipelines.french import NBSP_WIDE, fmt_date, fmt_datetime, fmt_int, fmt_value
from pipelines.plan import RATE_MEASURES
from pipelines.present.status_words import STATUSES, status_text

Z95 = 1.959964  # two-sided 95 %
Z998 = 3.090232  # two-sided 99.8 %
LIMITS = (("95", Z95, f"95{NBSP_WIDE}%"), ("998", Z998, f"99,8{NBSP_WIDE}%"))  # key, z, French level
POOLED_LABEL = "Ensemble du territoire"
ALL_MEMBERS = "Tous les membres"
MEMBER = "Membre"


def control_limits(p0: float, n: float, z: float) -> tuple[float, float]:
    """The funnel's limits around ``p0`` for a sample of ``n``: p0 ± z·√(p0(1−p0)/n), clipped to [0, 1]."""
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return max(0.0, p0 - half), min(1.0, p0 + half)


# ---------------------------------------------------------------------------- judgement


@dataclass(frozen=True)
class Judgement:
    """Where a member stands in the funnel: ``key`` (within, above_95, above_998, below_95, below_998,
    insufficient, not_computed), ``side`` (within, above, below, none), the words (« au-dessus des
    limites à 95 % »), and the reading for the indicator's direction (« plutôt mieux que… »)."""

    key: str
    side: str
    words: str
    reading: str

    @property
    def judged(self) -> bool:
        return self.side != "none"

    @property
    def text(self) -> str:
        """Words and reading in one phrase, for tables and tooltips."""
        return f"{self.words} : {self.reading}" if self.reading else self.words


def insufficient_words(n: int | None, min_sample: int | None) -> str:
    """``échantillon insuffisant (n = 12 < 30)``."""
    return f"échantillon insuffisant (n = {fmt_int(n or 0)} < {fmt_int(min_sample or 0)})"


def _better(side: str, direction: str) -> bool:
    return (side == "above") == (direction != "decrease")


def judge(
    value: float | None,
    n: int | None,
    p0: float | None,
    *,
    min_sample: int | None,
    below_min: bool | None = None,
    direction: str = "increase",
) -> Judgement:
    """A member's place against the pooled value ``p0``: below the minimum sample it is not judged; else
    outside the 99,8 % limits, outside the 95 % limits, or within them (a value on a limit is within).
    ``direction`` (``increase``: higher is better, ``decrease``: lower is better) words the reading."""
    if below_min is None:
        below_min = n is not None and min_sample is not None and n < min_sample
    if value is None or not n or p0 is None:
        return Judgement("not_computed", "none", "non calculé", "")
    if below_min:
        return Judgement("insufficient", "none", insufficient_words(n, min_sample), "non comparé")
    for key, z, level in reversed(LIMITS):  # the wider limits first
        low, high = control_limits(p0, n, z)
        if value > high or value < low:
            side = "above" if value > high else "below"
            strength = "nettement" if key == "998" else "plutôt"
            quality = "mieux" if _better(side, direction) else "moins bien"
            place = "au-dessus" if side == "above" else "au-dessous"
            return Judgement(
                f"{side}_{key}",
                side,
                f"{place} des limites à {level}",
                f"{strength} {quality} que l'ensemble du territoire",
            )
    return Judgement("within", "within", "dans les limites", "écart explicable par le hasard")


def legend_label(j: Judgement, direction: str) -> str:
    """The chart's legend category of a judgement (the same few words for every indicator)."""
    if j.side == "within":
        return "Dans les limites"
    if j.side in ("above", "below"):
        place = "Au-dessus" if j.side == "above" else "Au-dessous"
        return f"{place} des limites ({'mieux' if _better(j.side, direction) else 'moins bien'})"
    return "Échantillon insuffisant (non comparé)" if j.key == "insufficient" else "Non calculé"


# ---------------------------------------------------------------------------- the frames


def by_name(members: pl.DataFrame) -> pl.DataFrame:
    """The members in French alphabetical order (« Écrille » among the E, not after the Z)."""
    key = [_sort_key(name or "") for name in members["name"].to_list()]
    return members.with_columns(pl.Series("_key", key, dtype=pl.String)).sort("_key").drop("_key")


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _cap(text: str | None) -> str | None:
    return None if text is None else text[:1].upper() + text[1:]


def peer_groups(members: pl.DataFrame) -> list[str]:
    """The members' peer groups, sorted, each once."""
    return sorted({g for g in members["peer_group"].to_list() if g})


def members_in(members: pl.DataFrame, peer_group: str | None = None) -> pl.DataFrame:
    """The members of ``peer_group`` (all of them when None or « Tous les membres »)."""
    if not peer_group or peer_group == ALL_MEMBERS:
        return members
    return members.filter(pl.col("peer_group") == peer_group)


def indicator_order(results: pl.DataFrame, order: Sequence[str] = ()) -> list[dict]:
    """The indicators of the consolidation (their pooled rows, else their first member row), in the
    plan's order (``order``: indicator ids), the others after them by id."""
    rows: dict[str, dict] = {}
    for r in results.sort(pl.col("scope") != "pooled").iter_rows(named=True):
        rows.setdefault(r["indicator_id"], r)
    rank = {ind_id: i for i, ind_id in enumerate(order)}
    ids = sorted(rows, key=lambda i: (rank.get(i, len(rank)), i))
    return [rows[i] for i in ids]


def pooled_row(results: pl.DataFrame, indicator_id: str) -> dict | None:
    found = results.filter((pl.col("scope") == "pooled") & (pl.col("indicator_id") == indicator_id))
    return found.row(0, named=True) if found.height else None


def _below_min(r: dict) -> bool:
    if r.get("below_min_sample") is not None:
        return bool(r["below_min_sample"])
    return r.get("n") is not None and r.get("min_sample") is not None and r["n"] < r["min_sample"]


def status_cell(r: dict | None) -> str:
    """One cell of the members × indicators table: status icon and words, value and n (``✔ En bonne voie ·
    65,0 % (n = 2 000)``); below the minimum sample only the sample (``? échantillon insuffisant (n = 12 <
    30)``), never a status; without value, the reason."""
    if r is None:
        return "– non calculé"
    if r.get("value") is None:
        return f"– {r.get('note') or 'non calculé'}"
    if _below_min(r):
        return f"{STATUSES['insufficient_data'].symbol} {insufficient_words(r.get('n'), r.get('min_sample'))}"
    return f"{status_text(r)} · {fmt_value(r['value'], r['unit'])} (n = {fmt_int(r.get('n'))})"


def status_table(
    results: pl.DataFrame, members: pl.DataFrame, *, order: Sequence[str] = (), peer_group: str | None = None
) -> pl.DataFrame:
    """Members × indicators: the pooled row « Ensemble du territoire » first, then the members (of the
    peer group, if one is chosen) by name; one column per indicator, cells by :func:`status_cell`."""
    indicators = indicator_order(results, order)
    shown = by_name(members_in(members, peer_group))
    by_key = {(r["authority"], r["indicator_id"]): r for r in results.iter_rows(named=True)}
    rows = [
        {
            MEMBER: POOLED_LABEL,
            **{i["label"]: status_cell(pooled_row(results, i["indicator_id"])) for i in indicators},
        }
    ]
    for m in shown.iter_rows(named=True):
        cells = {i["label"]: status_cell(by_key.get((m["authority"], i["indicator_id"]))) for i in indicators}
        rows.append({MEMBER: m["name"] or m["authority"], **cells})
    columns = [MEMBER, *(i["label"] for i in indicators)]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def rate_indicators(results: pl.DataFrame, order: Sequence[str] = ()) -> list[dict]:
    """The indicators that get a funnel plot: rates (values 0–1) with a pooled value."""
    return [
        i
        for i in indicator_order(results, order)
        if i["measure"] in RATE_MEASURES
        and (p := pooled_row(results, i["indicator_id"]))
        and p["value"] is not None
    ]


FUNNEL_SCHEMA = {
    "authority": pl.String,
    "name": pl.String,
    "peer_group": pl.String,
    "value": pl.Float64,
    "n": pl.Int64,
    "min_sample": pl.Int64,
    "judged": pl.Boolean,
    "key": pl.String,
    "side": pl.String,
    "words": pl.String,
    "reading": pl.String,
    "judgement": pl.String,
    "category": pl.String,
    "low95": pl.Float64,
    "high95": pl.Float64,
    "low998": pl.Float64,
    "high998": pl.Float64,
    "note": pl.String,
}


def funnel_points(
    results: pl.DataFrame, members: pl.DataFrame, indicator_id: str, *, peer_group: str | None = None
) -> pl.DataFrame:
    """One row per member (of the peer group) for the funnel of ``indicator_id``: value, n, its limits at
    its n around the territory's pooled value, its judgement in words and its legend category. Members
    without a value are kept (``judged`` false, ``key`` not_computed) for the table; the chart skips them."""
    pooled = pooled_row(results, indicator_id)
    p0 = None if pooled is None else pooled["value"]
    shown = members_in(members, peer_group)
    rows = []
    by_key = {
        r["authority"]: r
        for r in results.filter(
            (pl.col("scope") == "member") & (pl.col("indicator_id") == indicator_id)
        ).iter_rows(named=True)
    }
    for m in by_name(shown).iter_rows(named=True):
        r = by_key.get(m["authority"], {})
        value, n, direction = r.get("value"), r.get("n"), r.get("direction") or "increase"
        j = judge(
            value,
            n,
            p0,
            min_sample=r.get("min_sample"),
            below_min=r.get("below_min_sample"),
            direction=direction,
        )
        limits = {}
        for key, z, _ in LIMITS:
            low, high = control_limits(p0, n, z) if j.judged else (None, None)
            limits |= {f"low{key}": low, f"high{key}": high}
        rows.append(
            {
                "authority": m["authority"],
                "name": m["name"] or m["authority"],
                "peer_group": _cap(m["peer_group"]),
                "value": value,
                "n": n,
                "min_sample": r.get("min_sample"),
                "judged": j.judged,
                "key": j.key,
                "side": j.side,
                "words": j.words,
                "reading": j.reading,
                "judgement": j.text if j.key != "not_computed" else (r.get("note") or j.words),
                "category": legend_label(j, direction),
                **limits,
                "note": r.get("note"),
            }
        )
    return pl.DataFrame(rows, schema=FUNNEL_SCHEMA)


def funnel_curves(p0: float, n_values: Iterable[int | None], steps: int = 60) -> pl.DataFrame:
    """The control limits drawn as curves over n, from the smallest to the largest member n (n > 0),
    on a geometric grid (smooth on a logarithmic axis): columns n, limit (``95``/``998``), side
    (``low``/``high``), value."""
    ns = [n for n in n_values if n]
    schema = {"n": pl.Float64, "limit": pl.String, "side": pl.String, "value": pl.Float64}
    if not ns:
        return pl.DataFrame(schema=schema)
    lo, hi = min(ns), max(ns)
    grid = [lo] if lo == hi else [lo * (hi / lo) ** (i / steps) for i in range(steps + 1)]
    grid[-1] = hi
    rows = []
    for key, z, _ in LIMITS:
        for n in grid:
            low, high = control_limits(p0, n, z)
            rows += [
                {"n": float(n), "limit": key, "side": "low", "value": low},
                {"n": float(n), "limit": key, "side": "high", "value": high},
            ]
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------------------- members list


def _superseded(paths: list[str] | None) -> str:
    if not paths:
        return "—"
    return (
        f"{len(paths)} export{'s' if len(paths) > 1 else ''} plus ancien{'s' if len(paths) > 1 else ''} ignoré{'s' if len(paths) > 1 else ''} : "
        + " ; ".join(paths)
    )


def members_table(members: pl.DataFrame) -> pl.DataFrame:
    """The members list: name, kind, population, peer group, communes, export date, superseded exports."""
    columns = [
        "Membre",
        "Nature",
        "Population",
        "Groupe de pairs",
        "Communes",
        "Export du",
        "Exports ignorés",
    ]
    rows = [
        {
            "Membre": m["name"] or m["authority"],
            "Nature": _cap(m["kind"]) or "—",
            "Population": fmt_int(m["population"]) if m["population"] is not None else "inconnue",
            "Groupe de pairs": _cap(m["peer_group"]) or "—",
            "Communes": fmt_int(len(m["communes"] or [])),
            "Export du": fmt_datetime(m["exported_at"]),
            "Exports ignorés": _superseded(m["superseded"]),
        }
        for m in by_name(members).iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def consolidation_sentence(meta: dict, members: int) -> str:
    """``Consolidation au 30/11/2026 de 5 membres (moteur DuckDB).``"""
    engine = {"duckdb": "DuckDB", "spark": "Apache Spark"}.get(
        meta.get("engine") or "", meta.get("engine") or ""
    )
    text = f"Consolidation au {fmt_date(meta.get('as_of'))} de {fmt_int(members)} membre{'s' if members > 1 else ''}"
    return text + (f" (moteur {engine})." if engine else ".")
