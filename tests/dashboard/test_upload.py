"""The upload widget: names made safe, sizes bounded, the file saved in the drop folder and taken in
by the very same ingest, the per-file French report shown, then the ledger updated."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from dashboard.upload import UPLOAD_DIR, UploadRefused, ingest_uploads, safe_name, save_upload
from tests.dashboard.conftest import open_app, unescape

HEADER = "source,source_id,submitted_at,service,service_label,channel,commune,age_band,outcome\n"
GOOD = "test,T1,2026-10-02 09:00:00,etat-civil,État civil,online,39901,25-39,completed\n"
BAD = "test,T2,2026-10-03 09:00:00,etat-civil,État civil,pigeon,39901,25-39,completed\n"


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode("utf-8")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("demandes.csv", "demandes.csv"),
        ("../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\Windows\\export.XLSX", "export.xlsx"),
        (".cache.csv", "cache.csv"),
        ("...csv", None),
        ("Données été 2026.csv", "Données été 2026.csv"),
        ("<script>alert(1)</script>.csv", "script_.csv"),
        ("a:b*c?.csv", "a_b_c_.csv"),
        ("warehouse.duckdb.csv", "warehouse_duckdb.csv"),
        ("programme.exe", None),
        ("plan.toml", None),
        ("", None),
    ],
)
def test_safe_name_keeps_files_inside_and_visible(given, expected):
    if expected is None:
        with pytest.raises(UploadRefused):
            safe_name(given)
    else:
        assert safe_name(given) == expected


def test_save_upload_bounds_size_and_never_overwrites(tmp_path):
    folder = tmp_path / "depot"
    with pytest.raises(UploadRefused, match="trop volumineux"):
        save_upload("gros.csv", b"x" * 11, folder, max_bytes=10)
    with pytest.raises(UploadRefused, match="vide"):
        save_upload("vide.csv", b"", folder)
    first = save_upload("../a.csv", b"un", folder)
    assert first == (folder / "a.csv").resolve() and first.read_bytes() == b"un"
    assert save_upload("a.csv", b"un", folder) == first  # same bytes: same file
    second = save_upload("a.csv", b"deux", folder)
    assert second.name == "a (2).csv" and first.read_bytes() == b"un"
    assert not list(folder.glob(".*"))  # no temporary file left behind


def test_ingest_uploads_runs_the_real_ingest(demo_copy):
    today = dt.date(2026, 11, 27)
    reports = ingest_uploads(
        [("mes-demandes.csv", csv_bytes(GOOD, BAD)), ("notes.exe", b"MZ")],
        data_dir=demo_copy,
        warehouse=demo_copy / "warehouse.duckdb",
        plan_path=demo_copy / "plan.toml",
        today=today,
    )
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in reports}
    assert by_name["notes.exe"].status == "refused" and "non pris en charge" in by_name["notes.exe"].message
    report = by_name["mes-demandes.csv"]
    assert (report.status, report.rows_loaded, report.rows_rejected) == ("partial", 1, 1)
    assert (demo_copy / UPLOAD_DIR / "2026-11-27" / "mes-demandes.csv").exists()
    con = duckdb.connect(str(demo_copy / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from usage_events where source = 'test'").fetchall()[0][0] == 1
    finally:
        con.close()
    again = ingest_uploads(
        [("mes-demandes.csv", csv_bytes(GOOD, BAD))],
        data_dir=demo_copy,
        warehouse=demo_copy / "warehouse.duckdb",
        plan_path=demo_copy / "plan.toml",
        today=today,
    )
    assert [r.status for r in again] == ["skipped"]  # nothing counted twice


def test_upload_widget_ingests_and_reports_in_french(demo_copy):
    at = open_app("data")
    at.file_uploader[0].set_value(("../mes demandes.csv", csv_bytes(GOOD, BAD), "text/csv")).run()
    importer = next(b for b in at.button if b.label == "Importer")
    importer.click().run()
    assert not at.exception and not at.error
    assert any("1 fichier(s) importé(s), 0 refusé(s)" in w.value for w in [*at.warning, *at.success])
    report = at.table[0].value
    assert [unescape(x) for x in report[report.columns[0]]] == ["mes demandes.csv"]
    assert unescape(report[report.columns[1]].iloc[0]) == "⚠ chargé, lignes écartées"
    history = at.dataframe[0].value
    assert history["Fichier"].iloc[0] == "mes demandes.csv"  # most recent first
    rejected = at.dataframe[-1].value
    assert rejected["Colonne"].tolist() == ["channel"] and rejected["Valeur lue"].tolist() == ["pigeon"]
    download = at.get("download_button")[0]
    assert download.proto.label == "Télécharger les lignes écartées (CSV)"
    saved = list((demo_copy / UPLOAD_DIR).rglob("*.csv"))
    assert [p.name for p in saved] == ["mes demandes.csv"]


def test_upload_is_reserved_to_analysts_when_authentication_is_on(demo_copy, monkeypatch):
    monkeypatch.setenv("BAROMETRE_AUTH", "1")
    monkeypatch.setenv("BAROMETRE_ANALYSTS", "analyste@exemple.fr")
    at = open_app("data")
    assert not at.exception
    assert not at.file_uploader  # the sign-in gate comes first
    from dashboard.upload import upload_allowed

    allowed, why = upload_allowed()  # not signed in: not an analyst
    assert not allowed and "réservé aux analystes" in why
