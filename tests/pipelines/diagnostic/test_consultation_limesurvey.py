"""LimeSurvey consultations (one multiple-choice question) through the one ingest path, against
counts made by hand from the fixtures in ``tests/fixtures/consultation/``.

``results-survey246810.csv`` (code mode, ``Q3[SQ001]``… ``Q3[other]``), per response id:

    id  submitted    SQ001 SQ002 SQ003 SQ004  other
    1   03-02          Y     Y
    2   03-05          Y
    3   03-10                      Y          « Payer la cantine, contact: <e-mail> »
    4   03-11                                 (nothing ticked: not a participant)
    5   (incomplete)   Y                      (not counted)
    6   03-12                Y           Y
    7   03-14                                 « Payer la cantine »
    8   03-14          3                      (refused: « 3 » is no box value; file line 9)
    9   03-15          Y           Y          « Rappelez-moi au <phone> »
    10  1980-01-01 (completed, undated)  Y
    11  03-13                                 « payer la cantine »

participants = responses 1 2 3 6 7 9 10 11 = 8; supports SQ001 = 3 (1 2 9), SQ002 = 2 (1 6),
SQ003 = 2 (3 9), SQ004 = 2 (6 10), Autre = 4 (3 7 9 11); last dated completed response 2026-03-15.

``results-survey135790.csv`` (full text, French): participants 1 2 3 5 = 4 (4 ticked nothing, 6
incomplete); « Acte de naissance » 3, « Permis de construire » 1, « Carte grise » 2, « Autre » 1.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import pytest

from tests.pipelines.ingest.conftest import DropZone

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "consultation"
Z = 1.959963984540054

MAPPING = """
[match]
filename = "results-survey246810*.csv"
[target]
dataset = "consultation"
source = "limesurvey-246810"
[columns]
item = "Q3"
[constants]
consultation = "demarches-en-ligne-2026"
consultation_label = "Quelles démarches aimeriez-vous faire en ligne en priorité ?"
[values.item]
"SQ001" = "Acte de naissance"
"SQ002" = "Inscription scolaire"
"SQ003" = "Ramassage des encombrants"
"SQ004" = "Acte de mariage"
"""


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval, written out from its formula."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def add(zone: DropZone, name: str, content: str | None = None) -> Path:
    if content is not None:
        return zone.write(name, content)
    return Path(shutil.copy(FIXTURES / name, zone.data / name))


def items(zone: DropZone, consultation: str) -> dict[str, tuple]:
    rows = zone.rows(
        "select item, service, supports, participants, comment from consultation_items where consultation = ?",
        [consultation],
    )
    return {r[0]: r[1:] for r in rows}


@pytest.fixture
def zone(tmp_path) -> DropZone:
    return DropZone(tmp_path)


def test_code_mode_with_mapping(zone):
    zone.mapping("consultation.toml", MAPPING)
    add(zone, "results-survey246810.csv")
    (report,) = zone.ingest()
    assert report.status == "partial", report.message
    assert report.rows_rejected == 1
    got = items(zone, "demarches-en-ligne-2026")
    assert got["Acte de naissance"][:3] == ("etat-civil", 3, 8)
    assert got["Inscription scolaire"][:3] == ("inscription-scolaire", 2, 8)
    assert got["Ramassage des encombrants"][:3] == (None, 2, 8)  # not in the catalogue: no service
    assert got["Acte de mariage"][:3] == ("etat-civil", 2, 8)
    assert got["Autre"][:3] == (None, 4, 8)
    assert got["Autre"][3] == (
        "Payer la cantine (×2) | Payer la cantine, contact: [e-mail masqué] | Rappelez-moi au [téléphone masqué]"
    )
    label, closed = zone.one(
        "select distinct consultation_label, closed_on from consultation_items "
        "where consultation = 'demarches-en-ligne-2026'"
    )
    assert label == "Quelles démarches aimeriez-vous faire en ligne en priorité ?"
    assert closed == dt.date(2026, 3, 15)
    line, message = zone.one("select line, message from rejected_rows")
    assert line == 9
    assert "« 3 »" in message and "Q3[SQ001]" in message
    # personal data: neither the e-mail nor the phone number reached the warehouse
    dump = " ".join(str(r) for r in zone.rows("select * from consultation_items"))
    dump += " ".join(str(r) for r in zone.rows("select * from rejected_rows"))
    assert "jean.dupont" not in dump and "06 12 34 56 78" not in dump


def test_code_mode_recognised_alone_without_mapping(zone):
    lines = (FIXTURES / "results-survey246810.csv").read_text(encoding="utf-8").splitlines()
    clean = "\n".join(line for line in lines if not line.startswith("8,")) + "\n"
    add(zone, "results-survey246810.csv", clean)
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    got = items(zone, "limesurvey-246810")
    assert {k: v[1:3] for k, v in got.items()} == {
        "SQ001": (3, 8),
        "SQ002": (2, 8),
        "SQ003": (2, 8),
        "SQ004": (2, 8),
        "Autre": (4, 8),
    }
    assert all(v[0] is None for v in got.values())  # codes only: no service until labels are given
    assert "[values.item]" in report.message


def test_full_text_mode_and_wilson(zone):
    add(zone, "results-survey135790.csv")
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    got = items(zone, "limesurvey-135790")
    assert got["Acte de naissance"][:3] == ("etat-civil", 3, 4)
    assert got["Permis de construire"][:3] == ("urbanisme", 1, 4)
    assert got["Carte grise"][:3] == (None, 2, 4)
    assert got["Autre"] == (None, 1, 4, "Écrivez-moi : [e-mail masqué]")
    rows = {
        r[0]: r[1:]
        for r in zone.rows(
            "select item, share, ci_low, ci_high, rank from kpi_consultation() where consultation = 'limesurvey-135790'"
        )
    }
    share, low, high, rank = rows["Acte de naissance"]
    assert share == pytest.approx(0.75)
    assert (low, high) == pytest.approx(wilson(3, 4), abs=1e-12)
    assert (low, high) == pytest.approx((0.30064, 0.95441), abs=1e-5)  # published tables for 3/4
    assert rank == 1
    assert rows["Carte grise"][3] == 2
    assert rows["Autre"][3] == rows["Permis de construire"][3] == 3  # ties share their rank


def test_survey_with_other_questions_is_not_a_consultation(zone):
    text = (
        "id,submitdate,lastpage,startlanguage,seed,NOTE,Q3[SQ001],Q3[SQ002]\n"
        "1,2026-03-02 10:12:00,2,fr,11,4,Y,\n"
        "2,2026-03-03 10:12:00,2,fr,12,5,,Y\n"
    )
    add(zone, "results-survey777777.csv", text)
    (report,) = zone.ingest()
    assert report.status == "refused"
    assert "Export LimeSurvey reconnu" in report.message
    assert zone.one("select count(*) from consultation_items") == 0


def test_same_file_twice_and_a_later_export(zone):
    path = add(zone, "results-survey135790.csv")
    zone.ingest()
    before = zone.rows("select * exclude (file_id) from consultation_items order by source_id")
    (again,) = zone.ingest()
    assert again.status == "skipped"
    assert zone.rows("select * exclude (file_id) from consultation_items order by source_id") == before
    # a later export of the same survey, one more response: its items are updated, not added
    text = path.read_text(encoding="utf-8") + '"7","2026-05-09 15:00:00","1","fr","107","","","Oui",""\n'
    path.write_text(text, encoding="utf-8")
    (later,) = zone.ingest()
    assert later.status == "loaded", later.message
    assert zone.one("select count(*) from consultation_items") == 4
    assert items(zone, "limesurvey-135790")["Carte grise"][1:3] == (3, 5)
    assert zone.one("select distinct closed_on from consultation_items") == dt.date(2026, 5, 9)


def test_refusal_offers_a_consultation_mapping_that_loads(zone):
    """A code-mode export with a stray box value is not recognised on its own: the refusal carries a
    consultation mapping; filled in (labels) and saved, it loads the file."""
    add(zone, "results-survey246810.csv")
    (refused,) = zone.ingest()
    assert refused.status == "refused"
    assert "S'il s'agit d'une consultation" in refused.message
    toml = refused.message.split("utilisez plutôt ce fichier de correspondance :\n", 1)[1]
    assert 'dataset = "consultation"' in toml and 'item = "Q3"' in toml
    labels = iter(
        ["Acte de naissance", "Inscription scolaire", "Ramassage des encombrants", "Acte de mariage"]
    )
    toml = "\n".join(
        line.replace("???", next(labels)) if line.startswith('"SQ') else line.replace("???", "Démarches")
        for line in toml.splitlines()
    )
    zone.mapping("consultation.toml", toml)
    (report,) = zone.ingest()
    assert report.status == "partial", report.message
    got = items(zone, "limesurvey-246810-q3")
    assert got["Acte de naissance"][:3] == ("etat-civil", 3, 8)
    assert got["Acte de mariage"][:3] == ("etat-civil", 2, 8)


def test_underscore_and_english_headings(zone):
    """``Q3_SQ001`` headings (code mode, other exporters) and English full text « [Other] », « Yes »."""
    services = zone.data / "services.toml"
    services.write_text(
        services.read_text(encoding="utf-8")
        + '\n[[services]]\nslug = "cni-passeport"\nlabel = "CNI et passeport"\naliases = ["Passport"]\n',
        encoding="utf-8",
    )
    add(
        zone,
        "results-survey555555.csv",
        "id,submitdate,lastpage,startlanguage,Q3_SQ001,Q3_SQ002,Q3_other\n"
        "1,2026-01-02 10:00:00,1,en,Y,,\n"
        "2,2026-01-03 10:00:00,1,en,Y,Y,Call 06 11 22 33 44\n",
    )
    add(
        zone,
        "results-survey666666.csv",
        "Response ID,Date submitted,Last page,Start language,"
        "Which services? [Passport],Which services? [Birth certificate],Which services? [Other]\n"
        "1,2026-01-02 10:00:00,1,en,Yes,,\n"
        "2,2026-01-03 10:00:00,1,en,,,\n"
        "3,2026-01-04 10:00:00,1,en,Yes,Yes,\n",
    )
    reports = zone.ingest()
    assert {r.status for r in reports} == {"loaded"}, [r.message for r in reports]
    english = items(zone, "limesurvey-666666")
    assert {k: v[1:3] for k, v in english.items()} == {"Passport": (2, 2), "Birth certificate": (1, 2)}
    assert english["Passport"][0] == "cni-passeport"  # the alias added above
    got = items(zone, "limesurvey-555555")
    assert {k: v[1:] for k, v in got.items()} == {
        "SQ001": (2, 2, None),
        "SQ002": (1, 2, None),
        "Autre": (1, 2, "Call [téléphone masqué]"),
    }


def test_mapping_errors_in_french(zone):
    """A consultation mapping without its question, and one naming a question the export lacks."""
    zone.mapping("sans-question.toml", '[match]\nfilename = "x*"\n[target]\ndataset = "consultation"\n')
    zone.mapping(
        "mauvaise-question.toml",
        '[match]\nfilename = "results-survey135790*"\n[target]\ndataset = "consultation"\n[columns]\nitem = "Q9"\n',
    )
    add(zone, "results-survey135790.csv")
    reports = zone.ingest()
    messages = " ".join(r.message for r in reports)
    assert "sans-question.toml" in messages and 'item = "Q3"' in messages
    refused = next(r for r in reports if r.path.endswith(".csv"))
    assert refused.status == "refused"
    assert "« Q9 »" in refused.message and "Quelles démarches aimeriez-vous faire" in refused.message


def test_shipped_example_mapping_is_valid():
    from pipelines.ingest.mapping_files import parse_mapping

    root = Path(__file__).resolve().parents[3]
    spec = parse_mapping(root / "data" / "mappings" / "exemple-consultation-limesurvey.toml.example")
    assert spec.datasets == ("consultation",)
    assert spec.columns["item"] == ("Q3",)
    assert spec.values["item"]["sq001"] == "Acte de naissance"


def test_limesurvey_1x_headings(zone):
    """LimeSurvey 1.x wrote the answer before the question in full text (« [Acte de naissance]
    Question ? ») and ``Q3 [SQ001]`` with a space in code mode."""
    add(
        zone,
        "results-survey111111.csv",
        "id,submitdate,lastpage,startlanguage,[Acte de naissance] Vos démarches ?,[Cantine] Vos démarches ?\n"
        "1,2010-01-02 10:00:00,1,fr,Y,Y\n"
        "2,2010-01-03 10:00:00,1,fr,,Y\n",
    )
    add(
        zone,
        "results-survey222222.csv",
        "id,submitdate,lastpage,startlanguage,Q3 [SQ001],Q3 [SQ002]\n1,2010-01-02 10:00:00,1,fr,Y,\n",
    )
    reports = zone.ingest()
    assert {r.status for r in reports} == {"loaded"}, [r.message for r in reports]
    text = items(zone, "limesurvey-111111")
    assert {k: v[:3] for k, v in text.items()} == {
        "Acte de naissance": ("etat-civil", 1, 2),
        "Cantine": (None, 2, 2),
    }
    assert (
        zone.one(
            "select distinct consultation_label from consultation_items where consultation = 'limesurvey-111111'"
        )
        == "Vos démarches ?"
    )
    codes = items(zone, "limesurvey-222222")
    assert {k: v[1:3] for k, v in codes.items()} == {"SQ001": (1, 1), "SQ002": (0, 1)}
