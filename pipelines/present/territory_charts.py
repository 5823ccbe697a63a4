"""The territory view's funnel plot (Altair): each member's rate against its sample size n, the pooled
value of the whole territory as a line, the 95 % and 99,8 % control limits as curves; members below the
minimum sample drawn hollow in grey and never judged. Returned as a :class:`~pipelines.present.charts.Figure`
(chart, one French sentence, the table behind it). The numbers come from :mod:`pipelines.present.territory`.
"""

from __future__ import annotations

import polars as pl

from pipelines.french import NBSP_WIDE, fmt_int, fmt_interval, fmt_value
from pipelines.present.charts import EXPECTED, GREY, INK, Figure, finish, number_format
from pipelines.present.palette import OKABE_ITO, TEXT_VERMILLION
from pipelines.present.territory import LIMITS, POOLED_LABEL

LIMIT_TITLES = {key: f"Limites à {level}" for key, _, level in LIMITS}
GUIDE_COLORS = {POOLED_LABEL: EXPECTED, LIMIT_TITLES["95"]: OKABE_ITO["blue"], LIMIT_TITLES["998"]: "#5A5A5A"}
GUIDE_DASHES = {POOLED_LABEL: [1, 0], LIMIT_TITLES["95"]: [6, 3], LIMIT_TITLES["998"]: [2, 2]}
CATEGORY_LOOKS = {  # legend category → (colour, shape); colours never alone: the shape tells the side
    "Dans les limites": (OKABE_ITO["blue"], "circle"),
    "Au-dessus des limites (mieux)": (OKABE_ITO["bluish_green"], "triangle-up"),
    "Au-dessus des limites (moins bien)": (TEXT_VERMILLION, "triangle-up"),
    "Au-dessous des limites (mieux)": (OKABE_ITO["bluish_green"], "triangle-down"),
    "Au-dessous des limites (moins bien)": (TEXT_VERMILLION, "triangle-down"),
    "Échantillon insuffisant (non comparé)": (GREY, "circle"),
}
JUDGED = {c for c in CATEGORY_LOOKS if not c.startswith("Échantillon")}
LOG_RATIO = 10  # a logarithmic n axis when the largest member n is at least 10 times the smallest
MAX_LABELS = 25  # members named beside their point up to this many (a département's communes would overlap)
EXPLANATION = (
    "Plus l'échantillon est petit, plus sa valeur varie par le seul hasard : les limites s'écartent quand n "
    "diminue. Une petite commune n'est donc pas la « dernière » parce qu'elle est petite : seul un point hors des "
    f"limites signale un écart que le hasard explique mal (hors des limites à 95{NBSP_WIDE}% : une chance sur 20 "
    f"par le seul hasard ; à 99,8{NBSP_WIDE}% : une sur 500). Les membres sous l'effectif minimum, en gris et "
    "creux, ne sont pas comparés."
)


def funnel_summary(
    points: pl.DataFrame, *, label: str, unit: str, p0: float, group: str | None = None
) -> str:
    """One sentence: how many members compared with the territory's value, how many outside, how many
    not compared."""
    counts = {side: points.filter(pl.col("side") == side).height for side in ("within", "above", "below")}
    judged = sum(counts.values())
    small = points.filter(pl.col("key") == "insufficient").height
    who = f"les membres du groupe « {group} »" if group else "les membres"
    text = (
        f"{label} : {who} comparés à la valeur de l'ensemble du territoire ({fmt_value(p0, unit, sentence=True)}) ; "
        f"{fmt_int(counts['within'])} sur {fmt_int(judged)} dans les limites, {fmt_int(counts['above'])} au-dessus, "
        f"{fmt_int(counts['below'])} au-dessous"
    )
    if small:
        text += f" ; {fmt_int(small)} sous l'effectif minimum, non comparé{'s' if small > 1 else ''}"
    return text + "."


def funnel_table(points: pl.DataFrame, unit: str) -> pl.DataFrame:
    """The table behind the chart: every member with its value, n, limits at its n and judgement."""
    columns = [
        "Membre",
        "Valeur",
        "n",
        "Lecture",
        *(LIMIT_TITLES.values()),
        "Groupe de pairs",
    ]  # the reading first
    rows = [
        {
            "Membre": r["name"],
            "Groupe de pairs": r["peer_group"] or "—",
            "Valeur": fmt_value(r["value"], unit),
            "n": fmt_int(r["n"]),
            LIMIT_TITLES["95"]: fmt_interval(r["low95"], r["high95"], unit),
            LIMIT_TITLES["998"]: fmt_interval(r["low998"], r["high998"], unit),
            "Lecture": r["judgement"],
        }
        for r in points.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def _label_sides(drawn: pl.DataFrame, log: bool) -> list[tuple[bool, pl.DataFrame]]:
    """The points split by where their name goes: to the left of the points in the right third of the
    n axis (so that a long name stays inside the chart), to the right of the others."""
    if not drawn.height:
        return []
    pos = (pl.col("n").log() if log else pl.col("n").cast(pl.Float64)).alias("pos")
    d = drawn.with_columns(pos)
    lo, hi = d["pos"].min(), d["pos"].max()
    right = pl.col("pos") > lo + (hi - lo) * 2 / 3 if hi > lo else pl.lit(False)
    parts = [(True, d.filter(right)), (False, d.filter(~right))]
    return [(side, part.drop("pos")) for side, part in parts if part.height]


def funnel_figure(
    points: pl.DataFrame,
    curves: pl.DataFrame,
    *,
    label: str,
    unit: str,
    p0: float,
    group: str | None = None,
    title: str | None = None,
    width: int | None = None,
    height: int = 360,
) -> Figure:
    """The funnel plot of one rate indicator. ``points``: :func:`~pipelines.present.territory.funnel_points`;
    ``curves``: :func:`~pipelines.present.territory.funnel_curves` over the same members."""
    import altair as alt

    drawn = points.filter(pl.col("value").is_not_null() & (pl.col("n").fill_null(0) > 0))
    ns = drawn["n"].to_list()
    log = bool(ns) and max(ns) >= LOG_RATIO * min(ns)
    guides = pl.concat(
        [
            curves.with_columns(
                pl.col("limit").replace_strict(LIMIT_TITLES).alias("guide"),
                (pl.col("limit") + "-" + pl.col("side")).alias("line"),
            ).select("n", "value", "guide", "line"),
            pl.DataFrame(
                {"n": [float(min(ns)), float(max(ns))] if ns else [], "value": [p0, p0] if ns else []},
                schema={"n": pl.Float64, "value": pl.Float64},
            ).with_columns(pl.lit(POOLED_LABEL).alias("guide"), pl.lit("pooled").alias("line")),
        ]
    )
    pfmt = number_format(unit, precise=True)
    x = alt.X(
        "n:Q",
        title="n : taille de l'échantillon" + (" (échelle logarithmique)" if log else ""),
        scale=alt.Scale(type="log", domain=[min(ns) / 1.4, max(ns) * 1.4], nice=False)
        if log
        else alt.Scale(zero=False, padding=16),
        axis=alt.Axis(format=",.0f"),
    )
    y = alt.Y("value:Q", title=None, axis=alt.Axis(format=number_format(unit)), scale=alt.Scale(zero=False))
    guide_order = list(GUIDE_COLORS)
    lines = (
        alt.Chart(guides)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            detail="line:N",
            color=alt.Color(
                "guide:N",
                title="Repères",
                scale=alt.Scale(domain=guide_order, range=[GUIDE_COLORS[g] for g in guide_order]),
                legend=alt.Legend(direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                "guide:N",
                title="Repères",
                scale=alt.Scale(domain=guide_order, range=[GUIDE_DASHES[g] for g in guide_order]),
                legend=alt.Legend(direction="vertical"),
            ),
        )
    )
    categories = [c for c in CATEGORY_LOOKS if c in set(drawn["category"].to_list())]

    def by_category(channel, looks: list) -> alt.FieldChannelMixin:
        """One legend « Lecture » for every channel of the points (same field, title and domain)."""
        return channel(
            "category:N",
            title="Lecture",
            scale=alt.Scale(domain=categories, range=looks),
            legend=alt.Legend(direction="vertical"),
        )

    colors = [CATEGORY_LOOKS[c][0] for c in categories]
    marks = {
        "stroke": by_category(alt.Stroke, colors),
        # white inside when not compared (below the minimum sample): hollow, in the legend too
        "fill": by_category(
            alt.Fill, [CATEGORY_LOOKS[c][0] if c in JUDGED else "#FFFFFF" for c in categories]
        ),
        "shape": by_category(alt.Shape, [CATEGORY_LOOKS[c][1] for c in categories]),
    }
    tooltip = [
        alt.Tooltip("name:N", title="Membre"),
        alt.Tooltip("value:Q", title="Valeur", format=pfmt),
        alt.Tooltip("n:Q", title="n", format=",.0f"),
        alt.Tooltip("peer_group:N", title="Groupe de pairs"),
        alt.Tooltip("judgement:N", title="Lecture"),
    ]
    layers = [lines]
    if drawn.height:
        layers.append(
            alt.Chart(drawn)
            .mark_point(size=110, strokeWidth=2, opacity=1)
            .encode(x=x, y=y, tooltip=tooltip, **marks)
        )
    labelled = (
        drawn if drawn.height <= MAX_LABELS else drawn.head(0)
    )  # beyond, names in tooltips and table only
    for right, part in _label_sides(labelled, log):  # names beside the points, inward near the right edge
        layers.append(
            alt.Chart(part)
            .mark_text(
                align="right" if right else "left", dx=-8 if right else 8, dy=-9, fontSize=11, color=INK
            )
            .encode(x=x, y=y, text="name:N")
        )
    chart = alt.layer(*layers).properties(height=height)
    summary = funnel_summary(points, label=label, unit=unit, p0=p0, group=group)
    return Figure(finish(chart, summary, title, width), summary, funnel_table(points, unit))
