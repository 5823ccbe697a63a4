"""Mapping files: the documented example works end to end; invalid files name the file and the key;
the template offered for an unknown layout loads once filled."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from pipelines.ingest.mapping_files import load_mappings
from tests.pipelines.ingest.conftest import EXAMPLE_MAPPING, by_name


def test_example_mapping_loads_the_limesurvey_full_text_export(zone):
    zone.mapping("enquete-accueil.toml", EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    (report,) = zone.ingest(*zone.add("results-survey456789_default-full-text_comma.csv"))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.source) == (10, 10, "limesurvey-456789")
    rows = {
        r[0]: r[1:]
        for r in zone.rows(
            "select source_id, responded_at, service, channel, score_raw, scale_min, scale_max, score_10, satisfied, complete from survey_responses"
        )
    }
    assert rows["1"] == (
        dt.datetime(2025, 4, 1, 9, 12, 44),
        "accueil-mairie",
        "counter",
        4.0,
        1.0,
        5.0,
        7.5,
        True,
        True,
    )
    assert rows["2"][2:] == ("phone", 3.0, 1.0, 5.0, 5.0, False, True)
    assert rows["3"][0] is None and rows["3"][-1] is False  # no submitdate: incomplete, kept, not counted
    assert rows["5"][0] is None and rows["5"][-1] is True  # 1980-01-01: completed, date unknown
    assert rows["5"][2] == "email"  # « Par courriel », known without a mapping line
    assert rows["4"][2] == "other"
    assert rows["7"][2] == "counter"  # « À l’accueil » with a curly apostrophe
    assert rows["9"][2] == "online"  # « Sur le site internet de la mairie »: key words
    assert rows["8"][1:] == ("accueil-mairie", None, None, 1.0, 5.0, None, None, False)
    assert zone.one("select count(*) from survey_responses where complete") == 8
    assert (
        zone.one("select service_label from survey_responses where source_id = '1'") == "Accueil de la mairie"
    )


def test_mapping_by_file_name_with_codes_and_value_translations(zone):
    zone.mapping(
        "codes.toml",
        """
[match]
filename = "results-survey456789_codes*.csv"
[target]
dataset = "survey"
[columns]
source_id = "id"
responded_at = "submitdate"
score_raw = "NOTE"
channel = "CANAL"
comment = "COMMENT"
[scale]
min = 1
max = 5
[values.channel]
"A1" = "counter"
"A2" = "phone"
"A3" = "email"
"A4" = "online"
"-oth-" = "other"
[constants]
service = "etat-civil"
""",
    )
    (report,) = zone.ingest(*zone.add("results-survey456789_codes_semicolon.csv"))
    assert (report.status, report.rows_loaded, report.source) == ("loaded", 16, "limesurvey-456789")
    assert zone.one("select count(*) from survey_responses where complete") == 13
    assert zone.one("select channel, score_10, comment from survey_responses where source_id = '4'") == (
        "other",
        2.5,
        "Trois semaines pour une simple attestation,\nc'est beaucoup trop long.",
    )
    assert zone.one("select avg(score_10) from survey_responses where complete") == pytest.approx(
        sum((x - 1) / 4 * 10 for x in (4, 3, 2, 5, 2, 4, 4, 5, 1, 4, 5, 3, 4)) / 13
    )


def test_mapping_to_two_datasets_with_built_in_vocabulary(zone):
    zone.mapping(
        "logiciel.toml",
        """
[match]
columns = ["Réf.", "Reçue le"]
[target]
dataset = ["processing", "usage"]
source = "logiciel-ec"
[columns]
source_id = "Réf."
submitted_at = "Reçue le"
decided_at = "Close le"
status = "État"
channel = "Origine"
[constants]
service = "etat-civil"
""",
    )
    zone.write(
        "extraction.csv",
        "Réf.;Reçue le;Close le;État;Origine\nX1;02/01/2025;03/01/2025;Délivrée;Guichet\nX2;02/01/2025;;En attente;Internet\n",
    )
    (report,) = zone.ingest()
    assert (report.status, report.rows_loaded, report.dataset) == (
        "loaded",
        2,
        "processing_cases, usage_events",
    )
    assert zone.rows("select source_id, status, channel from processing_cases order by 1") == [
        ("X1", "accepted", "counter"),
        ("X2", "in_review", "online"),
    ]
    assert zone.rows("select outcome from usage_events order by source_id") == [("completed",), ("pending",)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[match\ncolumns = []", "Fichier de correspondance casse.toml : syntaxe TOML invalide"),
        (
            '[target]\ndataset = "survey"\n',
            "Fichier de correspondance casse.toml, clé [match] : indiquez columns",
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "enquetes-web"\n',
            "clé [target] dataset : « enquetes-web » n'est pas reconnu",
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "survey"\n[columns]\nscor_raw = "A"\n',
            "clé [columns] scor_raw : « scor_raw » n'est pas une colonne de survey_responses",
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "survey"\n[columns]\nscore_raw = "A"\n',
            "clé [scale] : indiquez min et max",
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "survey"\n[columns]\nscore_raw = "A"\n[scale]\nmin = 5\nmax = 1\n',
            "clé [scale] : min (5) doit être plus petit que max (1)",
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "usage"\n[columns]\nsubmitted_at = "A"\n',
            "clé [columns] : il manque « service »",
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "survey"\n[columns]\nnps = "A"\n[values.channel]\n"Tel" = "telephone"\n',
            'clé [values.channel] "Tel" : « telephone » n\'est pas une valeur possible',
        ),
        (
            '[match]\ncolumns = ["A"]\n[target]\ndataset = "survey"\n[columns]\nnps = 3\n',
            "clé [columns] nps : doit être le nom d'une colonne",
        ),
        ('[match]\ncolumns = ["A"]\n[cible]\ndataset = "survey"\n', "clé [cible] : section inconnue"),
        (
            '[match]\ncolumns = ["A"]\n[target]\nformat = "outil-inconnu"\n',
            "clé [target] format : « outil-inconnu » n'est pas un format intégré",
        ),
    ],
)
def test_invalid_mapping_gets_a_french_message_naming_file_and_key(tmp_path, text, expected):
    (tmp_path / "casse.toml").write_text(text, encoding="utf-8")
    (tmp_path / "bonne.toml").write_text(EXAMPLE_MAPPING.read_text(encoding="utf-8"), encoding="utf-8")
    adapters, errors = load_mappings(tmp_path)
    assert [a.name for a in adapters] == ["fichier de correspondance bonne.toml"]
    ((path, message),) = errors
    assert path.name == "casse.toml"
    assert expected in message


def test_an_invalid_mapping_is_reported_by_the_ingest_and_the_rest_goes_on(zone):
    zone.mapping("casse.toml", '[match]\ncolumns = ["A"]\n[target]\ndataset = "nope"\n')
    reports = by_name(zone.ingest(*zone.add("export_avis_xwiki_2023.csv")))
    assert reports["casse.toml"].status == "refused"
    assert "casse.toml, clé [target] dataset" in reports["casse.toml"].message
    assert reports["export_avis_xwiki_2023.csv"].status == "loaded"


def test_mapping_missing_a_column_of_the_file_refuses_it_with_the_key(zone):
    zone.mapping(
        "m.toml",
        '[match]\ncolumns = ["A"]\n[target]\ndataset = "survey"\n[columns]\nnps = "Recommandation"\n',
    )
    zone.write("f.csv", "A,B\n1,2\n")
    (report,) = zone.ingest()
    assert report.status == "refused"
    assert "attend la colonne « Recommandation » (clé [columns] nps)" in report.message


def test_the_template_of_an_unknown_layout_loads_once_filled(zone):
    zone.write(
        "extraction_crm.csv",
        "Référence;Date de réception;Nature de l'acte;Point de contact;Agent\r\n"
        "R1;06/01/2025;Acte de naissance;Guichet;Mme X\r\nR2;07/01/2025;Acte de naissance;Téléphone;M. Y\r\n",
    )
    (refused,) = zone.ingest()
    assert refused.status == "refused"
    template = refused.message.split("relancez l'import :\n", 1)[1]
    doc = tomllib.loads(template)
    assert doc["columns"] == {
        "source_id": "Référence",
        "submitted_at": "Date de réception",
        "service": "Nature de l'acte",
    }
    assert '# channel = "???"' in template
    zone.mapping("crm.toml", template.replace('# channel = "???"', 'channel = "Point de contact"', 1))
    (report,) = zone.ingest()
    assert (report.status, report.rows_loaded) == ("loaded", 2), report.message
    assert zone.rows("select source_id, service, channel from usage_events order by 1") == [
        ("R1", "etat-civil", "counter"),
        ("R2", "etat-civil", "phone"),
    ]


def test_limesurvey_tab_export_in_english_with_a_0_to_10_scale(zone):
    from tests.pipelines.ingest.test_privacy import TAB_MAPPING

    zone.mapping("tab.toml", TAB_MAPPING)
    (report,) = zone.ingest(*zone.add("results-survey778899_tab.csv"))
    assert (report.status, report.rows_loaded, report.source) == ("loaded", 5, "limesurvey-778899")
    assert zone.one("select count(*) from survey_responses where complete") == 4
    assert zone.one(
        "select channel, score_10, satisfied, comment from survey_responses where source_id = '11'"
    ) == ("online", 9.0, True, "Great")
    assert zone.one("select score_10, satisfied from survey_responses where source_id = '12'") == (6.0, False)
    assert zone.one("select comment from survey_responses where source_id = '14'") == "Parfait\tmerci"


# --- LimeSurvey: each question once, each column by one name ----------------------------------


def _template(zone, name: str) -> str:
    (report,) = zone.ingest(*zone.add(name))
    assert report.status == "refused"
    return report.message[report.message.index("[match]") :]


def test_limesurvey_template_names_a_repeated_question_text_once_per_column(zone):
    text = _template(zone, "results-survey612345_full-text_repeated.csv")
    assert 'comment = "Commentaire (1)"' in text and '"Commentaire (2)"' in text
    assert '"Commentaire"' not in text.replace(
        'L\'en-tête "Commentaire"', ""
    )  # never the bare, ambiguous name
    assert 'score_raw = "Sur une échelle de 1 à 5' in text  # not one subquestion of an array
    # the completed template loads every complete response, each comment from its own column
    body = text.replace("[constants]", '[constants]\nservice = "accueil-mairie"')
    body = body.replace('# "À l\'accueil de la mairie" = "???"', '"À l\'accueil de la mairie" = "counter"')
    zone.mapping("limesurvey-612345.toml", body)
    (report,) = zone.ingest(zone.data / "results-survey612345_full-text_repeated.csv")
    assert (report.status, report.rows_loaded) == ("loaded", 4)
    assert zone.rows("select source_id, comment from survey_responses order by source_id") == [
        ("1", "Accueil souriant."),
        ("2", None),
        ("3", None),
        ("4", "Rien à signaler"),
    ]


def test_limesurvey_template_lists_each_question_once_with_its_subquestions(zone):
    (report,) = zone.ingest(*zone.add("results-survey612346_codes_subquestions.csv"))
    questions = report.message[report.message.index("Questions trouvées") : report.message.index("[match]")]
    assert questions.count("« SATIS »") == 1 and questions.count("« DEMARCHE »") == 1
    assert "« SATIS[SQ001] », « SATIS[SQ002] », « SATIS[SQ003] »" in questions
    text = report.message[report.message.index("[match]") :]
    assert 'channel = "CANAL"' in text and 'score_raw = "NOTE"' in text
    assert "service = " not in text.replace('# service = "???"', "")  # no subquestion guessed as a service
    assert text.count('"SATIS[SQ002]"') == 1


def test_mapping_naming_a_repeated_header_is_refused_with_its_columns(zone):
    zone.mapping(
        "enquete.toml",
        """
[match]
columns = ["Sur une échelle de 1 à 5, quelle note globale donnez-vous à ce service ?"]
[target]
dataset = "survey"
[columns]
score_raw = "Sur une échelle de 1 à 5, quelle note globale donnez-vous à ce service ?"
comment = "Commentaire"
[scale]
min = 1
max = 5
[constants]
service = "accueil-mairie"
""",
    )
    (report,) = zone.ingest(*zone.add("results-survey612345_full-text_repeated.csv"))
    assert report.status == "refused"
    assert "clé [columns] comment" in report.message
    assert "« Commentaire » est celui de 2 colonnes" in report.message
    assert "colonne 12 (L)" in report.message and "colonne 14 (N)" in report.message
    assert "« Commentaire (1) »" in report.message and "« Commentaire (2) »" in report.message
    assert zone.one("select count(*) from survey_responses") == 0
