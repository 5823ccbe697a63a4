"""Matomo (Piwik) report exports → ``web_audience`` (a secondary dataset).

Accepted: the UI export (CSV or TSV, UTF-16LE with BOM, headers translated into the user's
language: French or English), the API export (UTF-8, raw metric names ``nb_uniq_visitors``…),
and page reports (``label`` column, a variable set of metric columns: the known ones are picked by
name, the others ignored). An empty export (« No data available ») is refused by the reader.

Rules:

- period key: ``YYYY-MM-DD`` (day), ``"YYYY-MM-DD,YYYY-MM-DD"`` (week when it runs Monday to
  Sunday, else range), ``YYYY-MM`` (month), ``YYYY`` (year); an export without a date column
  covers one range: ``period_type = range`` with the dates taken from the file name when it holds
  two ISO dates, else left empty;
- days without data are missing rows in Matomo's exports, not zeros: nothing is invented;
- percentages ``40 %`` (U+00A0) or ``41%`` → 0.40 / 0.41; ratios keep their dot decimal; durations
  written ``00:03:14`` or ``3 min 14s`` become seconds;
- a value starting with ``'`` before ``= + - @`` (Matomo's formula guard) loses the ``'``;
- source = ``matomo``; source_id = report + label + period, so a later export of the same
  period updates the row. The report (``VisitsSummary``, ``Actions.getPageUrls``…) comes from the
  file name, else ``VisitsSummary`` for a table without labels, ``pages`` with labels.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange

import polars as pl

from pipelines.ingest.adapters.base import MapContext, Mapped, col, find_column, norm, slugify, split_rejected
from pipelines.ingest.read import LINE_COL, RawTable

SOURCE = "matomo"
METRICS: dict[str, tuple[str, ...]] = {
    "unique_visitors": ("nb_uniq_visitors", "Visiteurs uniques", "Unique visitors"),
    "users": ("nb_users", "Utilisateurs", "Users"),
    "visits": ("nb_visits", "Visites", "Visits", "Unique Pageviews", "Vues de page uniques", "Pages vues uniques"),
    "actions": ("nb_actions", "Actions", "nb_hits", "Pageviews", "Pages vues", "Vues de page"),
    "visits_converted": ("nb_visits_converted", "Visites avec conversions", "Visits with Conversions", "Visites converties"),
    "bounces": ("bounce_count", "Rebonds", "Bounces"),
    "sum_visit_length_s": ("sum_visit_length", "Temps total passé par les visiteurs (en secondes)", "Total time spent by visitors (in seconds)"),
    "max_actions": ("max_actions", "Nombre maximum d'actions en une visite", "Maximum actions in one visit"),
    "bounce_rate": ("bounce_rate", "Taux de rebond", "Bounce Rate"),
    "actions_per_visit": ("nb_actions_per_visit", "Actions par visite", "Actions per Visit"),
    "avg_time_on_site_s": ("avg_time_on_site", "Durée moy. des visites (en secondes)", "Avg. Visit Duration (in seconds)",
                           "Durée moyenne des visites", "Avg. Time on Website"),
}
PERIOD = ("date", "Date", "Période", "Period")
LABEL = ("label", "Libellé", "Label")
DURATIONS = ("sum_visit_length_s", "avg_time_on_site_s")
MODULES = ("VisitsSummary", "Actions", "Referrers", "UserCountry", "DevicesDetection", "Goals", "VisitTime", "VisitorInterest",
           "Resolution", "DevicePlugins", "Events", "Contents", "CustomDimensions", "MultiSites", "PagePerformance", "UserId")
API_METHOD = re.compile(r"(?P<module>[A-Z][A-Za-z]+)\.(?P<method>get[A-Za-z]*)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _metric_columns(header: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, names in METRICS.items():
        found = find_column([h for h in header if h not in out.values()], *names)
        if found:
            out[canonical] = found
    return out


class Matomo:
    name = "Matomo (export de rapport)"
    source = SOURCE

    def signature(self) -> list[str]:
        return ["date", "nb_uniq_visitors", "nb_visits", "nb_actions", "bounce_rate", "avg_time_on_site"]

    def matches(self, raw: RawTable) -> bool:
        metrics = _metric_columns(raw.header)
        strong = {"unique_visitors", "bounces", "bounce_rate", "actions_per_visit", "avg_time_on_site_s", "sum_visit_length_s", "max_actions"}
        return len(metrics) >= 2 and bool(strong & set(metrics) or find_column(raw.header, *LABEL))

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        f = raw.frame
        metrics = _metric_columns(raw.header)
        period_col = find_column(raw.header, *PERIOD)
        label_col = find_column(raw.header, *LABEL)
        report = report_name(raw.name, has_label=label_col is not None)
        periods = _periods(f, period_col, raw.name)
        key = col(f, period_col).str.strip_chars()
        label = col(f, label_col).str.strip_chars().str.replace(r"^'([=+\-@])", "${1}")
        if period_col is None:
            kind, start, end = pl.lit("range"), pl.lit(periods["start"][None], pl.String), pl.lit(periods["end"][None], pl.String)
            pkey = pl.lit(periods["key"][None])
        else:
            kind, start, end, pkey = (
                key.replace_strict(periods[k], default=None, return_dtype=pl.String) for k in ("type", "start", "end", "key")
            )
        frame = f.select(
            pl.lit(SOURCE).alias("source"),
            pl.format("{}|{}|{}", pl.lit(report), label.fill_null(""), pkey.fill_null(key)).alias("source_id"),
            pl.lit(report).alias("report"),
            label.alias("label"),
            kind.alias("period_type"),
            start.alias("period_start"),
            end.alias("period_end"),
            *[_metric(f, metrics.get(c), c).alias(c) for c in METRICS],
            key.alias("_key"),
            pl.col(LINE_COL),
        )
        frame, rejected = split_rejected(
            frame,
            pl.col("_key").is_not_null() & pl.col("period_type").is_null(),
            period_col or "date",
            "period",
            pl.col("_key"),
            pl.format("Période « {} » illisible (attendu AAAA-MM-JJ, AAAA-MM-JJ,AAAA-MM-JJ, AAAA-MM ou AAAA).", pl.col("_key")),
        )
        unused = [h for h in raw.header if h not in metrics.values() and h not in (period_col, label_col)]
        if unused:
            ctx.notes.append(f"colonnes Matomo non reprises : {', '.join(unused[:12])}{'…' if len(unused) > 12 else ''}")
        return [Mapped("web_audience", SOURCE, frame.drop("_key"), tuple(rejected))]


def report_name(file_name: str, has_label: bool) -> str:
    m = API_METHOD.search(file_name)
    if m:
        return m.group("module") if m.group("method") == "get" else f"{m.group('module')}.{m.group('method')}"
    for module in MODULES:
        if re.search(rf"(?:^|[_\-. ]){module}(?:[_\-. ]|$)", file_name):
            return module
    return "pages" if has_label else "VisitsSummary"


def _metric(frame: pl.DataFrame, column: str | None, canonical: str) -> pl.Expr:
    if column is None:
        return pl.lit(None, pl.String)
    text = pl.col(column).str.strip_chars()
    if canonical == "bounce_rate":
        pct = text.str.contains("%")
        number = text.str.replace_all(r"[%\s\u00a0\u202f]", "").str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        return pl.when(pct & number.is_not_null()).then((number / 100).round(6).cast(pl.String)).otherwise(text)
    if canonical in DURATIONS:
        values = frame.get_column(column).drop_nulls().unique().to_list()
        seconds = {v: _seconds(v) for v in values}
        return pl.col(column).replace_strict({k: v for k, v in seconds.items() if v is not None}, default=pl.col(column), return_dtype=pl.String)
    return text


def _seconds(text: str) -> str | None:
    """``00:03:14`` or ``1 h 3 min 14s`` → ``"194"``; plain numbers stay as they are (None)."""
    t = text.strip()
    m = re.fullmatch(r"(\d+):(\d{2}):(\d{2})", t)
    if m:
        return str(int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]))
    parts = re.findall(r"(\d+(?:[.,]\d+)?)\s*(h|min|s)\b", t)
    if parts and re.fullmatch(r"(\s*\d+(?:[.,]\d+)?\s*(h|min|s)\s*)+", t):
        factor = {"h": 3600, "min": 60, "s": 1}
        return str(sum(float(n.replace(",", ".")) * factor[u] for n, u in parts))
    return None


def _periods(frame: pl.DataFrame, period_col: str | None, file_name: str) -> dict[str, dict]:
    """Per distinct period key: its type, first and last day, and its part of ``source_id``."""
    out: dict[str, dict] = {"type": {}, "start": {}, "end": {}, "key": {}}
    if period_col is None:
        dates = ISO_DATE.findall(file_name)
        start, end = (dates[0], dates[1]) if len(dates) >= 2 else (None, None)
        out["start"][None], out["end"][None] = start, end
        out["key"][None] = f"range:{start}_{end}" if start else f"range:{slugify(file_name.rsplit('.', 1)[0])}"
        return out
    for value in frame.get_column(period_col).drop_nulls().unique().to_list():
        parsed = parse_period(value)
        if parsed is None:
            continue
        kind, start, end = parsed
        out["type"][value.strip()] = kind
        out["start"][value.strip()] = start.isoformat()
        out["end"][value.strip()] = end.isoformat()
        out["key"][value.strip()] = f"{kind}:{start.isoformat()}" if kind != "range" else f"range:{start}_{end}"
    return out


def parse_period(value: str) -> tuple[str, dt.date, dt.date] | None:
    v = norm(value).replace(" ", "")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            d = dt.date.fromisoformat(v)
            return "day", d, d
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}),(\d{4}-\d{2}-\d{2})", v)
        if m:
            a, b = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            if b < a:
                return None
            return ("week" if (b - a).days == 6 and a.weekday() == 0 else "range"), a, b
        m = re.fullmatch(r"(\d{4})-(\d{2})", v)
        if m:
            y, mo = int(m[1]), int(m[2])
            return "month", dt.date(y, mo, 1), dt.date(y, mo, monthrange(y, mo)[1])
        if re.fullmatch(r"\d{4}", v):
            return "year", dt.date(int(v), 1, 1), dt.date(int(v), 12, 31)
    except ValueError:
        return None
    return None
