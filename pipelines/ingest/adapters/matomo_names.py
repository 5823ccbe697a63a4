"""What a Matomo download's file name says: its period, its report and (scheduled reports) its site.

Matomo's interface names a one-period download ``<General_Export> _ <report> _ <period>.csv``
(``core/DataTable/Renderer/Csv.php::renderHeader``; older releases prefix ``Piwik ``), where the
period is ``Period::getLocalizedLongString()`` in the user's language:

- day: ``Intl_Format_Date_Long`` (« vendredi 1 novembre 2024 », « Friday, November 1, 2024 »);
- week: ``Intl_PeriodWeek`` + an interval (« semaine 4 – 10 novembre 2024 », « week November 4 – 10,
  2024 », also « semaine du 4 au 10 novembre 2024 »);
- month: ``Intl_Format_Month_Long`` (« novembre 2024 », « November 2024 »); year: « 2024 »;
- range: ``Intl_Format_Interval_Long_{D,M,Y}`` (« 1–15 novembre 2024 », « 28 octobre – 3 novembre
  2024 », « December 30, 2024 – January 5, 2025 »).

A browser saves a second download as ``… (1).csv``: the suffix is ignored. A scheduled e-mail
report's attachment is named ``<site> - <period> - <description>.csv``
(``plugins/ScheduledReports/API.php``). French and English only: a name in another language gives
no period (the file is then refused with the way to export it with its period).
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from pathlib import PurePath

from pipelines.ingest.adapters.base import norm, slugify

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("janvier", "janv", "january", "jan"),
        ("fevrier", "fevr", "fev", "february", "feb"),
        ("mars", "march", "mar"),
        ("avril", "avr", "april", "apr"),
        ("mai", "may"),
        ("juin", "june", "jun"),
        ("juillet", "juil", "july", "jul"),
        ("aout", "august", "aug"),
        ("septembre", "sept", "sep", "september"),
        ("octobre", "oct", "october"),
        ("novembre", "nov", "november"),
        ("decembre", "dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number
WEEKDAYS = {
    *("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    *("lun", "mer", "jeu", "ven", "sam", "dim"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
}
WEEK_WORDS = {"semaine", "week"}
FILLERS = {"du", "le", "de", "from", "the", "of"}
UNTIL = {"au", "to"}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")
SUFFIXES = {".csv", ".tsv", ".txt"}

# report titles of the interface (lang/fr.json, lang/en.json) → the API report they export
REPORT_TITLES = {
    norm(title): report
    for report, titles in {
        "VisitsSummary": ("Récapitulatif des visites", "Visits Summary", "Visites - Vue d'ensemble"),
        "Actions.getPageUrls": ("Pages", "Page URLs", "URL des pages"),
        "Actions.getPageTitles": ("Titres des pages", "Titres de page", "Page titles"),
        "Actions.getEntryPageUrls": ("Pages d'entrée", "Entry pages"),
        "Actions.getExitPageUrls": ("Pages de sortie", "Exit pages"),
        "Actions.getDownloads": ("Téléchargements", "Downloads"),
        "Actions.getOutlinks": ("Liens sortants", "Outlinks"),
        "Actions.getSiteSearchKeywords": ("Mots-clés de recherche", "Site Search Keywords"),
        "MultiSites.getAll": ("Tous les sites", "Tous les sites web", "All Websites"),
        "Referrers.getReferrerType": ("Types de canaux", "Canaux", "Channel Types", "Channel Type"),
        "Referrers.getWebsites": ("Sites web", "Websites"),
        "UserCountry.getCountry": ("Pays", "Country"),
        "DevicesDetection.getType": ("Type d'appareil", "Device type"),
    }.items()
    for title in titles
}


def _stem(file_name: str) -> str:
    path = PurePath(file_name)
    stem = path.stem if path.suffix.lower() in SUFFIXES else path.name
    return COPY_SUFFIX.sub("", stem).strip()


def report_for_title(title: str) -> str:
    """The API report a translated title names (``Récapitulatif des visites`` → ``VisitsSummary``),
    else the title's slug."""
    return REPORT_TITLES.get(norm(title)) or slugify(title)


def ui_report_title(file_name: str) -> str | None:
    """The report's title in an interface download's name (``Exporter _ <title> _ <period>``)."""
    parts = _stem(file_name).split(" _ ")
    return " _ ".join(parts[1:-1]) if len(parts) >= 3 else None


def period_from_name(file_name: str) -> tuple[str, dt.date, dt.date] | None:
    """(kind, first day, last day) as the file's name gives it, else None."""
    stem = _stem(file_name)
    parts = stem.split(" _ ")
    if len(parts) >= 3:
        found = parse_pretty_period(parts[-1])
        if found:
            return found
    _, found = _scheduled(stem)
    if found:
        return found
    dates = ISO.findall(stem)
    if len(dates) >= 2:
        return parse_pretty_period(f"{dates[0]} - {dates[1]}")
    return None


def site_from_name(file_name: str) -> str | None:
    """The site a scheduled report's attachment name starts with (``<site> - <period> - …``)."""
    return _scheduled(_stem(file_name))[0]


def _scheduled(stem: str) -> tuple[str | None, tuple[str, dt.date, dt.date] | None]:
    parts = stem.split(" - ")
    for i in range(1, len(parts)):
        found = parse_pretty_period(parts[i])
        if found:
            return " - ".join(parts[:i]).strip() or None, found
    return None, None


def parse_pretty_period(text: str) -> tuple[str, dt.date, dt.date] | None:
    """A period written by Matomo in French or English (see the module doc), or two ISO dates."""
    iso = ISO.findall(text)
    try:
        if len(iso) == 2:
            a, b = dt.date.fromisoformat(iso[0]), dt.date.fromisoformat(iso[1])
            return _span(a, b)
        if len(iso) == 1 and ISO.fullmatch(text.strip()):
            d = dt.date.fromisoformat(iso[0])
            return "day", d, d
    except ValueError:
        return None
    t = norm(text).replace(".", " ").replace(",", " ")
    t = re.sub(r"[\u2010-\u2015\-]", " - ", t)
    tokens = re.findall(r"[a-z]+|\d+|-", t)
    sides: list[list[str]] = [[]]
    for token in tokens:
        if token in UNTIL or token == "-":
            sides.append([])
        elif token not in WEEKDAYS and token not in WEEK_WORDS and token not in FILLERS:
            sides[-1].append(token)
    sides = [s for s in sides if s]
    if not 1 <= len(sides) <= 2:
        return None
    parsed = [_side(s) for s in sides]
    if any(p is None for p in parsed):
        return None
    try:
        if len(parsed) == 1:
            d, m, y = parsed[0]
            if y and m and d:
                day = dt.date(y, m, d)
                return "day", day, day
            if y and m:
                return "month", dt.date(y, m, 1), dt.date(y, m, monthrange(y, m)[1])
            if y and not d:
                return "year", dt.date(y, 1, 1), dt.date(y, 12, 31)
            return None
        (d1, m1, y1), (d2, m2, y2) = parsed
        m1, m2 = m1 or m2, m2 or m1
        y1, y2 = y1 or y2, y2 or y1
        if not (d1 and d2 and m1 and m2 and y1 and y2):
            return None
        return _span(dt.date(y1, m1, d1), dt.date(y2, m2, d2))
    except ValueError:
        return None


def _side(tokens: list[str]) -> tuple[int | None, int | None, int | None] | None:
    day = month = year = None
    for token in tokens:
        if token.isdigit():
            n = int(token)
            if len(token) == 4 and year is None:
                year = n
            elif len(token) <= 2 and 1 <= n <= 31 and day is None:
                day = n
            else:
                return None
        elif token in MONTHS and month is None:
            month = MONTHS[token]
        else:
            return None
    return day, month, year


def _span(a: dt.date, b: dt.date) -> tuple[str, dt.date, dt.date] | None:
    if b < a:
        return None
    if a == b:
        return "day", a, b
    return ("week" if (b - a).days == 6 and a.weekday() == 0 else "range"), a, b
