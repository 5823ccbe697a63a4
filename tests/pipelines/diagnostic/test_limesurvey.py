"""Maturity answers from a LimeSurvey export through a mapping file (array question, one column per
statement), in code mode (``MAT[GOV1]``) and in full-text mode (« … [statement] »).

Code-mode export (survey 246810), LimeSurvey's own columns ``id, submitdate, lastpage,
startlanguage, seed`` then the group question ``GRP`` (answer codes A1 = élu, A2 = agent) and the
array ``MAT`` with answer codes A0…A5 and LimeSurvey's « no answer » (empty):

    id  submitdate            GRP  MAT[GOV1] MAT[GOV2] MAT[INC1]
    11  2026-06-15 10:02:11   A1     A3        A4        (empty)
    12  2026-06-15 10:05:40   A2     A1        A2        A2
    13  (not submitted)       A2     A5        A5        A5
    14  2026-06-15 11:00:00   A2     A9        A1        A1

13 is refused (incomplete), 14 refused (level 9). GOV scores: 11 → 3,5; 12 → 1,5.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.pipelines.ingest.conftest import DropZone

CODE_EXPORT = (
    "id,submitdate,lastpage,startlanguage,seed,GRP,MAT[GOV1],MAT[GOV2],MAT[INC1]\n"
    '11,"2026-06-15 10:02:11",3,fr,123,A1,A3,A4,\n'
    '12,"2026-06-15 10:05:40",3,fr,456,A2,A1,A2,A2\n'
    "13,,1,fr,789,A2,A5,A5,A5\n"
    '14,"2026-06-15 11:00:00",3,fr,321,A2,A9,A1,A1\n'
)
CODE_MAPPING = """
[match]
columns = ["MAT[GOV1]"]
[target]
dataset = "maturity"
[columns]
respondent_group = "GRP"
[values.respondent_group]
A1 = "elu"
A2 = "agent"
[constants]
wave = 2026-06-15
"""


def test_code_mode_export_with_mapping(tmp_path):
    zone = DropZone(tmp_path)
    zone.mapping("maturite.toml", CODE_MAPPING)
    zone.write("results-survey246810.csv", CODE_EXPORT)
    (report,) = zone.ingest()
    assert report.status == "partial", report.message
    got = zone.rows("select respondent_group, item, level from maturity_answers order by all")
    assert got == [
        ("agent", "GOV-1", 1),
        ("agent", "GOV-2", 2),
        ("agent", "INC-1", 2),
        ("elu", "GOV-1", 3),
        ("elu", "GOV-2", 4),
        ("elu", "INC-1", None),
    ]
    assert zone.one("select distinct source from maturity_answers") == "limesurvey-246810"
    keys = {k for (k,) in zone.rows("select distinct respondent_key from maturity_answers")}
    assert len(keys) == 2 and not keys & {"11", "12"}
    reasons = dict(zone.rows("select line, message from rejected_rows"))
    assert reasons[4] == "Réponse non envoyée (incomplète) : non comptée."
    assert "Niveau « 9 » (affirmation GOV-1)" in reasons[5] or "« 9 » est hors des bornes" in reasons[5]
    score = zone.one("select score from kpi_maturity_scores where theme = 'GOV' and \"group\" = 'all'")
    assert score == pytest.approx((3.5 + 1.5) / 2)
    # the same export again: nothing changes
    before = zone.rows("select * exclude (file_id) from maturity_answers order by all")
    zone.write("copie/results-survey246810.csv", CODE_EXPORT)
    zone.ingest()
    assert zone.rows("select * exclude (file_id) from maturity_answers order by all") == before


FULL_TEXT = "Où en est la collectivité ?"
FULL_EXPORT = (
    "ID de la réponse;Date de soumission;Dernière page;Langue de départ;Vous êtes ;"
    f"{FULL_TEXT} [Une stratégie numérique écrite fixe des objectifs datés et mesurables.];"
    f"{FULL_TEXT} [Les publics éloignés du numérique sont connus (diagnostic, indice de fragilité).];"
    "Votre nom (facultatif)\n"
    "1;15/02/2024 09:00;2;fr;Élu(e);3 - Une pratique organisée;Ne sait pas;Jeanne Martin\n"
    "2;15/02/2024 09:30;2;fr;Agent;0 - Rien n'existe;1 - Des initiatives isolées;\n"
    "3;15/02/2024 09:40;2;fr;Agent;Sans réponse;N/A;\n"
)
FULL_MAPPING = f"""
[match]
columns = ["{FULL_TEXT} [Une stratégie numérique écrite fixe des objectifs datés et mesurables.]"]
[target]
dataset = "maturity"
source = "limesurvey-maturite"
[columns]
respondent_group = "Vous êtes"
[constants]
wave = "15/02/2024"
"""


def test_full_text_export_statements_found_by_their_wording(tmp_path):
    zone = DropZone(tmp_path)
    zone.mapping("maturite.toml", FULL_MAPPING)
    zone.write("export-maturite.csv", FULL_EXPORT.encode("utf-8"))
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    got = zone.rows("select respondent_group, item, level from maturity_answers order by all")
    assert got == [
        ("agent", "GOV-1", 0),
        ("agent", "GOV-1", None),
        ("agent", "INC-1", 1),
        ("agent", "INC-1", None),
        ("elu", "GOV-1", 3),
        ("elu", "INC-1", None),
    ]
    dump = " ".join(str(r) for r in zone.rows("select * from maturity_answers"))
    assert "Jeanne" not in dump


def test_mapping_without_group_refused_naming_the_key(tmp_path):
    zone = DropZone(tmp_path)
    zone.mapping("maturite.toml", CODE_MAPPING.replace('respondent_group = "GRP"', ""))
    zone.write("results-survey246810.csv", CODE_EXPORT)
    reports = zone.ingest()
    messages = " ".join(r.message for r in reports)
    assert (
        "maturite.toml, clé [columns] : il manque « respondent_group », obligatoire pour maturity_answers"
        in messages
    )


def test_without_mapping_refused_with_a_maturity_mapping_to_fill(tmp_path):
    zone = DropZone(tmp_path)
    zone.write("results-survey246810.csv", CODE_EXPORT)
    (report,) = zone.ingest()
    assert report.status == "refused"
    assert (
        "Export LimeSurvey d'autoévaluation de maturité reconnu (4 réponse(s), 3 affirmations"
        in report.message
    )
    template = report.message.split("relancez l'import :\n", 1)[1]
    assert 'dataset = "maturity"' in template and 'respondent_group = "GRP"' in template
    # completed as the message says, the mapping takes the file
    filled = template.replace('wave = "???"', "wave = 2026-06-15").replace(
        '# "A1" = "elu"', 'A1 = "elu"\nA2 = "agent"'
    )
    zone.mapping("limesurvey-246810-maturite.toml", filled)
    (report,) = zone.ingest()
    assert report.status == "partial", report.message
    assert zone.one("select count(*) from maturity_answers") == 6


def test_documented_example_mapping_takes_the_demo_export(tmp_path):
    from pipelines.demo import diagnostic_maturity
    from tests.conftest import ROOT

    zone = DropZone(tmp_path)
    example = ROOT / "data" / "mappings" / "exemple-maturite-limesurvey.toml.example"
    zone.mapping("maturite-2026.toml", example.read_text(encoding="utf-8"))
    folder = zone.data / "exports" / "diagnostic"
    folder.mkdir(parents=True)
    diagnostic_maturity.write(folder)
    (zone.data / "mappings" / "demo-maturite-limesurvey.toml").unlink()  # only the example
    reports = zone.ingest(folder / "results-survey482913.csv")
    (report,) = reports
    assert report.status == "loaded", report.message
    assert report.mapping_sha256 == hashlib.sha256(example.read_bytes()).hexdigest()
    assert zone.one("select count(distinct respondent_key) from maturity_answers") == 42
    assert zone.one("select count(distinct item) from maturity_answers") == 38
