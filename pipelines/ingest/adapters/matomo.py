"""Matomo (Piwik) report exports → ``web_audience`` (a secondary dataset).

Accepted: the UI export (CSV or TSV, UTF-16LE with BOM, headers translated into the user's
language: French or English), the API export (UTF-8, raw metric names ``nb_uniq_visitors``…),
page reports (label column ``label``, « Nom » in the French interface, « Label » in English; a
variable set of metric columns: the known ones are picked by name, the others ignored), exports of
several sites, and the sections of a scheduled e-mail report (cut by ``ingest.sections``; the label
column of a section is headed by its dimension, « Pays »…: its first column). An empty export
(« No data available ») is refused by the reader; an interface export in another language
(German « Besuche », « Eindeutige Besucher »…) is recognised and refused with what to do.

Rules:

- period key: ``YYYY-MM-DD`` (day), ``"YYYY-MM-DD,YYYY-MM-DD"`` (week when it runs Monday to
  Sunday, else range), ``YYYY-MM`` (month), ``YYYY`` (year); an export without a date column
  covers one period, read from its file name as Matomo writes it (``matomo_names``: « Exporter _
  Récapitulatif des visites _ novembre 2024.csv », a scheduled report's « <site> - <période> - … »,
  or two ISO dates); without one the file is refused with the way to export it with its period;
- days without data are missing rows in Matomo's exports, not zeros: nothing is invented;
- percentages ``40 %`` (U+00A0) or ``41%`` → 0.40 / 0.41; ratios keep their dot decimal; durations
  written ``00:03:14`` or ``3 min 14s`` become seconds;
- a value starting with ``'`` before ``= + - @`` (Matomo's formula guard) loses the ``'``;
- source = ``matomo``; source_id = report + cleaned label + period, so a later export of the same
  period (a re-download « … (1).csv », the same report in the other language) updates the row;
  when the export names its site (an ``idSite`` column, a scheduled report's site), source_id
  starts with ``site:<site>|``: one row per site. The report (``VisitsSummary``,
  ``Actions.getPageUrls``…) comes from the API method in the file name, else from the report title
  of an interface download or of a scheduled report's section (``matomo_names.REPORT_TITLES``, else
  the title's slug), else ``VisitsSummary`` for a table without labels, ``pages`` with labels.

Personal data in labels (RGPD). Matomo keeps the query string of page URLs, so a page report carries
what visitors typed in forms and searches (``/contact/merci?email=…&tel=…``, ``/recherche?q=<name>``)
and paths may hold an address (``/annuaire/<e-mail>``). Before anything is stored:

- URL labels lose their query string and fragment (everything from the first ``?`` or ``#``). A
  label is a URL in the reports of URLs (``Actions.getPageUrls``, ``getEntryPageUrls``,
  ``getExitPageUrls``, ``getOutlinks``, ``getDownloads``…) and, in any report, when it starts with
  ``/``, ``scheme://`` or ``www.``;
- each path segment of a URL label that holds an e-mail address or a phone number (also once
  percent-decoded) becomes, as a whole, ``[e-mail masqué]`` or ``[téléphone masqué]``; other labels
  (page titles…) get their e-mails and phones masked in place (``privacy.mask_text``);
- names typed in a path or in a non-URL label (e.g. the keywords of ``Actions.getSiteSearchKeywords``)
  cannot be recognised and are not masked.

Rows that become one: several rows of the same report and period whose cleaned labels are equal
(``/contact/merci?email=a`` and ``/contact/merci?email=b``) are merged into one row, keyed by the
cleaned label and numbered with the first of their lines, so that no row is lost and none is
counted twice:

- additive metrics are summed (visits, actions, conversions, bounces, total time); an empty cell
  counts as 0 (Matomo leaves zero metrics empty) unless every merged row has it empty (then empty).
  Unique visitors and users are summed as well, which is the usual convention of Matomo's
  « flattened » reports although they are not strictly additive (one visitor who saw two of the
  merged URLs is counted twice); the same holds for visits of page reports (unique pageviews);
- ``max_actions`` is the maximum;
- ratios are recomputed over the merged visits: bounce rate = Σ bounces / Σ visits, actions per
  visit = Σ actions / Σ visits, average duration = Σ total time / Σ visits when every merged row has
  its visits and every one with visits has the numerator; else the visit-weighted average of the
  rows' ratios when every merged row has its visits and every one with visits has the ratio (a row
  without visits weighs nothing); else empty (also when Σ visits = 0). A page report's bounce rate is relative to the
  page's entrances, which the export does not give: weighting it by visits is an approximation;
- if a merged row holds a value that is not a number, the whole group is refused (each of its
  lines, with the reason), since a total without it would be wrong;
- rows identical *before* cleaning (same label and period twice) are not merged: as in any report,
  the later ones are refused as duplicates of the first.

The ledger counts rows read, loaded and rejected: a merged row is neither rejected nor lost, but
the lines it absorbs make « lues » exceed « chargées + écartées ». The file's report says so in a
French note, with how many URLs lost their parameters and how many labels were masked.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from urllib.parse import unquote

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters.base import (
    MapContext,
    Mapped,
    Rejection,
    col,
    find_column,
    norm,
    split_rejected,
)
from pipelines.ingest.adapters.matomo_names import (
    period_from_name,
    report_for_title,
    site_from_name,
    ui_report_title,
)
from pipelines.ingest.coerce import clean_text, parse_number
from pipelines.ingest.privacy import EMAIL_MASK, EMAIL_RE, PHONE_MASK, PHONE_RE, mask_text
from pipelines.ingest.read import LINE_COL, RawTable

SOURCE = "matomo"
METRICS: dict[str, tuple[str, ...]] = {
    "unique_visitors": ("nb_uniq_visitors", "Visiteurs uniques", "Unique visitors"),
    "users": ("nb_users", "Utilisateurs", "Users"),
    "visits": (
        "nb_visits",
        "Visites",
        "Visits",
        "Unique Pageviews",
        "Vues de page uniques",
        "Pages vues uniques",
    ),
    "actions": ("nb_actions", "Actions", "nb_hits", "Pageviews", "Pages vues", "Vues de page"),
    "visits_converted": (
        "nb_visits_converted",
        "Visites avec conversions",
        "Visits with Conversions",
        "Visites converties",
    ),
    "bounces": ("bounce_count", "Rebonds", "Bounces"),
    "sum_visit_length_s": (
        "sum_visit_length",
        "Temps total passé par les visiteurs (en secondes)",
        "Total time spent by visitors (in seconds)",
    ),
    "max_actions": ("max_actions", "Nombre maximum d'actions en une visite", "Maximum actions in one visit"),
    "bounce_rate": ("bounce_rate", "Taux de rebond", "Bounce Rate"),
    "actions_per_visit": ("nb_actions_per_visit", "Actions par visite", "Actions per Visit"),
    "avg_time_on_site_s": (
        "avg_time_on_site",
        "Durée moy. des visites (en secondes)",
        "Avg. Visit Duration (in seconds)",
        "Durée moyenne des visites",
        "Avg. Time on Website",
    ),
}
PERIOD = ("date", "Date", "Période", "Period")
# General_ColumnLabel: « Nom » in the French interface, « Label » in English
LABEL = ("label", "Libellé", "Label", "Nom")
# the site of a multi-site export (idSite=all): the API's key column, or the idsite metadata
SITE_ID = (
    "idSite",
    "idsite",
    "ID du site",
    "Site ID",
    "metadata_idsite",
    "Méta-données: idsite",
    "Metadata: idsite",
)
# interface exports in another language: recognised by their metric headers, refused
OTHER_LANGUAGES = (
    "Besuche",
    "Eindeutige Besucher",
    "Aktionen",
    "Absprünge",
    "Absprungrate",
    "Aktionen pro Besuch",
    "Benutzer",
    "Besuche mit Konversionen",
    "Maximale Aktionen pro Besuch",
    "Visitas",
    "Visitantes únicos",
    "Visitatori unici",
    "Unieke bezoekers",
    "Bezoeken",
)
NO_PERIOD = (
    "Export Matomo sans période : le fichier n'a pas de colonne « Date » et son nom (« {name} ») ne dit pas "
    "la période couverte, or une ligne d'audience sans période ne peut pas être comptée. Téléchargez de nouveau "
    "le rapport depuis Matomo sans renommer le fichier (Matomo le nomme « Exporter _ <rapport> _ <période>.csv »), "
    "ou exportez-le avec une colonne de date : choisissez une plage de dates avec la période « jour », « semaine » "
    "ou « mois » (API : period=day&date=AAAA-MM-JJ,AAAA-MM-JJ)."
)
OTHER_LANGUAGE = (
    "export Matomo reconnu, langue non gérée : exportez l'interface en français ou en anglais "
    "(Matomo › Paramètres personnels › Langue), ou passez par l'API (format=CSV, noms de colonnes bruts)."
)
DURATIONS = ("sum_visit_length_s", "avg_time_on_site_s")
MODULES = (
    "VisitsSummary",
    "Actions",
    "Referrers",
    "UserCountry",
    "DevicesDetection",
    "Goals",
    "VisitTime",
    "VisitorInterest",
    "Resolution",
    "DevicePlugins",
    "Events",
    "Contents",
    "CustomDimensions",
    "MultiSites",
    "PagePerformance",
    "UserId",
)
API_METHOD = re.compile(r"(?P<module>[A-Z][A-Za-z]+)\.(?P<method>get[A-Za-z]*)")
# reports whose labels are URLs (Actions.getPageUrls, getEntryPageUrls, getOutlinks, getDownloads…)
URL_REPORT = re.compile(r"\.get\w*(?:Url|Outlink|Download)")
URL_LIKE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://|/|www\.)")
EMAIL = re.compile(EMAIL_RE)
PHONE = re.compile(PHONE_RE)
# merging rows: summed, maximum, and ratios over visits (ratio: its numerator)
ADDITIVE = (
    "unique_visitors",
    "users",
    "visits",
    "actions",
    "visits_converted",
    "bounces",
    "sum_visit_length_s",
)
RATIOS = {
    "bounce_rate": "bounces",
    "actions_per_visit": "actions",
    "avg_time_on_site_s": "sum_visit_length_s",
}
COLUMNS = ("source", "source_id", "report", "label", "period_type", "period_start", "period_end", *METRICS)


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
        strong = {
            "unique_visitors",
            "bounces",
            "bounce_rate",
            "actions_per_visit",
            "avg_time_on_site_s",
            "sum_visit_length_s",
            "max_actions",
        }
        if len(metrics) >= 2 and bool(
            strong & set(metrics) or find_column(raw.header, *LABEL) or _section_label(raw, metrics)
        ):
            return True
        return _other_language(raw.header)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        f = raw.frame
        metrics = _metric_columns(raw.header)
        if len(metrics) < 2 and _other_language(raw.header):
            raise FileRefused(OTHER_LANGUAGE)
        period_col = find_column(raw.header, *PERIOD)
        label_col = find_column(raw.header, *LABEL) or _section_label(raw, metrics)
        site_col = find_column(raw.header, *SITE_ID)
        if raw.section:
            report = report_for_title(raw.section)
        else:
            title = ui_report_title(raw.name)
            report = (
                report_for_title(title)
                if title and not API_METHOD.search(raw.name)
                else report_name(raw.name, has_label=label_col is not None)
            )
        periods = _periods(f, period_col, raw.name)
        site = col(f, site_col).str.strip_chars() if site_col else pl.lit(site_from_name(raw.name), pl.String)
        key = col(f, period_col).str.strip_chars()
        label = col(f, label_col).str.strip_chars().str.replace(r"^'([=+\-@])", "${1}")
        if period_col is None:
            kind, start, end = (
                pl.lit(periods["type"][None]),
                pl.lit(periods["start"][None], pl.String),
                pl.lit(periods["end"][None], pl.String),
            )
            pkey = pl.lit(periods["key"][None])
        else:
            kind, start, end, pkey = (
                key.replace_strict(periods[k], default=None, return_dtype=pl.String)
                for k in ("type", "start", "end", "key")
            )
        frame = f.select(
            site.alias("_site"),
            pl.lit(SOURCE).alias("source"),
            pl.lit(report).alias("report"),
            label.alias("_raw_label"),
            kind.alias("period_type"),
            start.alias("period_start"),
            end.alias("period_end"),
            *[_metric(f, metrics.get(c), c).alias(c) for c in METRICS],
            pkey.fill_null(key).alias("_pkey"),
            key.alias("_key"),
            pl.col(LINE_COL),
        )
        frame, rejected = split_rejected(
            frame,
            pl.col("_key").is_not_null() & pl.col("period_type").is_null(),
            period_col or "date",
            "period",
            pl.col("_key"),
            pl.format(
                "Période « {} » illisible (attendu AAAA-MM-JJ, AAAA-MM-JJ,AAAA-MM-JJ, AAAA-MM ou AAAA).",
                pl.col("_key"),
            ),
        )
        frame = _clean_labels(frame, report, ctx.notes)
        # the site is part of the key when the export names it (several sites, a scheduled report)
        frame = frame.with_columns(
            pl.when(pl.col("_site").is_not_null())
            .then(
                pl.format(
                    "site:{}|{}|{}|{}",
                    pl.col("_site"),
                    pl.lit(report),
                    pl.col("label").fill_null(""),
                    pl.col("_pkey"),
                )
            )
            .otherwise(pl.format("{}|{}|{}", pl.lit(report), pl.col("label").fill_null(""), pl.col("_pkey")))
            .alias("source_id")
        )
        frame, merge_rejected = _merge(frame, metrics, ctx.notes)
        unused = [
            h for h in raw.header if h not in metrics.values() and h not in (period_col, label_col, site_col)
        ]
        if unused:
            ctx.notes.append(
                f"colonnes Matomo non reprises : {', '.join(unused[:12])}{'…' if len(unused) > 12 else ''}"
            )
        return [
            Mapped("web_audience", SOURCE, frame.select(*COLUMNS, LINE_COL), (*rejected, *merge_rejected))
        ]


def _section_label(raw: RawTable, metrics: dict[str, str]) -> str | None:
    """A scheduled report's section heads its label column with the dimension (« Pays »…): its
    first column, when that column is neither a metric nor the date."""
    if not raw.section or not raw.header:
        return None
    first = raw.header[0]
    if first in metrics.values() or find_column([first], *PERIOD, *SITE_ID):
        return None
    return first


def _other_language(header: list[str]) -> bool:
    """Two or more metric headers of Matomo's interface in a language other than French or English."""
    wanted = {norm(h) for h in OTHER_LANGUAGES}
    return sum(norm(h) in wanted for h in header) >= 2


def clean_label(label: str, url_report: bool = False) -> tuple[str, bool, bool]:
    """A label without personal data: (cleaned label, query/fragment dropped, something masked).

    URL labels (all labels of a URL report, else those starting with ``/``, ``scheme://`` or
    ``www.``) lose everything from the first ``?`` or ``#``, and every path segment holding an
    e-mail or a phone (also percent-encoded) becomes the mask; other labels are masked in place.
    """
    if url_report or URL_LIKE.match(label):
        path = re.split(r"[?#]", label, maxsplit=1)[0]
        dropped = path != label
        segments = path.split("/")
        masked = [_mask_segment(s) for s in segments]
        clean = "/".join(masked)
        return (clean or "/") if dropped else clean, dropped, masked != segments
    clean = mask_text(label)
    return clean, False, clean != label


def _mask_segment(segment: str) -> str:
    decoded = unquote(segment)
    if EMAIL.search(decoded):
        return EMAIL_MASK
    if PHONE.search(decoded):
        return PHONE_MASK
    return segment


def _clean_labels(frame: pl.DataFrame, report: str, notes: list[str]) -> pl.DataFrame:
    """``label`` from ``_raw_label`` (see :func:`clean_label`), with a French note of what changed."""
    values = frame.get_column("_raw_label").drop_nulls().unique().to_list()
    url_report = bool(URL_REPORT.search(report))
    cleaned = {v: clean_label(v, url_report) for v in values}
    frame = frame.with_columns(
        pl.col("_raw_label")
        .replace_strict({v: c for v, (c, _, _) in cleaned.items()}, default=None, return_dtype=pl.String)
        .alias("label")
    )
    raw_labels = frame.get_column("_raw_label")
    dropped = int(raw_labels.is_in([v for v, (_, d, _) in cleaned.items() if d]).sum())
    masked = int(raw_labels.is_in([v for v, (_, _, m) in cleaned.items() if m]).sum())
    if dropped:
        notes.append(
            f"{dropped} URL(s) de pages contenaient des paramètres (?…) ou une ancre (#…) : retirés avant import"
        )
    if masked:
        notes.append(
            f"{masked} libellé(s) de pages contenaient une adresse e-mail ou un numéro de téléphone : masqués avant import"
        )
    return frame


def _merge(
    frame: pl.DataFrame, headers: dict[str, str], notes: list[str]
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Rows of one report and period whose cleaned labels are equal → one row (see the module doc).

    Only the first row of each distinct raw label takes part: a row repeated as is stays apart and
    is refused later as a duplicate of the merged row (which carries the first line of its group).
    """
    labelled = pl.col("source_id").is_not_null() & pl.col("label").is_not_null()
    frame = frame.with_columns(
        (pl.struct("source_id", "_raw_label").is_first_distinct() & labelled).alias("_first")
    )
    sizes = frame.filter(pl.col("_first")).group_by("source_id").len()
    ids = sizes.filter(pl.col("len") > 1).get_column("source_id")
    if ids.is_empty():
        return frame, []
    in_group = pl.col("source_id").is_in(ids.implode())
    members = frame.filter(in_group & pl.col("_first"))
    texts = {c: clean_text(pl.col(c)) for c in METRICS}
    numbers = members.select(
        "source_id",
        LINE_COL,
        *[parse_number(texts[c]).alias(c) for c in METRICS],
        *[(texts[c].is_not_null() & parse_number(texts[c]).is_null()).alias(f"_bad_{c}") for c in METRICS],
    )
    unreadable = numbers.filter(pl.any_horizontal(pl.col("^_bad_.*$")))
    rejections: list[Rejection] = []
    if unreadable.height:
        rejections = _refuse_groups(frame, members, unreadable, headers)
        refused = pl.col("source_id").is_in(unreadable.get_column("source_id").unique().implode())
        frame = frame.filter(~refused)
        numbers = numbers.filter(~refused)
        members = members.filter(~refused)
    if members.height:
        merged = _merged_rows(members, numbers)
        rest = frame.filter(~(in_group & pl.col("_first")))
        frame = pl.concat(
            [
                rest.select(merged.columns),
                merged.select(pl.col(c).cast(rest.schema[c]) for c in merged.columns),
            ]
        )
        frame = frame.sort(LINE_COL)
        groups = merged.height
        notes.append(
            f"{members.height} ligne(s) de la même page et de la même période une fois les URL nettoyées, regroupées en {groups} "
            f"(visites, actions et visiteurs uniques additionnés, taux recalculés en pondérant par les visites) : "
            f"{members.height - groups} ligne(s) lue(s) ni chargée(s) à part ni écartée(s), leurs chiffres sont dans la ligne regroupée"
        )
    return frame, rejections


def _merged_rows(members: pl.DataFrame, numbers: pl.DataFrame) -> pl.DataFrame:
    """One row per ``source_id``: sums, maximum and ratios over visits, as text (``coerce`` types them)."""

    def total(c: str) -> pl.Expr:
        return pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum())

    visits = pl.col("visits")
    complete_visits = visits.is_not_null().all() & (visits.sum() > 0)
    aggregates = [*[total(c).alias(c) for c in ADDITIVE], pl.col("max_actions").max().alias("max_actions")]
    for ratio, numerator in RATIOS.items():
        from_sums = pl.col(numerator).sum() / visits.sum()
        weighted = (pl.col(ratio) * visits).sum() / visits.sum()
        aggregates.append(
            pl.when(complete_visits & (pl.col(numerator).is_not_null() | (visits == 0)).all())
            .then(from_sums)
            .when(complete_visits & (pl.col(ratio).is_not_null() | (visits == 0)).all())
            .then(weighted)
            .otherwise(None)
            .round(6)
            .alias(ratio)
        )
    values = numbers.group_by("source_id").agg(*aggregates, pl.col(LINE_COL).min())
    first = (
        members.sort(LINE_COL)
        .group_by("source_id")
        .agg(
            *[
                pl.col(c).first()
                for c in ("source", "report", "label", "period_type", "period_start", "period_end", "_pkey")
            ]
        )
    )
    return values.join(first, on="source_id").select(
        "source",
        "source_id",
        "report",
        "label",
        "period_type",
        "period_start",
        "period_end",
        *[pl.col(c).cast(pl.String) for c in METRICS],
        "_pkey",
        pl.lit(None, pl.String).alias("_raw_label"),
        pl.lit(None, pl.String).alias("_key"),
        pl.lit(True).alias("_first"),
        LINE_COL,
    )


def _refuse_groups(
    frame: pl.DataFrame, members: pl.DataFrame, unreadable: pl.DataFrame, headers: dict[str, str]
) -> list[Rejection]:
    """Every line of a group holding a non-number is refused, with the value and the line it is on."""
    reason: dict[
        str, tuple[str, str, int]
    ] = {}  # source_id → (column, value, line) of its first unreadable value
    original = members.filter(pl.col(LINE_COL).is_in(unreadable.get_column(LINE_COL).implode()))
    for row in original.sort(LINE_COL).iter_rows(named=True):
        if row["source_id"] in reason:
            continue
        bad = unreadable.filter(pl.col(LINE_COL) == row[LINE_COL]).row(0, named=True)
        c = next(c for c in METRICS if bad[f"_bad_{c}"])
        reason[row["source_id"]] = (headers.get(c, c), row[c], row[LINE_COL])
    sizes = dict(members.group_by("source_id").len().iter_rows())
    out: list[Rejection] = []
    for line, source_id in (
        frame.filter(pl.col("source_id").is_in(list(reason))).select(LINE_COL, "source_id").iter_rows()
    ):
        column, value, at = reason[source_id]
        out.append(
            (
                line,
                column,
                "type",
                value,
                f"Ligne à regrouper avec {sizes[source_id] - 1} autre(s) ligne(s) de la même page et de la même période "
                f"(paramètres d'URL retirés ou données personnelles masquées), mais « {value} » (colonne « {column} », ligne {at}) "
                f"n'est pas un nombre : aucune ligne du groupe n'est chargée, pour ne pas fausser le total.",
            )
        )
    return out


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
        number = (
            text.str.replace_all(r"[%\s\u00a0\u202f]", "")
            .str.replace(",", ".", literal=True)
            .cast(pl.Float64, strict=False)
        )
        return (
            pl.when(pct & number.is_not_null()).then((number / 100).round(6).cast(pl.String)).otherwise(text)
        )
    if canonical in DURATIONS:
        values = frame.get_column(column).drop_nulls().unique().to_list()
        seconds = {v: _seconds(v) for v in values}
        return pl.col(column).replace_strict(
            {k: v for k, v in seconds.items() if v is not None},
            default=pl.col(column),
            return_dtype=pl.String,
        )
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
        found = period_from_name(file_name)
        if found is None:
            raise FileRefused(NO_PERIOD.format(name=file_name))
        kind, start, end = found
        out["type"][None] = kind
        out["start"][None], out["end"][None] = start.isoformat(), end.isoformat()
        out["key"][None] = f"{kind}:{start.isoformat()}" if kind != "range" else f"range:{start}_{end}"
        return out
    for value in frame.get_column(period_col).drop_nulls().unique().to_list():
        parsed = parse_period(value)
        if parsed is None:
            continue
        kind, start, end = parsed
        out["type"][value.strip()] = kind
        out["start"][value.strip()] = start.isoformat()
        out["end"][value.strip()] = end.isoformat()
        out["key"][value.strip()] = (
            f"{kind}:{start.isoformat()}" if kind != "range" else f"range:{start}_{end}"
        )
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
