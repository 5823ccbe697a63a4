"""A catalogue of bad inputs: each gets its French reason, and nothing else is lost."""

from __future__ import annotations

import tomllib

import pytest

from tests.pipelines.ingest.conftest import by_name

HEADER = "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Date de décision;Statut;Commune;Tranche d'âge\r\n"
GOOD = "A-1;Acte de naissance;Guichet;06/01/2025;07/01/2025;Délivré;39300;30-44\r\n"


def _log(zone, name: str, *bad_rows: str):
    path = zone.write(
        name,
        HEADER
        + GOOD
        + "".join(bad_rows)
        + "A-9;Acte de naissance;En ligne;08/01/2025;;En cours;01053;75+\r\n",
    )
    (report,) = zone.ingest(path)
    return report


def _rejections(zone) -> list[tuple]:
    return zone.rows(
        'select line, "column", "check", value, message from rejected_rows order by line, "column"'
    )


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (
            "A-2;Acte de naissance;Guichet;31/02/2025;;En cours;39300;30-44\r\n",
            "submitted_at",
            "Valeur illisible pour date de dépôt (submitted_at) : « 31/02/2025 » n'est pas une date lisible",
        ),
        (
            "A-2;Acte de naissance;Guichet;06/01/2031;;En cours;39300;30-44\r\n",
            "submitted_at",
            "Date invraisemblable pour date de dépôt (submitted_at) : « 06/01/2031 » (dans le futur",
        ),
        (
            "A-2;Acte de naissance;Guichet;06/01/1999;;En cours;39300;30-44\r\n",
            "submitted_at",
            "(antérieure à 2000)",
        ),
        (
            "A-2;Acte de naissance;Guichet;10/01/2025;09/01/2025;Délivré;39300;30-44\r\n",
            "decided_at",
            "La décision (09/01/2025) est antérieure au dépôt du dossier (10/01/2025).",
        ),
        (
            "A-2;Acte de naissance;Guichet;10/01/2025;;Délivré;39300;30-44\r\n",
            "decided_at",
            "Dossier décidé (accepté, refusé ou traité) sans date de décision.",
        ),
        (
            "A-2;Acte de naissance;Guichet;10/01/2025;;En cours;39300;quarante ans\r\n",
            "age_band",
            "« quarante ans » n'a pas le format attendu pour tranche d'âge (age_band) (tranche d'âge, ex. 30-44, <25, 75+).",
        ),
        (
            "A-2;Acte de naissance;Fax;10/01/2025;;En cours;39300;30-44\r\n",
            "channel",
            "« Fax » n'est pas une valeur admise pour canal (channel) (valeurs admises : online, assisted, counter, phone, mail, email, other).",
        ),
        (
            "A-2;Acte de naissance;Guichet;10/01/2025;;Perdu;39300;30-44\r\n",
            "status",
            "« Perdu » n'est pas une valeur admise pour statut (status)",
        ),
        (
            "A-2;Acte de naissance;Guichet;10/01/2025;;En cours;Lons;30-44\r\n",
            "commune",
            "n'a pas le format attendu pour commune (code INSEE)",
        ),
        (
            "A-2;;Guichet;10/01/2025;;En cours;39300;30-44\r\n",
            "service",
            "service : valeur obligatoire absente sur cette ligne.",
        ),
    ],
)
def test_bad_values_are_rejected_with_a_french_reason_and_the_rest_loads(zone, row, column, expected):
    report = _log(zone, "suivi.csv", row)
    assert report.status == "partial"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    (line, col, _check, _value, message) = _rejections(zone)[0]
    assert (line, col) == (3, column)
    assert expected in message
    assert zone.one("select count(*) from processing_cases") == 2
    assert zone.one("select count(*) from usage_events") == 2  # the refused line is in no table
    assert zone.one("select count(*) from rejected_rows") == 1  # written once, not once per table


def test_duplicate_ids_keep_the_first_line(zone):
    report = _log(zone, "suivi.csv", GOOD.replace("07/01/2025", "08/01/2025"))
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    (line, col, check, value, message) = _rejections(zone)[0]
    assert (line, col, check, value) == (3, "source_id", "unique", "A-1")
    assert "en double dans le fichier (déjà présent ligne 2)" in message
    assert (
        zone.one("select decided_at::date::varchar from processing_cases where source_id = 'A-1'")
        == "2025-01-07"
    )


def test_malformed_line_is_rejected(zone):
    report = _log(zone, "suivi.csv", "A-2;Acte;Guichet;10/01/2025;;En cours;39300;30-44;x;y\r\n")
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert "Ligne mal formée : 10 champ(s) au lieu de 8" in _rejections(zone)[0][4]


def test_score_off_the_scale(zone):
    from tests.pipelines.ingest.conftest import EXAMPLE_MAPPING

    zone.mapping("enquete.toml", EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    zone.write(
        "results-survey456789.csv",
        '\ufeff"ID de la réponse","Date de soumission","Dernière page","Langue de départ",'
        '"Sur une échelle de 1 à 5, quelle note globale donnez-vous à ce service ?","Par quel moyen avez-vous contacté la mairie ?"\r\n'
        '"1","2025-04-01 09:00:00","2","fr","4","Par téléphone"\r\n'
        '"2","2025-04-01 10:00:00","2","fr","7","Par téléphone"\r\n',
    )
    (report,) = zone.ingest()
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    assert _rejections(zone)[0][4] == "Note « 7 » hors de l'échelle déclarée (1 à 5)."


def test_jdma_clarity_off_the_scale(zone):
    path = zone.add("Avis_Inscription_scolaire_2026-05-10_08-00-00.csv")[0]
    path.write_text(
        path.read_text(encoding="utf-8").replace("Très bien,5,", "Très bien,9,"), encoding="utf-8"
    )
    (report,) = zone.ingest()
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert "Réponse de clarté « 9 » hors de l'échelle 1 à 5." in _rejections(zone)[0][4]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("vide.csv", b"", "Le fichier est vide."),
        ("bruit.csv", bytes(range(256)) * 40, "contenu binaire"),
        ("entete.csv", HEADER.encode(), "ne contient que la ligne d'en-tête"),
        (
            "ancien.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "Excel 97-2003 (.xls) n'est pas pris en charge",
        ),
        ("faux.xlsx", HEADER.encode() + GOOD.encode(), "pas un classeur Excel valide"),
    ],
)
def test_files_that_cannot_be_taken_are_refused_with_a_reason(zone, name, content, reason):
    zone.write(name, content)
    zone.write("bon.csv", HEADER + GOOD.replace("A-1", "B-1"))
    reports = by_name(zone.ingest())
    assert reports[name].status == "refused"
    assert reason in reports[name].message
    assert reports["bon.csv"].status == "loaded"  # the other files go on
    ledger = zone.one("select status, message from ingest_files where path like ?", [f"%{name}"])
    assert ledger[0] == "refused" and reason in ledger[1]


def test_unknown_layout_lists_columns_closest_format_and_a_mapping_to_fill(zone):
    zone.write(
        "export_logiciel.csv",
        "Référence;Date de réception;Nature de l'acte;Bureau;Agent\r\nR1;06/01/2025;Naissance;B1;Mme X\r\n",
    )
    (report,) = zone.ingest()
    assert report.status == "refused"
    message = report.message
    assert message.startswith(
        "Format de fichier non reconnu. Colonnes trouvées : « Référence », « Date de réception », « Nature de l'acte »"
    )
    assert "Format connu le plus proche : " in message
    template = message.split("relancez l'import :\n", 1)[1]
    doc = tomllib.loads(template)  # ready to be saved as is
    assert doc["columns"]["source_id"] == "Référence"
    assert doc["columns"]["submitted_at"] == "Date de réception"
    assert doc["columns"]["service"] == "Nature de l'acte"
    assert doc["target"]["dataset"] == "usage"
    assert "Mme X" not in message


def test_an_unrecognised_archive_member_refuses_the_archive(zone):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("bon.csv", HEADER + GOOD)
        zf.writestr("autre.csv", "x;y\n1;2\n")
    zone.write("lot.zip", buf.getvalue())
    (report,) = zone.ingest()
    assert report.status == "refused"
    assert "Format de fichier non reconnu (fichier « autre.csv » de l'archive)" in report.message
    assert zone.one("select count(*) from processing_cases") == 0


def test_limesurvey_without_mapping_is_recognised_and_refused_with_a_mapping_to_fill(zone):
    (report,) = zone.ingest(*zone.add("results-survey456789_codes_semicolon.csv"))
    assert report.status == "refused"
    assert report.message.startswith("Export LimeSurvey reconnu (questionnaire 456789, 16 réponse(s))")
    doc = tomllib.loads(report.message.split("relancez l'import :\n", 1)[1])
    assert doc["target"] == {"dataset": "survey", "source": "limesurvey-456789"}
    assert doc["columns"]["source_id"] == "id" and doc["columns"]["responded_at"] == "submitdate"
    assert doc["columns"]["score_raw"] == "NOTE" and doc["scale"] == {"min": 1, "max": 5}
    assert '# "A1" = "???"' in report.message  # answer codes listed for the channel


def test_sitadel_is_recognised_and_refused_with_the_reason(zone):
    (report,) = zone.ingest(
        *zone.add("RECONSTRUCTED_Liste-des-autorisations-durbanisme-creant-des-logements.2025-05_subset.csv")
    )
    assert report.status == "refused"
    assert report.message.startswith("Fichier Sitadel reconnu")
    assert "date de dépôt" in report.message
