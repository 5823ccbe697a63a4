"""Matomo exports as they really are: the period in the file name, « Nom » labels, several sites,
scheduled e-mail reports, and interface languages Baromètre does not read."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.ingest.adapters.matomo_names import parse_pretty_period, period_from_name
from tests.pipelines.ingest.test_formats import _taken

D = dt.date


@pytest.mark.parametrize(
    ("name", "kind", "start", "end"),
    [
        (
            "Exporter _ Récapitulatif des visites _ novembre 2024.csv",
            "month",
            D(2024, 11, 1),
            D(2024, 11, 30),
        ),
        ("Export _ Visits Summary _ November 2024 (1).csv", "month", D(2024, 11, 1), D(2024, 11, 30)),
        (
            "Exporter _ Récapitulatif des visites _ vendredi 1 novembre 2024.csv",
            "day",
            D(2024, 11, 1),
            D(2024, 11, 1),
        ),
        ("Export _ Visits Summary _ Friday, November 1, 2024.csv", "day", D(2024, 11, 1), D(2024, 11, 1)),
        ("Exporter _ Pages _ semaine 4 – 10 novembre 2024.csv", "week", D(2024, 11, 4), D(2024, 11, 10)),
        (
            "Exporter _ Pages _ semaine du 28 octobre au 3 novembre 2024.csv",
            "week",
            D(2024, 10, 28),
            D(2024, 11, 3),
        ),
        ("Export _ Pages _ week November 4 – 10, 2024.csv", "week", D(2024, 11, 4), D(2024, 11, 10)),
        ("Exporter _ Pages _ 1–15 novembre 2024.csv", "range", D(2024, 11, 1), D(2024, 11, 15)),
        ("Export _ Pages _ December 30, 2024 – January 5, 2025.csv", "week", D(2024, 12, 30), D(2025, 1, 5)),
        ("Export _ Pages _ November 1 – December 15, 2024.csv", "range", D(2024, 11, 1), D(2024, 12, 15)),
        ("Exporter _ Pages _ 2024.csv", "year", D(2024, 1, 1), D(2024, 12, 31)),
        ("Piwik Export _ Pages _ 1 nov. 2024.csv", "day", D(2024, 11, 1), D(2024, 11, 1)),
        ("Mairie d'Exemple - novembre 2024 - Rapport mensuel.csv", "month", D(2024, 11, 1), D(2024, 11, 30)),
    ],
)
def test_period_read_from_the_name_matomo_gives_its_download(name, kind, start, end):
    assert period_from_name(name) == (kind, start, end)


@pytest.mark.parametrize(
    "name",
    [
        "recapitulatif-visites.csv",
        "Exporter _ Pages _ Novembar 2024.csv",
        "Exporter _ Pages _ 31 février 2024.csv",
    ],
)
def test_no_period_in_a_name_that_does_not_give_one(name):
    assert period_from_name(name) is None
    assert parse_pretty_period("15 – 1 novembre 2024") is None  # a range that runs backwards


@pytest.mark.parametrize(
    ("name", "kind", "start", "end", "visits"),
    [
        (
            "Exporter _ Récapitulatif des visites _ novembre 2024.csv",
            "month",
            D(2024, 11, 1),
            D(2024, 11, 30),
            9100,
        ),
        (
            "Export _ Visits Summary _ Friday, November 1, 2024.csv",
            "day",
            D(2024, 11, 1),
            D(2024, 11, 1),
            310,
        ),
        (
            "Exporter _ Récapitulatif des visites _ semaine 4 – 10 novembre 2024.csv",
            "week",
            D(2024, 11, 4),
            D(2024, 11, 10),
            2150,
        ),
        (
            "Exporter _ Récapitulatif des visites _ 1–15 novembre 2024.csv",
            "range",
            D(2024, 11, 1),
            D(2024, 11, 15),
            4500,
        ),
        ("Exporter _ Récapitulatif des visites _ 2024.csv", "year", D(2024, 1, 1), D(2024, 12, 31), 101000),
    ],
)
def test_one_period_download_loads_with_its_period(zone, name, kind, start, end, visits):
    (report,) = zone.ingest(*zone.add(name))
    _taken(report, 1)
    assert zone.one(
        "select report, period_type, period_start, period_end, visits, bounce_rate from web_audience"
    ) == ("VisitsSummary", kind, start, end, float(visits), 0.41)


def test_a_second_download_of_the_same_report_is_the_same_row(zone):
    (first,) = zone.ingest(*zone.add("Export _ Visits Summary _ November 2024.csv"))
    (again,) = zone.ingest(*zone.add("Export _ Visits Summary _ November 2024 (1).csv"))
    _taken(first, 1)
    assert again.status == "loaded" and again.rows_updated == 1 and again.rows_new == 0, again.message
    assert zone.rows("select source_id, visits from web_audience") == [
        ("VisitsSummary||month:2024-11-01", 9150.0)
    ]
    # the same report downloaded in French is that row too
    (fr,) = zone.ingest(*zone.add("Exporter _ Récapitulatif des visites _ novembre 2024.csv"))
    assert fr.rows_updated == 1 and zone.one("select count(*) from web_audience") == 1


def test_a_download_without_its_period_is_refused_with_the_way_to_export_it(zone):
    (report,) = zone.ingest(*zone.add("recapitulatif-visites.csv"))
    assert report.status == "refused"
    assert "sans période" in report.message and "Exporter _ <rapport> _ <période>.csv" in report.message
    assert "période « jour »" in report.message
    assert zone.one("select count(*) from web_audience") == 0


@pytest.mark.parametrize(
    "name", ["Exporter _ Pages _ novembre 2024.csv", "Export _ Pages _ November 2024.tsv"]
)
def test_page_report_keeps_its_labels_in_french_and_english(zone, name):
    (report,) = zone.ingest(*zone.add(name))
    _taken(report, 6)
    rows = zone.rows("select report, label, period_type, visits from web_audience order by visits desc")
    assert [r[1] for r in rows] == [
        "/",
        "/demarches/etat-civil",
        "/demarches/urbanisme/permis",
        "/contact",
        "/actualites",
        "/recherche",  # query string dropped
    ]
    assert {(r[0], r[2]) for r in rows} == {("Actions.getPageUrls", "month")}


def test_api_export_of_several_sites_keeps_one_row_per_site(zone):
    (report,) = zone.ingest(*zone.add("matomo_api_VisitsSummary.get_idSite-all_month.csv"))
    _taken(report, 6)
    assert zone.rows(
        "select source_id, visits from web_audience where period_start = '2024-11-01' order by 1"
    ) == [
        ("site:1|VisitsSummary||month:2024-11-01", 1050.0),
        ("site:2|VisitsSummary||month:2024-11-01", 2050.0),
        ("site:3|VisitsSummary||month:2024-11-01", 3050.0),
    ]


def test_all_websites_report_keeps_one_row_per_site(zone):
    (report,) = zone.ingest(*zone.add("Exporter _ Tous les sites web _ novembre 2024.csv"))
    _taken(report, 3)
    assert zone.rows("select report, label, visits from web_audience order by visits") == [
        ("MultiSites.getAll", "Médiathèque", 1200.0),
        ("MultiSites.getAll", "Office de tourisme", 3400.0),
        ("MultiSites.getAll", "Mairie d'Exemple", 9100.0),
    ]


def test_scheduled_report_is_split_into_its_reports(zone):
    (report,) = zone.ingest(*zone.add("Mairie d'Exemple - novembre 2024 - Rapport mensuel.csv"))
    _taken(report, 6)
    rows = zone.rows(
        "select report, label, period_type, period_start, visits from web_audience order by 1, 2"
    )
    assert rows == [
        ("Actions.getPageUrls", "/", "month", D(2024, 11, 1), 2210.0),
        ("Actions.getPageUrls", "/contact", "month", D(2024, 11, 1), 3.0),  # e-mail dropped with the query
        ("Actions.getPageUrls", "/demarches/etat-civil", "month", D(2024, 11, 1), 1200.0),
        ("UserCountry.getCountry", "Belgique", "month", D(2024, 11, 1), 300.0),
        ("UserCountry.getCountry", "France", "month", D(2024, 11, 1), 8800.0),
        ("VisitsSummary", None, "month", D(2024, 11, 1), 9100.0),
    ]
    assert (
        zone.one("select count(*) from web_audience where source_id not like 'site:Mairie d''Exemple|%'") == 0
    )
    assert "« Objectifs »" in report.message and "non repris" in report.message
    assert "Il n'y a pas" not in str(zone.rows("select label from web_audience"))


def test_scheduled_report_without_a_period_is_refused(zone):
    from tests.pipelines.ingest.conftest import FORMATS

    data = (FORMATS / "Mairie d'Exemple - novembre 2024 - Rapport mensuel.csv").read_bytes()
    (report,) = zone.ingest(zone.write("rapport-mensuel.csv", data))
    assert report.status == "refused" and "sans période" in report.message
    assert zone.one("select count(*) from web_audience") == 0


def test_matomo_export_in_german_is_recognised_and_refused(zone):
    (report,) = zone.ingest(*zone.add("Export _ Besuchsübersicht _ November 2024.csv"))
    assert report.status == "refused"
    assert (
        "export Matomo reconnu, langue non gérée : exportez l'interface en français ou en anglais"
        in report.message
    )
    assert (
        "non reconnu" not in report.message.replace("Matomo reconnu", "")
        and "[mapping]" not in report.message
    )


def test_scheduled_report_in_tsv_rejects_a_row_on_its_own_line(zone):
    text = (
        "Récapitulatif des visites\n"
        "Visiteurs uniques\tVisites\tActions\tTaux de rebond\n"
        "80\t100\t300\t41\u00a0%\n"
        "\n"
        "Pays\n"
        "Pays\tVisites\tActions\tTaux de rebond\n"
        "France\t90\t280\t40\u00a0%\n"
        "Belgique\tbeaucoup\t20\t50\u00a0%\n"
        "\n"
    )
    (report,) = zone.ingest(zone.write("Site test - semaine 4 – 10 novembre 2024 - Hebdo.tsv", text))
    _taken(report, 3, rejected=1)
    assert zone.one("select line from rejected_rows") == 8
    assert zone.rows("select distinct period_type, period_start from web_audience") == [
        ("week", D(2024, 11, 4))
    ]
