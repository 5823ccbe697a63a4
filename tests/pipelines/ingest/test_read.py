"""Reading: encodings, delimiters, quoting, line numbers, header shapes, workbooks, archives."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from pipelines.errors import FileRefused
from pipelines.ingest import read
from pipelines.ingest.read import read_file
from tests.pipelines.ingest.conftest import FORMATS

ROWS = "N° demande;Commune;Montant\r\nA-1;01053;1 250,50 €\r\nA-2;2A004;3,5\r\n"


def _one(path: Path, data: bytes | None = None) -> read.RawTable:
    tables = read_file(path, data)
    assert len(tables) == 1
    return tables[0]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (ROWS.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "utf-8-sig"),
        (ROWS.encode("cp1252"), "cp1252"),
        (b"\xff\xfe" + ROWS.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + ROWS.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_encodings(encoded, encoding):
    raw = _one(Path("x.csv"), encoded)
    assert raw.encoding == encoding
    assert raw.header == ["N° demande", "Commune", "Montant"]
    assert raw.frame["Commune"].to_list() == ["01053", "2A004"]  # text: leading zeros and 2A kept
    assert raw.frame["Montant"].to_list()[0] == "1 250,50 €"
    assert raw.frame[read.LINE_COL].to_list() == [2, 3]


@pytest.mark.parametrize(("sep", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_delimiters_are_sniffed(sep, name):
    text = sep.join(["a", "b", "c"]) + "\n" + sep.join(["1", '"x, y; z"', "3"]) + "\n"
    raw = _one(Path(f"{name}.csv"), text.encode())
    assert raw.delimiter == sep
    assert raw.frame.row(0)[:3] == ("1", "x, y; z", "3")


def test_quoted_line_breaks_keep_exact_line_numbers():
    raw = _one(FORMATS / "dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv")
    lines = dict(zip(raw.frame["ID"].to_list(), raw.frame[read.LINE_COL].to_list(), strict=True))
    assert lines["23420318"] == 6  # its last field spans lines 6-7
    assert lines["23422950"] == 8
    assert raw.frame.height == 25
    assert (
        raw.frame.filter(pl.col("ID") == "23427689")["Motivation de la décision"].item()
        == 'Pièce illisible.\nMerci de redéposer un "justificatif" récent.'
    )
    assert raw.frame.filter(pl.col("ID") == "23460318")["Instructeurs"].item() is None  # "" is empty


def test_fast_and_exact_readers_agree():
    text = "a,b,c\n1,x,\n2,,z\n\n,,\n3,y,w\n"
    head = read._locate_header(read._records(text, ",", 8))
    fast = read._fast_parse(Path("f.csv"), text, "utf-8", ",", head)
    exact = read._exact_parse(Path("f.csv"), text, "utf-8", ",", head)
    assert fast is not None
    assert fast.frame.equals(exact.frame)
    assert fast.frame[read.LINE_COL].to_list() == [2, 3, 6]


def test_trailing_separator_rows_and_blank_lines_are_dropped():
    raw = _one(FORMATS / "suivi_demandes_etat-civil_2025_excel-fr_csv-utf8_bom.csv")
    assert raw.frame.height == 18
    assert raw.frame[read.LINE_COL].max() == 19


def test_ragged_rows_are_reported_with_their_line():
    raw = _one(Path("r.csv"), b"a;b;c\n1;2;3\n4;5;6;7;8\n9;10\n")
    assert raw.ragged == [(3, 5)]
    assert raw.frame.height == 2  # the short row is padded
    assert raw.frame.row(1) == ("9", "10", None, 4)


def test_title_line_above_the_header_is_skipped():
    raw = _one(
        Path("t.csv"), "Suivi des demandes 2025;;\n;;\nN° demande;Date;Canal\nA;06/01/2025;Guichet\n".encode()
    )
    assert raw.header == ["N° demande", "Date", "Canal"]
    assert raw.frame[read.LINE_COL].to_list() == [4]


def test_two_header_lines_labels_then_codes():
    raw = _one(
        FORMATS / "RECONSTRUCTED_Liste-des-autorisations-durbanisme-creant-des-logements.2025-05_subset.csv"
    )
    assert raw.header[:3] == ["REG_CODE", "REG_LIBELLE", "DEP_CODE"]
    assert raw.labels[0] == "Code de la région"
    assert raw.frame["COMM"].to_list() == ["01053", "39300"]
    assert raw.frame[read.LINE_COL].to_list() == [3, 4]


def test_a_data_row_of_codes_is_not_taken_for_a_header():
    raw = _one(Path("c.csv"), b"Code du service;Canal de depot;Statut final\nEC;GUICHET;OK\n")
    assert raw.header == ["Code du service", "Canal de depot", "Statut final"]
    assert raw.frame.height == 1


def test_xlsx_sheets_typed_cells_and_title_rows():
    tables = read_file(FORMATS / "suivi_urbanisme_2025.xlsx")
    assert [t.sheet for t in tables] == ["2025", "Notes"]
    log = tables[0]
    assert log.header[:4] == ["N° dossier", "Type de démarche", "Canal de dépôt", "Date de dépôt"]
    assert log.frame.row(0)[:5] == (
        "PC-2025-001",
        "Permis de construire",
        "En ligne",
        "2025-01-06",
        "2025-03-04",
    )
    assert log.frame["Commune"].to_list() == ["01053", "39300", "39300", "39300"]
    assert log.frame[read.LINE_COL].to_list() == [4, 5, 6, 7]


def test_ds_xlsx_date_cells_are_rendered_iso():
    dossiers = read_file(FORMATS / "dossiers_permis-de-louer_2025-06-02_10-15.xlsx")[0]
    assert dossiers.frame["Traité le"][0] == "2025-02-03 14:20:05"
    assert dossiers.frame["ID"][0] == "23500001"


def _zip(members: dict[str, bytes], **kw) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data, **kw)
    return buf.getvalue()


def test_zip_members_are_read_and_odd_names_skipped():
    data = _zip(
        {
            "Avis_2023.csv": b"a,b\n1,2\n",
            "../evil.csv": b"a,b\n3,4\n",
            "__MACOSX/._x.csv": b"junk",
            "notes.pdf": b"%PDF",
        }
    )
    tables = read_file(Path("archive.zip"), data)
    assert [(t.member, t.name, t.container) for t in tables] == [
        ("Avis_2023.csv", "Avis_2023.csv", "archive.zip")
    ]


def test_zip_bomb_is_refused():
    data = _zip({"big.csv": b"a,b\n" + b"1,2\n" * 5_000_000})
    with pytest.raises(FileRefused, match="bombe de décompression"):
        read_file(Path("bomb.zip"), data)


def test_zip_without_tables_is_refused():
    with pytest.raises(FileRefused, match="aucun fichier CSV ou XLSX"):
        read_file(Path("a.zip"), _zip({"readme.pdf": b"%PDF-1.4"}))


def test_zip_member_refusal_names_the_member():
    with pytest.raises(FileRefused, match=r"« vide\.csv » de l'archive : Le fichier est vide"):
        read_file(Path("a.zip"), _zip({"vide.csv": b"\r\n"}))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("vieux.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        ("renomme.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        ("faux.xlsx", b"N;A\n1;2\n", "pas un classeur Excel valide"),
        ("archive.xlsx", _zip({"a.txt": b"x"}), "pas un classeur Excel"),
        ("page.csv", b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table></html>", "page HTML"),
        ("classeur.ods", b"PK\x03\x04", ".ods n'est pas pris en charge"),
        ("vide.csv", b"", "vide"),
        ("blancs.csv", b"\r\n;;;\r\n", "vide"),
        ("bruit.csv", bytes(range(256)) * 40, "contenu binaire"),
        ("sans_extension", b"PK\x03\x04rest", "archive"),
    ],
)
def test_unreadable_files_get_a_french_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FileRefused, match=reason):
        read_file(path)


def test_matomo_no_data_available():
    with pytest.raises(FileRefused, match="No data available"):
        read_file(FORMATS / "matomo_Exporter_Referrers_day_2025-05-08_fr.csv")


def test_first_bytes_check_and_head_sniff_shared_by_both_speeds():
    read.check_first_bytes(b"a;b;c\n1;2;3\n")  # a text table: nothing to say
    with pytest.raises(FileRefused, match="archive"):
        read.check_first_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(FileRefused, match="HTML"):
        read.check_text_start("<!DOCTYPE html><html></html>")
    delimiter, head = read.sniff_head("Export du 3 mars\na;b;b\n1;2;3\n4;5;6\n")
    assert delimiter == ";"
    assert (head.header, head.skip_records, head.skip_lines) == (["a", "b", "b"], 2, 2)
    assert read.dedupe_header(head.header) == ["a", "b", "b (2)"]
    assert read.sniff_head("\n\n")[1] is None


def test_dedupe_header_gives_each_column_a_name_of_its_own():
    # a header already named like a numbered repeat, and one that differs only by case and accents
    assert read.dedupe_header(["b", "b", "b (2)"]) == ["b", "b (2)", "b (2) (2)"]
    assert read.dedupe_header(["Catégorie", "categorie", ""]) == ["Catégorie", "categorie (2)", "colonne_3"]
