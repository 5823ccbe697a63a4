"""The diagnostic's charts (no Streamlit): maturity by theme with its intervals (one bar per wave,
or per respondent group), and the priority ranking of services as stacked contributions of its
components — each a :class:`~pipelines.present.charts.Figure` with its French summary and table."""

from __future__ import annotations

import polars as pl

from pipelines.french import fmt_date, fmt_int, fmt_number
from pipelines.present.charts import PALETTE, Figure, finish
from pipelines.present.diagnostic import GROUP_LABELS, SERVICE_COLUMNS

LIGHT = "#C8CCD2"


def maturity_frame(doc: dict, *, group: str | None = "all", wave: str | None = None) -> pl.DataFrame:
    """Rows of the maturity chart: one group across waves, or (``group=None``) every group at one wave."""
    rows = [
        m
        for m in doc["maturity"]
        if (group is None or m["group"] == group)
        and (wave is None or m["wave"] == wave)
        and (group is not None or m["group"] != "all")
    ]
    schema = {
        "theme": pl.String,
        "label": pl.String,
        "series": pl.String,
        "score": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "n": pl.Int64,
        "below_min": pl.Boolean,
    }
    out = [
        {
            "theme": m["theme"],
            "label": m["label"],
            "series": GROUP_LABELS.get(m["group"], m["group"])
            if group is None
            else f"Vague du {fmt_date(m['wave'])}",
            "score": m["score"],
            "ci_low": m["ci_low"],
            "ci_high": m["ci_high"],
            "n": m["n"],
            "below_min": bool(m["below_min"]),
        }
        for m in rows
    ]
    return pl.DataFrame(out, schema=schema)


def maturity_figure(
    d: pl.DataFrame, *, legend: str, title: str | None = None, width: int | None = None
) -> Figure:
    """Score 0–5 by theme, one bar per series (wave or group) with its 95 % interval; a series below
    the referential's minimum of respondents is drawn light and says so."""
    import altair as alt

    d = d.with_columns(
        pl.when(pl.col("below_min"))
        .then(pl.lit("effectif sous le minimum"))
        .otherwise(pl.lit(""))
        .alias("remark")
    )
    series = list(dict.fromkeys(d["series"].to_list()))
    colour = alt.Color(
        "series:N",
        title=legend,
        sort=series,
        scale=alt.Scale(domain=series, range=list(PALETTE[: len(series)])),
    )
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=280))
    tooltip = [
        alt.Tooltip("label:N", title="Thème"),
        alt.Tooltip("series:N", title=legend),
        alt.Tooltip("score:Q", title="Score (0–5)", format=",.1f"),
        alt.Tooltip("ci_low:Q", title="Intervalle à 95 % : bas", format=",.1f"),
        alt.Tooltip("ci_high:Q", title="Intervalle à 95 % : haut", format=",.1f"),
        alt.Tooltip("n:Q", title="Répondants", format=",.0f"),
        alt.Tooltip("remark:N", title="Remarque"),
    ]
    base = alt.Chart(d).encode(y=y, yOffset=alt.YOffset("series:N", sort=series))
    bars = base.mark_bar().encode(
        x=alt.X("score:Q", title="score de maturité (0 à 5)", scale=alt.Scale(domain=[0, 5])),
        color=colour,
        opacity=alt.condition("datum.below_min", alt.value(0.35), alt.value(1.0)),
        tooltip=tooltip,
    )
    whiskers = base.mark_rule(color="#1B1B1F", strokeWidth=1.2).encode(x="ci_low:Q", x2="ci_high:Q")
    n_series = max(1, len(series))
    chart = alt.layer(bars, whiskers).properties(height=max(120, 14 * n_series * d["theme"].n_unique() + 40))
    summary = maturity_summary(d, legend)
    table = pl.DataFrame(
        [
            {
                "Thème": r["label"],
                legend: r["series"],
                "Score (0–5)": fmt_number(r["score"], 1),
                "Intervalle à 95 %": "—"
                if r["ci_low"] is None
                else f"{fmt_number(r['ci_low'], 1)} – {fmt_number(r['ci_high'], 1)}",
                "Répondants": fmt_int(r["n"]),
                "Remarque": r["remark"],
            }
            for r in d.iter_rows(named=True)
        ],
        schema=dict.fromkeys(
            ["Thème", legend, "Score (0–5)", "Intervalle à 95 %", "Répondants", "Remarque"], pl.String
        ),
    )
    return Figure(finish(chart, summary, title, width), summary, table)


def maturity_summary(d: pl.DataFrame, legend: str) -> str:
    if d.height == 0:
        return "Aucune réponse d'autoévaluation de maturité n'est encore chargée."
    last = d["series"].to_list()[-1]
    rows = d.filter(pl.col("series") == last).sort("score")
    lo, hi = rows.row(0, named=True), rows.row(-1, named=True)
    text = (
        f"Maturité numérique par thème ({last.lower() if legend == 'Vague' else last}) : de "
        f"{fmt_number(lo['score'], 1)} sur 5 ({lo['label']}) à {fmt_number(hi['score'], 1)} sur 5 ({hi['label']})"
    )
    small = int(d["below_min"].sum())
    if small:
        text += f" ; {small} score{'s' if small > 1 else ''} sous l'effectif minimum de répondants, en clair"
    return text + "."


def priorities_frame(doc: dict) -> pl.DataFrame:
    """One row per service × component: its contribution to the score (weight × rank percentile ÷
    sum of the weights the service has), so the stacked bar adds up to the score."""
    weights = doc["priorities"]["weights"]
    rows = []
    for s in doc["priorities"]["services"]:
        used = {c: p for c, p in s["percentiles"].items() if p is not None and weights[c] > 0}
        total = sum(weights[c] for c in used)
        for c, (title, fmt) in SERVICE_COLUMNS.items():
            value = s["components"][c]
            rows.append(
                {
                    "service": s["label"],
                    "rank": s["rank"],
                    "component": title,
                    "contribution": 100 * weights[c] * used[c] / total if c in used else 0.0,
                    "value": "—" if value is None else fmt(value),
                    "score": None if s["score"] is None else 100 * s["score"],
                }
            )
    schema = {
        "service": pl.String,
        "rank": pl.Int64,
        "component": pl.String,
        "contribution": pl.Float64,
        "value": pl.String,
        "score": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def priorities_figure(doc: dict, *, title: str | None = None, width: int | None = None) -> Figure:
    """Services by priority score (0–100), each bar split into its components' contributions."""
    import altair as alt

    d = priorities_frame(doc)
    order = [s["label"] for s in doc["priorities"]["services"]]
    components = [title_ for title_, _ in SERVICE_COLUMNS.values()]
    chart = (
        alt.Chart(d)
        .mark_bar()
        .encode(
            y=alt.Y("service:N", title=None, sort=order, axis=alt.Axis(labelLimit=280)),
            x=alt.X(
                "sum(contribution):Q", title="score de priorité (0 à 100)", scale=alt.Scale(domain=[0, 100])
            ),
            color=alt.Color(
                "component:N",
                title="Composante",
                sort=components,
                scale=alt.Scale(domain=components, range=list(PALETTE[: len(components)])),
            ),
            order=alt.Order("component:N"),
            tooltip=[
                alt.Tooltip("service:N", title="Service"),
                alt.Tooltip("component:N", title="Composante"),
                alt.Tooltip("value:N", title="Valeur"),
                alt.Tooltip("contribution:Q", title="Part du score", format=",.0f"),
                alt.Tooltip("score:Q", title="Score", format=",.0f"),
            ],
        )
        .properties(height=max(120, 24 * len(order)))
    )
    if order:
        top = doc["priorities"]["services"][0]
        summary = (
            f"Priorités des services : « {top['label']} » en tête (score {fmt_number(100 * (top['score'] or 0), 0)} "
            f"sur 100), sur {len(order)} services du catalogue ; chaque barre additionne les parts de ses composantes."
        )
    else:
        summary = "Le catalogue des services du plan est vide : aucun classement."
    table = pl.DataFrame(
        [
            {
                "Rang": str(s["rank"]),
                "Service": s["label"],
                "Score (0–100)": fmt_number(None if s["score"] is None else 100 * s["score"], 0),
            }
            for s in doc["priorities"]["services"]
        ],
        schema=dict.fromkeys(["Rang", "Service", "Score (0–100)"], pl.String),
    )
    return Figure(finish(chart, summary, title, width), summary, table)
