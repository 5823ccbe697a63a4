"""Tracking registers kept in Excel (issue 13): the services' own status and channel words, and
headers below title rows on every sheet of a workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from pipelines.ingest.adapters.base import norm
from pipelines.ingest.adapters.vocabulary import CHANNELS, STATUSES


def test_a_register_mostly_treated_loads_every_row_and_counts_decided_cases_in_delays(zone):
    (report,) = zone.ingest(*zone.add("registre_etat-civil_statuts_2025.xlsx"))
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "loaded",
        240,
        240,
        0,
    ), report.message
    statuses = dict(zone.rows("select status, count(*) from processing_cases group by 1"))
    # « Traité »/« Instruit »/« Clôturé »: decided, outcome unknown (never counted as accepted)
    assert statuses == {
        "decided": 225,
        "accepted": 6,
        "rejected": 3,
        "closed_without_decision": 3,
        "in_review": 3,
    }
    assert zone.one("select count(*) from kpi_decided_cases(null, null)") == 234
    # a decided case's outcome is not guessed on the request side
    assert zone.one("select count(*) from usage_events where outcome is null") == 225
    channels = dict(zone.rows("select channel, count(*) from usage_events group by 1"))
    assert set(channels) == {"counter", "mail", "email", "phone", "online", "assisted"}
    assert zone.one("select count(*) from usage_events where channel is null") == 0


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Traité", "decided"),
        ("  TRAITEE ", "decided"),
        ("Instruit", "decided"),
        ("clôturé", "decided"),
        ("Délivré", "accepted"),
        ("ACCORDE", "accepted"),
        ("Favorable", "accepted"),
        ("Défavorable", "rejected"),
        ("refusé", "rejected"),
        ("Classé  sans suite", "closed_without_decision"),
        ("Sans suite", "closed_without_decision"),
        ("Abandonné", "closed_without_decision"),
        ("En cours", "in_review"),
        ("en attente", "in_review"),
    ],
)
def test_status_words_are_recognised_whatever_accents_case_and_spacing(word, status):
    assert STATUSES[norm(word)] == status


@pytest.mark.parametrize(
    ("word", "channel"),
    [
        ("Guichet", "counter"),
        ("ACCUEIL", "counter"),
        ("Sur  place", "counter"),
        ("Courrier", "mail"),
        ("courriel", "email"),
        ("Mail", "email"),
        ("Téléphone", "phone"),
        ("TELEPHONE", "phone"),
        ("Internet", "online"),
        ("En ligne", "online"),
        ("Site", "online"),
        ("Portail", "online"),
        ("France Services", "assisted"),
    ],
)
def test_channel_words_are_recognised_whatever_accents_case_and_spacing(word, channel):
    assert CHANNELS[norm(word)] == channel


def test_a_status_outside_the_vocabulary_is_still_rejected_with_its_reason(zone):
    path = zone.write(
        "suivi_statuts.csv",
        "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Date de décision;Statut\r\n"
        "A-1;Acte de naissance;Guichet;06/01/2025;08/01/2025;Traité\r\n"
        "A-2;Acte de naissance;Guichet;06/01/2025;08/01/2025;Soldé\r\n",
        encoding="cp1252",
    )
    (report,) = zone.ingest(path)
    assert (report.status, report.rows_loaded, report.rows_rejected) == ("partial", 1, 1)
    (message,) = zone.rows("select message from rejected_rows")[0]
    assert "Soldé" in message and "decided" in message


def test_a_decided_word_without_a_decision_date_is_rejected(zone):
    path = zone.write(
        "suivi_sans_date.csv",
        "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Date de décision;Statut\r\n"
        "A-1;Acte de naissance;Guichet;06/01/2025;;Traité\r\n"
        "A-2;Acte de naissance;Guichet;06/01/2025;09/01/2025;Traité\r\n",
    )
    (report,) = zone.ingest(path)
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    assert (
        zone.one("select message from rejected_rows")
        == "Dossier décidé (accepté, refusé ou traité) sans date de décision."
    )


# --- title rows -------------------------------------------------------------------------------


def test_headers_below_title_rows_are_found_on_every_sheet_and_reported(zone):
    (report,) = zone.ingest(*zone.add("suivi_demandes_mairie_titres_2025.xlsx"))
    assert (report.status, report.rows_read, report.rows_loaded) == ("loaded", 20, 20), report.message
    assert report.headers == [{"sheet": "Demandes 2025", "line": 4}, {"sheet": "Demandes 2024", "line": 5}]
    assert "en-tête trouvé ligne 4 de la feuille « Demandes 2025 »" in report.message
    assert "en-tête trouvé ligne 5 de la feuille « Demandes 2024 »" in report.message
    assert "« Notice »" in report.message  # the cover sheet, ignored and named
    # real Excel dates read as dates; the merged title is no row
    assert zone.one(
        "select submitted_at::date, decided_at::date from processing_cases where source_id = '2024-003'"
    ) == (
        __import__("datetime").date(2024, 10, 3),
        __import__("datetime").date(2024, 10, 5),
    )
    assert zone.one("select count(*) from processing_cases where source_id like 'Mairie%'") == 0
    # row numbers point at the sheet's rows: the first data row of 2025 is row 5
    assert zone.one("select count(*) from processing_cases") == 20


def _titled_two_columns() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Synthèse"
    ws.merge_cells("A1:C1")
    ws["A1"] = "Mairie — suivi des demandes 2025"
    ws["A2"] = "Extraction du 02/11/2025"
    ws.append([])
    ws.append(["Mois", "Nombre de demandes"])
    ws.append(["janvier", 12])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_titled_sheet_without_a_known_table_is_refused_naming_its_columns_not_its_title(zone):
    (report,) = zone.ingest(zone.write("synthese_2025.xlsx", _titled_two_columns()))
    assert report.status == "refused"
    assert "Format de fichier non reconnu" in report.message
    assert "Colonnes trouvées : « Mois », « Nombre de demandes »" in report.message


def test_a_csv_with_two_title_lines_and_a_blank_one_finds_its_header(zone):
    path = zone.write(
        "suivi_titre.csv",
        "Mairie — suivi des demandes 2025;;;;;\r\n"
        "Extraction du;02/11/2025;;;;\r\n"
        ";;;;;\r\n"
        "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Date de décision;Statut\r\n"
        "A-1;Acte de naissance;Guichet;06/01/2025;08/01/2025;Traité\r\n",
    )
    (report,) = zone.ingest(path)
    assert (report.status, report.rows_loaded) == ("loaded", 1), report.message
    assert report.headers == [{"sheet": None, "line": 4}]
