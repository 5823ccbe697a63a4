"""Matomo page labels lose what visitors typed (query strings, e-mails, phones); rows that become the
same page are merged, numbers summed and ratios recomputed, nothing lost and nothing counted twice."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.ingest.adapters.matomo import clean_label
from pipelines.ingest.privacy import EMAIL_MASK, PHONE_MASK
from tests.fixtures.build_formats import _matomo

EMAIL = "gwendoline.kerbrat@example.org"
PHONE = "0612345678"
NAME = "Gwendoline Kerbrat"
AGENT = "instructeur.dupuis@mairie-exemple.example"
PAGES = "matomo_Exporter_Actions.getPageUrls_range_2025-06-01_2025-06-30_fr.csv"
UI_HEADER = [
    "Libellé",
    "Vues de page uniques",
    "Pages vues",
    "Taux de rebond",
    "Temps moyen sur la page",
    "Méta-données: url",
]


def _pages(zone, rows: list[list[str]], name: str = PAGES, header: list[str] = UI_HEADER):
    return zone.write(name, _matomo([header, *rows], ","))


def _ui_row(label: str, visits: int, views: int, bounce: str = "40\u00a0%") -> list[str]:
    return [label, str(visits), str(views), bounce, "00:01:05", "https://www.mairie-exemple.example" + label]


@pytest.mark.parametrize(
    ("label", "url_report", "expected"),
    [
        ("/contact/merci?email=a@b.fr&tel=0612345678", True, ("/contact/merci", True, False)),
        ("/recherche?q=Gwendoline Kerbrat#haut", False, ("/recherche", True, False)),
        (
            "/annuaire/instructeur.dupuis@mairie-exemple.example",
            False,
            (f"/annuaire/{EMAIL_MASK}", False, True),
        ),
        (
            "/annuaire/instructeur.dupuis%40mairie-exemple.example/fiche",
            False,
            (f"/annuaire/{EMAIL_MASK}/fiche", False, True),
        ),
        ("/rappel/06.12.34.56.78?x=1", False, (f"/rappel/{PHONE_MASK}", True, True)),
        (
            "https://www.example.org/dossier-0612345678/suivi",
            False,
            (f"https://www.example.org/{PHONE_MASK}/suivi", False, True),
        ),
        ("mailto:gwendoline.kerbrat@example.org", True, (EMAIL_MASK, False, True)),
        (
            "demarches/etat-civil?from=mail",
            True,
            ("demarches/etat-civil", True, False),
        ),  # flattened label without a slash
        ("?utm_source=lettre", True, ("/", True, False)),  # the site's root with parameters only
        ("/demarches/etat-civil", True, ("/demarches/etat-civil", False, False)),
        # not URLs: a page title keeps its question mark, e-mails and phones are masked in place
        ("Une question ? Écrivez-nous", False, ("Une question ? Écrivez-nous", False, False)),
        ("Contact gwendoline.kerbrat@example.org", False, (f"Contact {EMAIL_MASK}", False, True)),
    ],
)
def test_clean_label(label, url_report, expected):
    assert clean_label(label, url_report) == expected


def test_page_report_urls_lose_parameters_and_personal_segments(zone):
    rows = [
        _ui_row("/demarches/etat-civil", 900, 910),
        _ui_row(f"/contact/merci?email={EMAIL}&tel={PHONE}", 3, 3),
        _ui_row(f"/recherche?q={NAME}", 2, 4),
        _ui_row(f"/annuaire/{AGENT}", 1, 1),
        _ui_row("/demarches/urbanisme#formulaire", 7, 8),
    ]
    (report,) = zone.ingest(_pages(zone, rows))
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "loaded",
        5,
        5,
        0,
    ), report.message
    assert (
        "3 URL(s) de pages contenaient des paramètres (?…) ou une ancre (#…) : retirés avant import"
        in report.message
    )
    assert (
        "1 libellé(s) de pages contenaient une adresse e-mail ou un numéro de téléphone : masqués avant import"
        in report.message
    )
    assert sorted(zone.rows("select label, source_id from web_audience")) == [
        (
            "/annuaire/[e-mail masqué]",
            "Actions.getPageUrls|/annuaire/[e-mail masqué]|range:2025-06-01_2025-06-30",
        ),
        ("/contact/merci", "Actions.getPageUrls|/contact/merci|range:2025-06-01_2025-06-30"),
        ("/demarches/etat-civil", "Actions.getPageUrls|/demarches/etat-civil|range:2025-06-01_2025-06-30"),
        ("/demarches/urbanisme", "Actions.getPageUrls|/demarches/urbanisme|range:2025-06-01_2025-06-30"),
        ("/recherche", "Actions.getPageUrls|/recherche|range:2025-06-01_2025-06-30"),
    ]
    # nothing typed by a visitor anywhere in the warehouse file, not even in free pages of its bytes
    raw = zone.warehouse.read_bytes()
    for needle in (EMAIL, PHONE, NAME, AGENT, "Kerbrat", "email=", "?q="):
        assert needle.encode() not in raw, needle
        assert needle.encode("utf-16-le") not in raw, needle


def test_rows_that_become_the_same_page_are_merged(zone):
    rows = [
        _ui_row("/demarches/etat-civil", 900, 1000, "30\u00a0%"),
        _ui_row("/contact/merci?email=a@example.org", 3, 4, "100\u00a0%"),
        _ui_row("/contact/merci?email=b@example.org", 1, 2, "0\u00a0%"),
        _ui_row("/contact/merci", 6, 9, "50\u00a0%"),
        _ui_row("/annuaire/a@example.org", 2, 2),
        _ui_row("/annuaire/b@example.org", 5, 5),
    ]
    (report,) = zone.ingest(_pages(zone, rows))
    # 6 rows read, 3 loaded, none rejected: 3 rows live inside the merged ones (said in the note)
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "loaded",
        6,
        3,
        0,
    ), report.message
    assert (
        "5 ligne(s) de la même page et de la même période une fois les URL nettoyées, regroupées en 2"
        in report.message
        and "3 ligne(s) lue(s) ni chargée(s) à part ni écartée(s), leurs chiffres sont dans la ligne regroupée"
        in report.message
    ), report.message
    got = {r[0]: r[1:] for r in zone.rows("select label, visits, actions, bounce_rate from web_audience")}
    # bounce rate weighted by visits: (3×1 + 1×0 + 6×0.5) / 10
    assert got["/contact/merci"] == (10.0, 15.0, 0.6)
    assert got[f"/annuaire/{EMAIL_MASK}"] == (7.0, 7.0, 0.4)
    assert got["/demarches/etat-civil"] == (900.0, 1000.0, 0.3)
    assert sum(v for v, _, _ in got.values()) == 900 + 3 + 1 + 6 + 2 + 5  # every visit counted once


def test_merged_ratios_come_from_sums_when_the_export_has_them(zone):
    header = [
        "label",
        "nb_uniq_visitors",
        "nb_visits",
        "nb_actions",
        "bounce_count",
        "sum_visit_length",
        "max_actions",
        "bounce_rate",
        "nb_actions_per_visit",
        "avg_time_on_site",
    ]
    rows = [
        ["/suivi?dossier=1", "9", "10", "30", "4", "600", "7", "40%", "3", "60"],
        ["/suivi?dossier=2", "25", "30", "60", "6", "900", "12", "20%", "2", "30"],
        ["/suivi?dossier=3", "", "0", "", "", "", "", "", "", ""],  # a row with empty (zero) metrics
    ]
    name = "matomo_api_Actions.getEntryPageUrls_range_2025-06-01_2025-06-30.csv"
    (report,) = zone.ingest(zone.write(name, "\n".join(",".join(r) for r in [header, *rows])))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 1, 0), report.message
    assert zone.one(
        "select label, unique_visitors, visits, actions, bounces, sum_visit_length_s, max_actions, bounce_rate, "
        "actions_per_visit, avg_time_on_site_s from web_audience"
    ) == ("/suivi", 34.0, 40.0, 90.0, 10.0, 1500.0, 12.0, 0.25, 2.25, 37.5)


def test_merged_ratio_is_weighted_by_visits_else_left_empty(zone):
    header = ["label", "nb_visits", "bounce_rate", "nb_actions_per_visit"]
    rows = [
        ["/a?x=1", "10", "40%", "3"],
        ["/a?x=2", "30", "20%", "2"],
        ["/b?x=1", "10", "40%", "3"],
        ["/b?x=2", "", "20%", "2"],  # visits unknown: no weight, no ratio
    ]
    name = "matomo_api_Actions.getPageUrls_range_2025-06-01_2025-06-30.csv"
    zone.ingest(zone.write(name, "\n".join(",".join(r) for r in [header, *rows])))
    got = {
        r[0]: r[1:]
        for r in zone.rows("select label, visits, bounce_rate, actions_per_visit from web_audience")
    }
    assert got == {"/a": (40.0, 0.25, 2.25), "/b": (10.0, None, None)}


def test_a_row_repeated_as_is_is_a_duplicate_not_merged(zone):
    rows = [
        _ui_row("/contact/merci?email=a@example.org", 3, 4),
        _ui_row("/contact/merci?email=b@example.org", 1, 2),
        _ui_row("/contact/merci?email=a@example.org", 3, 4),  # the same row again: not counted twice
    ]
    (report,) = zone.ingest(_pages(zone, rows))
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "partial",
        3,
        1,
        1,
    ), report.message
    assert zone.one("select visits, actions from web_audience") == (4.0, 6.0)
    (line, value, message) = zone.one("select line, value, message from rejected_rows")
    assert line == 4 and value == "Actions.getPageUrls|/contact/merci|range:2025-06-01_2025-06-30", message
    assert "example.org" not in message


def test_a_group_with_a_value_that_is_not_a_number_is_refused_whole(zone):
    rows = [
        _ui_row("/demarches/etat-civil", 900, 910),
        _ui_row("/contact/merci?email=a@example.org", 3, 4),
        ["/contact/merci?email=b@example.org", "beaucoup", "2", "40\u00a0%", "00:01:05", ""],
    ]
    (report,) = zone.ingest(_pages(zone, rows))
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "partial",
        3,
        1,
        2,
    ), report.message
    rejected = zone.rows('select line, "column", value, message from rejected_rows order by line')
    assert [(r[0], r[1], r[2]) for r in rejected] == [
        (3, "Vues de page uniques", "beaucoup"),
        (4, "Vues de page uniques", "beaucoup"),
    ]
    assert all(
        "n'est pas un nombre : aucune ligne du groupe n'est chargée" in r[3] and "example.org" not in r[3]
        for r in rejected
    )


def test_same_page_on_different_days_stays_apart_and_a_later_export_updates_the_merged_row(zone):
    header = ["date", "label", "nb_visits", "nb_hits"]
    rows = [
        ["2025-06-02", "/contact/merci?email=a@example.org", "3", "4"],
        ["2025-06-02", "/contact/merci?email=b@example.org", "1", "2"],
        ["2025-06-03", "/contact/merci?email=c@example.org", "5", "6"],
    ]
    name = "matomo_api_Actions.getPageUrls_day_2025-06.csv"
    (first,) = zone.ingest(zone.write(name, "\n".join(",".join(r) for r in [header, *rows])))
    assert (first.rows_read, first.rows_loaded, first.rows_rejected) == (3, 2, 0), first.message
    assert zone.rows("select period_start, visits from web_audience order by 1") == [
        (dt.date(2025, 6, 2), 4.0),
        (dt.date(2025, 6, 3), 5.0),
    ]
    # the same days exported again later, with one more visit: the rows are updated, not added
    rows[1][2] = "2"
    (second,) = zone.ingest(zone.write("later_" + name, "\n".join(",".join(r) for r in [header, *rows])))
    assert (second.rows_new, second.rows_updated) == (0, 1), second.message
    assert zone.rows("select period_start, visits from web_audience order by 1") == [
        (dt.date(2025, 6, 2), 5.0),
        (dt.date(2025, 6, 3), 5.0),
    ]


def test_visits_summary_is_untouched(zone):
    (report,) = zone.ingest(*zone.add("matomo_Exporter_VisitsSummary_day_2025-05_fr.csv"))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (9, 9, 0)
    assert "URL" not in report.message and "regroupée" not in report.message
    assert zone.one("select count(*) from web_audience where label is null") == 9
