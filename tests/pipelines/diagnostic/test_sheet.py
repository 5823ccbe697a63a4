"""Maturity answers from French spreadsheets, long and wide (CSV French Excel, XLSX), through the
one ingest: NSP kept as null, respondent ids hashed, names and e-mails never stored, French reasons.

Wide file (wave 15/02/2024), levels given:

    Répondant  Nom      Courriel          Groupe  GOV-1  GOV-2  GOV-3  INC-1
    1          Dupont   a@exemple.fr      Élu       3      4     NSP     2
    2          Martin   b@exemple.fr      Agent     1   « 2 - Engagé »  ne sait pas  (empty)
    3          Durand   c@exemple.fr      Agent     2      7      0     2,5

Respondent 3's row holds refused cells (7, 2,5): refused whole, a respondent is never half counted.
GOV respondent scores: 1 → (3 + 4) / 2 = 3,5; 2 → (1 + 2) / 2 = 1,5; pooled mean 2,5.
"""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from tests.pipelines.ingest.conftest import DropZone

HEADER = ["Répondant", "Nom", "Courriel", "Groupe", "GOV-1", "GOV-2", "GOV-3", "INC-1"]
ROWS = [
    ["1", "Dupont", "a@exemple.fr", "Élu", "3", "4", "NSP", "2"],
    ["2", "Martin", "b@exemple.fr", "Agent", "1", "2 - Engagé", "ne sait pas", ""],
    ["3", "Durand", "c@exemple.fr", "Agent", "2", "7", "0", "2,5"],
]


def _xlsx(header, rows) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet("Réponses")
    sheet.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v.isdigit():
                sheet.write_number(i, j, int(v))
            elif v:
                sheet.write_string(i, j, v)
    book.close()
    return buf.getvalue()


def _csv_fr(header, rows) -> bytes:
    text = "\r\n".join(";".join(r) for r in [header, *rows]) + "\r\n"
    return text.encode("cp1252")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_wide_spreadsheet(tmp_path, kind):
    zone = DropZone(tmp_path)
    if kind == "xlsx":
        zone.write("maturite-2024-02-15.xlsx", _xlsx(HEADER, ROWS))
    else:
        zone.write("maturite-2024-02-15.csv", _csv_fr(HEADER, ROWS))
    (report,) = zone.ingest()
    assert report.status != "refused", report.message
    # 2 respondents × 4 statements; line 4 refused with the first reason found
    assert (report.rows_read, report.rows_rejected) == (3, 1)
    assert zone.one("select count(*) from maturity_answers") == 8
    rejected = zone.rows('select line, "column", value, message from rejected_rows')
    assert [(line, c, v) for line, c, v, _ in rejected] == [(4, "level", "2,5")]
    assert "(affirmation INC-1) : un nombre entier de 0 à 5 est attendu" in rejected[0][3]
    assert zone.one("select count(*) from maturity_answers where level is null") == 3
    assert zone.one("select count(distinct wave) from maturity_answers") == 1
    assert str(zone.one("select distinct wave from maturity_answers")) == "2024-02-15"
    keys = [k for (k,) in zone.rows("select distinct respondent_key from maturity_answers")]
    assert len(keys) == 2 and not set(keys) & {"1", "2", "3"}
    dump = " ".join(str(r) for r in zone.rows("select * from maturity_answers"))
    assert "Dupont" not in dump and "exemple.fr" not in dump
    assert (
        zone.one(
            "select level from maturity_answers where item = 'GOV-2' and respondent_group = 'agent' "
            "and level is not null"
        )
        == 2
    )
    score = zone.one("select score from kpi_maturity_scores where theme = 'GOV' and \"group\" = 'all'")
    assert score == pytest.approx(2.5)
    # idempotent: the same file again changes nothing
    before = zone.rows("select * exclude (file_id) from maturity_answers order by all")
    zone.write("copie/maturite-2024-02-15." + kind, (zone.data / f"maturite-2024-02-15.{kind}").read_bytes())
    zone.ingest()
    assert zone.rows("select * exclude (file_id) from maturity_answers order by all") == before


def test_wide_without_wave_is_refused_in_french(tmp_path):
    zone = DropZone(tmp_path)
    zone.write("maturite.csv", _csv_fr(HEADER, ROWS))
    (report,) = zone.ingest()
    assert report.status == "refused"
    assert "la date de la vague manque" in report.message


def test_long_spreadsheet(tmp_path):
    zone = DropZone(tmp_path)
    statement = "Une stratégie numérique écrite fixe des objectifs datés et mesurables."
    rows = [
        ["15/06/2026", "Élus", "E1", "GOV-1", "4"],
        ["15/06/2026", "Élus", "E1", statement.upper(), "5"],  # the wording, any case: GOV-1 again
        ["15/06/2026", "Agents", "A1", "gov-2", "NSP"],
        ["15/06/2026", "Agents", "A1", "XYZ-1", "3"],
        ["15/06/2026", "Maire", "A2", "GOV-3", "3"],
    ]
    zone.write("autoevaluation.csv", _csv_fr(["Vague", "Groupe", "Répondant", "Affirmation", "Niveau"], rows))
    (report,) = zone.ingest()
    assert report.status != "refused", report.message
    got = zone.rows("select respondent_group, item, level from maturity_answers order by all")
    # E1's second GOV-1 (by its wording) is the same answer twice in one file: the first is kept
    assert got == [("agent", "GOV-2", None), ("elu", "GOV-1", 4)]
    reasons = dict(zone.rows("select line, message from rejected_rows"))
    assert sorted(reasons) == [3, 5, 6]
    assert "en double dans le fichier (déjà présent ligne 2)" in reasons[3]
    assert "« XYZ-1 » n'existe pas dans le référentiel" in reasons[5]
    assert "« Maire » n'est pas une valeur admise pour groupe de répondants" in reasons[6]


def test_names_and_emails_never_stored(tmp_path):
    zone = DropZone(tmp_path)
    header = ["Répondant", "Prénom et nom", "Téléphone", "Groupe", "Vague", "GOV-1", "GOV-2", "GOV-3"]
    rows = [
        ["Jean Dupont", "Jean Dupont", "06 12 34 56 78", "Élu", "15/02/2024", "3", "2", "1"],
        [
            "Marie Curie",
            "Marie Curie",
            "06 98 76 54 32",
            "Agent",
            "15/02/2024",
            "jean.dupont@exemple.fr",
            "2",
            "1",
        ],
    ]
    zone.write("atelier.csv", _csv_fr(header, rows))
    (report,) = zone.ingest()
    assert (report.rows_loaded, report.rows_rejected) == (3, 1)
    assert "« Prénom et nom », « Téléphone »" in report.message  # columns left out, named
    con_rows = []
    for (table,) in zone.rows("select table_name from information_schema.tables where table_schema = 'main'"):
        con_rows += zone.rows(f'select * from "{table}"')
    dump = " ".join(str(r) for r in con_rows)
    for personal in ("Dupont", "Curie", "06 12", "exemple.fr"):
        assert personal not in dump, personal
