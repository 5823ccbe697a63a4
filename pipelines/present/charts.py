"""The chart builder: data frames in, a :class:`Figure` out (Vega-Lite chart + one French
sentence + the table behind it). Here the indicators' charts (series, sparkline, breakdown, review)
and what every chart shares (locale, colours, :func:`finish`); the plan's charts are in
:mod:`pipelines.present.plan_charts`. No Streamlit here: the app shows these figures and the funder pack
exports the very same charts to PNG/SVG with vl-convert (``vl_convert.vegalite_to_svg(fig.vega_lite())``).

Every chart carries the French locale (``1 234,5``, ``45,2 %``, ``janv. 2026``), the Okabe–Ito
palette (one :func:`chart_config` for all), and its summary as ARIA description.

Charts are written with Altair, imported inside the builders that use it: importing Altair takes
about half a second, and the overview — the app's first page — needs none of it. Its sparklines
(:func:`sparkline_figure`) are plain Vega-Lite dicts, the very spec Altair wrote for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from pipelines.french import (
    DAYS,
    MONTHS,
    SHORT_MONTHS,
    fmt_date,
    fmt_delta,
    fmt_int,
    fmt_interval,
    fmt_month,
    fmt_value,
)
from pipelines.present.palette import OKABE_ITO

if TYPE_CHECKING:
    import altair as alt

LOCALE = {
    "number": {
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
        "percent": "\u00a0%",
        "minus": "−",
    },
    "time": {
        "dateTime": "%A %e %B %Y à %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["", ""],
        "days": [DAYS[-1], *DAYS[:-1]],  # d3 weeks start on Sunday
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": list(MONTHS),
        "shortMonths": list(SHORT_MONTHS),
    },
}
PALETTE = [
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black")
]
MEASURED, EXPECTED, PROJECTED = OKABE_ITO["blue"], OKABE_ITO["black"], OKABE_ITO["orange"]
GREY = OKABE_ITO["grey"]
FONT = '"Source Sans", "Source Sans Pro", "Source Sans 3", Arial, sans-serif'  # quoted: vl-convert drops text otherwise
MONTH_AXIS = "%b %Y"
INK, GRID = "#1B1B1F", "#E3E6EA"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def chart_config() -> dict:
    """The ``config`` of every chart: French locale, font, palette, axes, legend, no frame."""
    return {
        "locale": LOCALE,
        "font": FONT,
        "range": {"category": list(PALETTE)},
        "axis": {
            "labelFontSize": 12,
            "titleFontSize": 12,
            "labelColor": INK,
            "titleColor": INK,
            "gridColor": GRID,
        },
        "legend": {
            "orient": "bottom",
            "labelFontSize": 12,
            "titleFontSize": 12,
            "labelLimit": 320,
            "labelColor": INK,
            "titleColor": INK,
        },
        "view": {"stroke": None},
    }


@dataclass(frozen=True)
class Figure:
    """A chart with what makes it accessible: a one-sentence summary and the table behind it.

    ``chart`` is an Altair chart, or a Vega-Lite dict whose ``datasets`` are Polars frames (handed
    to Streamlit as Arrow, as it does with an Altair chart's data); :meth:`vega_lite` gives either
    as a JSON-able spec.
    """

    chart: alt.TopLevelMixin | dict[str, Any]
    summary: str  # one French sentence
    table: pl.DataFrame  # French headers, French-formatted cells (what a screen reader reads)

    def vega_lite(self) -> dict[str, Any]:
        """The chart as a JSON-able Vega-Lite spec (dates as ISO text, as Altair writes them)."""
        if not isinstance(self.chart, dict):
            return self.chart.to_dict()
        spec = dict(self.chart)
        if "datasets" in spec:
            spec["datasets"] = {name: _json_rows(data) for name, data in spec["datasets"].items()}
        return spec


def _json_rows(data: pl.DataFrame | list) -> list:
    if not isinstance(data, pl.DataFrame):
        return data
    iso = pl.col(pl.Date, pl.Datetime).cast(pl.Datetime("us")).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return data.with_columns(iso).to_dicts()


def number_format(unit: str, precise: bool = False) -> str:
    """d3 format of an indicator's unit (the locale turns ``.`` into ``,``)."""
    if unit == "%":
        return ".1%" if precise else ".0%"
    if unit == "€":
        return "$,.0f"
    return ",.1f" if precise or unit == "/10" else ",.0f"


def finish(
    chart: alt.TopLevelMixin, summary: str, title: str | None = None, width: int | None = None
) -> alt.TopLevelMixin:
    """Locale, font, palette and ARIA description; ``width=None`` lets the host stretch the chart."""
    import altair as alt

    # fit the width the host gives (long axis labels included), let the height follow the content
    props: dict = {"description": summary, "autosize": alt.AutoSizeParams(type="fit-x", contains="padding")}
    if title:
        props["title"] = alt.Title(title, anchor="start", fontSize=14)
    if width:
        props["width"] = width
    config = chart_config()
    return (
        chart.properties(**props)
        .configure(locale=config["locale"], font=config["font"])
        .configure_range(**config["range"])
        .configure_axis(**config["axis"])
        .configure_legend(**config["legend"])
        .configure_view(**config["view"])
    )


UNIT_TITLES = {
    "jours": "jours",
    "/10": "note sur 10",
    "dossiers": "dossiers",
    "points": "points",
    "€": "euros",
}


def unit_title(unit: str) -> str | None:
    """Axis title for a unit (none for rates: the ticks already read ``45 %``)."""
    return UNIT_TITLES.get(unit)


def _sufficient(df: pl.DataFrame, min_sample: int) -> pl.Expr:
    return pl.col("n").fill_null(0) >= min_sample if "n" in df.columns else pl.lit(True)


# ---------------------------------------------------------------------------- indicator series


def series_figure(
    series: pl.DataFrame,
    trajectory: pl.DataFrame,
    *,
    label: str,
    unit: str,
    min_sample: int = 0,
    projection: dict | None = None,
    title: str | None = None,
    width: int | None = None,
    height: int = 320,
    original: pl.DataFrame | None = None,
) -> Figure:
    """Monthly values with their 95 % band, the expected trajectory (reference → milestones → target)
    and, if given, the projection to the target date.

    ``series``: month, value, ci_low, ci_high, n. ``trajectory``: date, expected, kind (the
    trajectory in force). ``original``: the plan's original trajectory (same columns), drawn faintly
    under « Trajectoire initiale » when it differs from the one in force (a revised target).
    ``projection``: {"date", "value", "low", "high"} (any value may be None).
    """
    import altair as alt

    s = (
        series.drop_nulls("value")
        .sort("month")
        .with_columns(
            _sufficient(series, min_sample).alias("ok"),
            pl.lit("Valeur mesurée").alias("serie"),
        )
        .with_columns(
            pl.when(pl.col("ok")).then(pl.lit("")).otherwise(pl.lit("effectif insuffisant")).alias("remark")
        )
    )
    traj = trajectory.sort("date").with_columns(pl.lit("Trajectoire attendue").alias("serie"))
    proj = _projection_frame(s, projection)
    initial = _initial_trajectory(original, trajectory)
    styles = [("Valeur mesurée", MEASURED, [1, 0]), ("Trajectoire attendue", EXPECTED, [6, 4])]
    styles += [(INITIAL, GREY, [3, 3])] if initial.height else []
    styles += [("Projection", PROJECTED, [2, 3])] if proj.height else []
    domain = [name for name, _, _ in styles]
    color = alt.Color("serie:N", title=None, scale=alt.Scale(domain=domain, range=[c for _, c, _ in styles]))
    dash = alt.StrokeDash(
        "serie:N", title=None, scale=alt.Scale(domain=domain, range=[d for _, _, d in styles])
    )
    fmt, pfmt = number_format(unit), number_format(unit, precise=True)
    x_scale = alt.Scale(nice=False)
    base = alt.Chart(s).encode(
        x=alt.X(
            "month:T", title=None, axis=alt.Axis(format=MONTH_AXIS, labelAngle=0, tickCount=8), scale=x_scale
        )
    )
    band = base.mark_area(opacity=0.18, color=MEASURED).encode(
        y=alt.Y("ci_low:Q", axis=alt.Axis(format=fmt), title=unit_title(unit)), y2="ci_high:Q"
    )
    tooltip = [
        alt.Tooltip("month:T", title="Mois", format="%B %Y"),
        alt.Tooltip("value:Q", title="Valeur", format=pfmt),
        alt.Tooltip("ci_low:Q", title="Intervalle à 95 % : bas", format=pfmt),
        alt.Tooltip("ci_high:Q", title="Intervalle à 95 % : haut", format=pfmt),
        alt.Tooltip("n:Q", title="n", format=",.0f"),
        alt.Tooltip("remark:N", title="Remarque"),
    ]
    line = base.mark_line(strokeWidth=2).encode(y=alt.Y("value:Q"), color=color, strokeDash=dash)
    points = base.mark_point(filled=True, size=45).encode(
        y="value:Q",
        color=alt.condition("datum.ok", alt.value(MEASURED), alt.value(GREY)),
        shape=alt.condition("datum.ok", alt.value("circle"), alt.value("triangle-down")),
        tooltip=tooltip,
    )
    tbase = alt.Chart(traj).encode(x="date:T", y="expected:Q")
    tline = tbase.mark_line(strokeWidth=1.5).encode(color=color, strokeDash=dash)
    tpoints = tbase.mark_point(shape="diamond", filled=True, size=90, color=EXPECTED).encode(
        tooltip=[
            alt.Tooltip("kind:N", title="Point"),
            alt.Tooltip("date:T", title="Date", format="%d/%m/%Y"),
            alt.Tooltip("expected:Q", title="Valeur attendue", format=pfmt),
        ]
    )
    tlabels = (
        tbase.transform_filter("datum.kind != 'référence'")
        .mark_text(dy=-12, fontSize=11, color=EXPECTED)
        .encode(text="kind:N")
    )
    layers = [band, line, points, tline, tpoints, tlabels]
    if initial.height:
        ibase = alt.Chart(initial).encode(x="date:T", y="expected:Q")
        layers.insert(1, ibase.mark_line(strokeWidth=1.2, opacity=0.45).encode(color=color, strokeDash=dash))
        layers.insert(
            2,
            ibase.mark_point(shape="diamond", size=50, opacity=0.45, color=GREY).encode(
                tooltip=[
                    alt.Tooltip("kind:N", title="Point de la trajectoire initiale"),
                    alt.Tooltip("date:T", title="Date", format="%d/%m/%Y"),
                    alt.Tooltip("expected:Q", title="Valeur attendue à l'origine", format=pfmt),
                ]
            ),
        )
    if proj.height:
        pbase = alt.Chart(proj).encode(x="date:T")
        layers.insert(0, pbase.mark_area(opacity=0.15, color=PROJECTED).encode(y="low:Q", y2="high:Q"))
        layers.append(pbase.mark_line(strokeWidth=2).encode(y="value:Q", color=color, strokeDash=dash))
        layers.append(
            pbase.mark_point(filled=True, color=PROJECTED, size=60).encode(
                y="value:Q",
                tooltip=[
                    alt.Tooltip("date:T", title="Projection au", format="%d/%m/%Y"),
                    alt.Tooltip("value:Q", title="Valeur projetée", format=pfmt),
                    alt.Tooltip("low:Q", title="Bas", format=pfmt),
                    alt.Tooltip("high:Q", title="Haut", format=pfmt),
                ],
            )
        )
    summary = series_summary(s, traj, label=label, unit=unit, projection=projection)
    first_target = initial.filter(pl.col("kind") == "cible")
    if first_target.height:
        t = first_target.row(0, named=True)
        summary = summary.removesuffix(".") + (
            f" ; la trajectoire initiale, avant révision de la cible ({fmt_value(t['expected'], unit)} "
            f"au {fmt_date(t['date'])}), est tracée en gris clair."
        )
    chart = alt.layer(*layers).properties(height=height)
    return Figure(finish(chart, summary, title, width), summary, _series_table(s, traj, proj, unit))


INITIAL = "Trajectoire initiale"


def _initial_trajectory(original: pl.DataFrame | None, trajectory: pl.DataFrame) -> pl.DataFrame:
    """The original trajectory to draw beside the one in force (empty when none or the same)."""
    if original is None or original.height == 0:
        return pl.DataFrame(
            schema={"date": pl.Date, "expected": pl.Float64, "kind": pl.String, "serie": pl.String}
        )
    cols = ["date", "expected"]
    if original.select(cols).sort("date").equals(trajectory.select(cols).sort("date")):
        return original.clear().with_columns(pl.lit(INITIAL).alias("serie"))
    return original.sort("date").with_columns(pl.lit(INITIAL).alias("serie"))


def _projection_frame(s: pl.DataFrame, projection: dict | None) -> pl.DataFrame:
    schema = {"date": pl.Date, "value": pl.Float64, "low": pl.Float64, "high": pl.Float64}
    if not projection or projection.get("value") is None or projection.get("date") is None or s.height == 0:
        return pl.DataFrame(schema=schema)
    last = s.row(-1, named=True)
    target = projection["date"]
    target = dt.date.fromisoformat(target[:10]) if isinstance(target, str) else target
    low, high = projection.get("low"), projection.get("high")
    rows = [
        (last["month"], last["value"], last["value"], last["value"]),
        (
            target,
            projection["value"],
            projection["value"] if low is None else low,
            projection["value"] if high is None else high,
        ),
    ]
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(pl.lit("Projection").alias("serie"))


def series_summary(
    s: pl.DataFrame, traj: pl.DataFrame, *, label: str, unit: str, projection: dict | None = None
) -> str:
    if s.height == 0:
        return f"{label} : aucune valeur mensuelle sur la période choisie."
    first, last = s.row(0, named=True), s.row(-1, named=True)
    text = (
        f"{label} : {fmt_value(last['value'], unit)} en {fmt_month(last['month'])} (n = {fmt_int(last.get('n'))}), "
        f"contre {fmt_value(first['value'], unit)} en {fmt_month(first['month'])}"
    )
    target = traj.filter(pl.col("kind") == "cible")
    if target.height:
        t = target.row(0, named=True)
        text += f" ; la cible est de {fmt_value(t['expected'], unit)} au {fmt_date(t['date'])}"
    if projection and projection.get("value") is not None:
        text += f", et au rythme récent la projection donne {fmt_value(projection['value'], unit)}"
        if projection.get("low") is not None and projection.get("high") is not None:
            text += f" ({fmt_interval(projection['low'], projection['high'], unit)})"
    return text + "."


def _series_table(s: pl.DataFrame, traj: pl.DataFrame, proj: pl.DataFrame, unit: str) -> pl.DataFrame:
    rows = [
        {
            "Date": fmt_month(r["month"]),
            "Série": "Valeur mesurée",
            "Valeur": fmt_value(r["value"], unit),
            "Intervalle à 95 %": fmt_interval(r.get("ci_low"), r.get("ci_high"), unit),
            "n": fmt_int(r.get("n")),
            "Remarque": r["remark"],
        }
        for r in s.iter_rows(named=True)
    ]
    rows += [
        {
            "Date": fmt_date(r["date"]),
            "Série": f"Trajectoire ({r['kind']})",
            "Valeur": fmt_value(r["expected"], unit),
            "Intervalle à 95 %": "",
            "n": "",
            "Remarque": "",
        }
        for r in traj.iter_rows(named=True)
    ]
    if proj.height:
        r = proj.row(-1, named=True)
        rows.append(
            {
                "Date": fmt_date(r["date"]),
                "Série": "Projection",
                "Valeur": fmt_value(r["value"], unit),
                "Intervalle à 95 %": fmt_interval(r["low"], r["high"], unit),
                "n": "",
                "Remarque": "",
            }
        )
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(["Date", "Série", "Valeur", "Intervalle à 95 %", "n", "Remarque"], pl.String),
    )


SPARKLINE_DATA = "sparkline"


def sparkline_figure(
    series: pl.DataFrame,
    *,
    label: str,
    unit: str,
    min_sample: int = 0,
    months: int = 24,
    width: int | None = None,
    height: int = 56,
) -> Figure:
    """The last ``months`` monthly values as a small line (grey points: sample below the minimum).

    Written as a plain Vega-Lite dict, not with Altair: the overview draws one per indicator and is
    the first page of the app, whose first render would otherwise pay about half a second to import
    Altair. The dict is the spec Altair produced for this chart (same marks, encodings and
    :func:`chart_config`; ``tests/pipelines/present/test_charts.py`` compares them), its data a Polars frame
    under ``datasets`` that Streamlit sends as Arrow, exactly as it does an Altair chart's data.
    """
    s = (
        series.drop_nulls("value")
        .sort("month")
        .tail(months)
        .with_columns(_sufficient(series, min_sample).alias("ok"))
    )
    encoding = {
        "x": {"field": "month", "type": "temporal", "axis": None},
        "y": {"field": "value", "type": "quantitative", "axis": None, "scale": {"zero": False}},
        "tooltip": [
            {"field": "month", "type": "temporal", "title": "Mois", "format": "%B %Y"},
            {
                "field": "value",
                "type": "quantitative",
                "title": "Valeur",
                "format": number_format(unit, True),
            },
            {"field": "n", "type": "quantitative", "title": "n", "format": ",.0f"},
        ],
    }
    points = {"condition": {"test": "datum.ok", "value": MEASURED}, "value": GREY}
    if s.height:
        first, last = s.row(0, named=True), s.row(-1, named=True)
        summary = (
            f"{label}, évolution mensuelle : de {fmt_value(first['value'], unit)} en {fmt_month(first['month'])} "
            f"à {fmt_value(last['value'], unit)} en {fmt_month(last['month'])}."
        )
    else:
        summary = f"{label} : pas encore de valeur mensuelle."
    chart = {
        "$schema": VEGA_LITE_SCHEMA,
        "data": {"name": SPARKLINE_DATA},
        "datasets": {SPARKLINE_DATA: s},
        "layer": [
            {"mark": {"type": "line", "color": MEASURED, "strokeWidth": 1.5}, "encoding": encoding},
            {
                "mark": {"type": "point", "filled": True, "size": 14},
                "encoding": {**encoding, "color": points},
            },
        ],
        "height": height,
        **({"width": width} if width else {}),
        "description": summary,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": chart_config(),
    }
    table = pl.DataFrame(
        [
            {"Mois": fmt_month(r["month"]), "Valeur": fmt_value(r["value"], unit), "n": fmt_int(r.get("n"))}
            for r in s.iter_rows(named=True)
        ],
        schema=dict.fromkeys(["Mois", "Valeur", "n"], pl.String),
    )
    return Figure(chart, summary, table)


# ---------------------------------------------------------------------------- breakdowns and review

BREAKDOWN_TITLES = {
    "service": "Service",
    "channel": "Canal",
    "commune": "Commune",
    "age_band": "Tranche d'âge",
}


def breakdown_figure(
    df: pl.DataFrame,
    *,
    by: str,
    unit: str,
    label: str,
    min_sample: int = 0,
    title: str | None = None,
    width: int | None = None,
) -> Figure:
    """One bar per group (value, 95 % interval as a whisker, n in the tooltip); groups below the
    minimum sample in grey. ``df``: key, label, value, ci_low, ci_high, n."""
    import altair as alt

    group = BREAKDOWN_TITLES.get(by, by)
    d = (
        df.with_columns(pl.col("label").fill_null("Non renseigné"), _sufficient(df, min_sample).alias("ok"))
        .with_columns(
            pl.when(pl.col("ok")).then(pl.lit("")).otherwise(pl.lit("effectif insuffisant")).alias("remark")
        )
        .drop_nulls("value")
        .sort("value", descending=True)
    )
    pfmt = number_format(unit, precise=True)
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=260))
    tooltip = [
        alt.Tooltip("label:N", title=group),
        alt.Tooltip("value:Q", title="Valeur", format=pfmt),
        alt.Tooltip("ci_low:Q", title="Intervalle à 95 % : bas", format=pfmt),
        alt.Tooltip("ci_high:Q", title="Intervalle à 95 % : haut", format=pfmt),
        alt.Tooltip("n:Q", title="n", format=",.0f"),
        alt.Tooltip("remark:N", title="Remarque"),
    ]
    base = alt.Chart(d).encode(y=y)
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("value:Q", title=unit_title(unit), axis=alt.Axis(format=number_format(unit))),
        color=alt.condition("datum.ok", alt.value(MEASURED), alt.value("#C8CCD2")),
        tooltip=tooltip,
    )
    whiskers = base.mark_rule(color="#1B1B1F", strokeWidth=1.2).encode(x="ci_low:Q", x2="ci_high:Q")
    text = base.mark_text(align="left", dx=4, fontSize=11, color="#1B1B1F").encode(
        x="ci_high:Q", text=alt.Text("value:Q", format=pfmt)
    )
    chart = alt.layer(bars, whiskers, text).properties(height=max(80, 26 * d.height))
    summary = breakdown_summary(d, group=group, unit=unit, label=label)
    table = pl.DataFrame(
        [
            {
                group: r["label"],
                "Valeur": fmt_value(r["value"], unit),
                "Intervalle à 95 %": fmt_interval(r["ci_low"], r["ci_high"], unit),
                "n": fmt_int(r["n"]),
                "Remarque": r["remark"],
            }
            for r in d.iter_rows(named=True)
        ],
        schema=dict.fromkeys([group, "Valeur", "Intervalle à 95 %", "n", "Remarque"], pl.String),
    )
    return Figure(finish(chart, summary, title, width), summary, table)


def breakdown_summary(d: pl.DataFrame, *, group: str, unit: str, label: str) -> str:
    ok = d.filter(pl.col("ok"))
    if ok.height == 0:
        return f"{label} par {group.lower()} : aucun groupe n'atteint l'effectif minimum."
    hi, lo = ok.row(0, named=True), ok.row(-1, named=True)
    text = (
        f"{label} par {group.lower()} : de {fmt_value(lo['value'], unit)} ({lo['label']}) "
        f"à {fmt_value(hi['value'], unit)} ({hi['label']})"
    )
    small = d.height - ok.height
    if small:
        text += f" ; {small} groupe{'s' if small > 1 else ''} sous l'effectif minimum, en gris"
    return text + "."


def review_figure(row: dict, *, baseline_label: str, review_label: str, width: int | None = None) -> Figure:
    """Baseline vs review period for one indicator: two points with their 95 % intervals, the target
    as a dashed line. ``row``: an entry of ``review()['indicators']``."""
    import altair as alt

    unit = row["unit"]
    d = pl.DataFrame(
        [
            {
                "period": baseline_label,
                "value": row.get("baseline_value"),
                "low": row.get("baseline_ci_low"),
                "high": row.get("baseline_ci_high"),
                "n": row.get("baseline_n"),
            },
            {
                "period": review_label,
                "value": row.get("review_value"),
                "low": row.get("ci_low"),
                "high": row.get("ci_high"),
                "n": row.get("n"),
            },
        ],
        schema={
            "period": pl.String,
            "value": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "n": pl.Int64,
        },
    )
    pfmt = number_format(unit, precise=True)
    y = alt.Y("period:N", title=None, sort=[baseline_label, review_label], axis=alt.Axis(labelLimit=220))
    x = alt.X(
        "value:Q",
        title=unit_title(unit),
        axis=alt.Axis(format=number_format(unit)),
        scale=alt.Scale(zero=False, padding=12),
    )
    base = alt.Chart(d).encode(y=y)
    # the intervals' whiskers, when there are any: a layer without marks (a measure without interval,
    # such as the cost per transaction) would be an SVG group with no text for screen readers
    with_ci = d.filter(pl.col("low").is_not_null() & pl.col("high").is_not_null())
    whiskers = (
        [
            alt.Chart(with_ci)
            .encode(y=y)
            .mark_rule(strokeWidth=2, color=MEASURED)
            .encode(x=alt.X("low:Q", title=unit_title(unit)), x2="high:Q")
        ]
        if with_ci.height
        else []
    )
    layers = [
        *whiskers,
        base.mark_point(filled=True, size=90).encode(
            x=x,
            color=alt.Color(
                "period:N",
                title=None,
                legend=None,
                scale=alt.Scale(domain=[baseline_label, review_label], range=[GREY, MEASURED]),
            ),
            tooltip=[
                alt.Tooltip("period:N", title="Période"),
                alt.Tooltip("value:Q", title="Valeur", format=pfmt),
                alt.Tooltip("low:Q", title="Intervalle à 95 % : bas", format=pfmt),
                alt.Tooltip("high:Q", title="Intervalle à 95 % : haut", format=pfmt),
                alt.Tooltip("n:Q", title="n", format=",.0f"),
            ],
        ),
    ]
    if row.get("target_value") is not None:
        layers.append(
            alt.Chart(pl.DataFrame({"target": [row["target_value"]]}))
            .mark_rule(strokeDash=[6, 4], color=EXPECTED)
            .encode(x="target:Q", tooltip=[alt.Tooltip("target:Q", title="Cible", format=pfmt)])
        )
    summary = row.get("sentence") or (
        f"{row['label']} : {fmt_value(row.get('baseline_value'), unit)} sur la période de référence, "
        f"{fmt_value(row.get('review_value'), unit)} sur la période de revue ({fmt_delta(row.get('delta'), unit)})."
    )
    table = pl.DataFrame(
        [
            {
                "Période": r["period"],
                "Valeur": fmt_value(r["value"], unit),
                "Intervalle à 95 %": fmt_interval(r["low"], r["high"], unit),
                "n": fmt_int(r["n"]),
            }
            for r in d.iter_rows(named=True)
        ]
        + [
            {
                "Période": "Cible",
                "Valeur": fmt_value(row.get("target_value"), unit),
                "Intervalle à 95 %": "",
                "n": "",
            }
        ],
        schema=dict.fromkeys(["Période", "Valeur", "Intervalle à 95 %", "n"], pl.String),
    )
    return Figure(finish(alt.layer(*layers).properties(height=90), summary, None, width), summary, table)
