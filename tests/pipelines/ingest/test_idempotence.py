"""Nothing counted twice: the same file twice, cumulative re-exports, two saves of one log."""

from __future__ import annotations

import csv
import io

from tests.pipelines.ingest.conftest import FORMATS, by_name

DS_SAMPLE = "dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv"


def _table_dump(zone) -> list:
    return [
        zone.rows(f"select * exclude (file_id) from {t} order by all")
        for t in ("processing_cases", "usage_events", "survey_responses", "web_audience")
    ]


def test_the_same_file_twice_changes_nothing(zone):
    zone.add(
        DS_SAMPLE,
        "Avis_Demande_d_acte_de_naissance_2026-06-15_07-12-03.csv",
        "matomo_Exporter_VisitsSummary_day_2025-05_fr.csv",
    )
    first = zone.ingest()
    before = _table_dump(zone)
    zone.add(DS_SAMPLE, sub="copie")  # same bytes under another name
    second = by_name(zone.ingest())
    assert all(r.status == "skipped" for r in second.values())
    assert second[DS_SAMPLE].message.startswith("Déjà chargé (fichier n° ")
    assert _table_dump(zone) == before
    assert zone.one("select count(*) from ingest_files") == len(first)


def _cumulative_export() -> str:
    """The same procedure two weeks later: five dossiers moved on, three are new."""
    rows = list(csv.reader(io.StringIO((FORMATS / DS_SAMPLE).read_text(encoding="utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(header)}
    changes = {
        "23450877": ("Accepté", "2025-06-05 10:00:00 +0200"),
        "23453300": ("Refusé", "2025-06-06 11:30:00 +0200"),
        "23455918": ("Classé sans suite", "2025-06-07 09:00:00 +0200"),
    }
    for row in body:
        if row[col["ID"]] in changes:
            row[col["État du dossier"]], row[col["Traité le"]] = changes[row[col["ID"]]]
        if row[col["ID"]] in ("23460318", "23461127"):
            row[col["État du dossier"]] = "En instruction"
            row[col["Passé en instruction le"]] = "2025-06-03 09:00:00 +0200"
    for i, ident in enumerate(("23470001", "23470002", "23470003")):
        new = list(body[-1])
        new[col["ID"]] = ident
        new[col["Déposé le"]] = f"2025-06-1{i} 08:00:00 +0200"
        body.append(new)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])
    return buf.getvalue()


def test_cumulative_ds_export_updates_changed_dossiers_and_adds_new_ones(zone):
    zone.add(DS_SAMPLE)
    (first,) = zone.ingest()
    assert (first.rows_new, first.rows_updated) == (25, 0)
    later = zone.write("dossiers_carte-stationnement-residentiel_2025-06-16_08-00.csv", _cumulative_export())
    (second,) = zone.ingest(later)
    assert (second.rows_read, second.rows_loaded, second.rows_new, second.rows_updated) == (28, 28, 3, 5)
    assert "3 nouvelle(s), 5 mise(s) à jour, 20 déjà présente(s) à l'identique" in second.message
    assert zone.one("select count(*) from processing_cases") == 28
    assert zone.one("select count(*) from usage_events") == 28
    assert zone.one(
        "select status, decided_at::varchar from processing_cases where source_id = '23450877'"
    ) == ("accepted", "2025-06-05 10:00:00")
    assert zone.one("select outcome from usage_events where source_id = '23455918'") == "abandoned"
    assert zone.one("select status from processing_cases where source_id = '23460318'") == "in_review"
    # unchanged rows keep the file that first brought them; changed and new rows point to the new file
    assert dict(zone.rows("select file_id, count(*) from processing_cases group by 1 order by 1")) == {
        1: 20,
        2: 8,
    }


def test_two_saves_of_the_same_excel_log_are_not_counted_twice(zone):
    zone.add(
        "suivi_demandes_etat-civil_2025_excel-fr_csv-utf8_bom.csv",
        "suivi_demandes_etat-civil_2025_excel-fr_point-virgule_cp1252.csv",
    )
    reports = zone.ingest()
    assert [(r.rows_new, r.rows_updated) for r in reports] == [(18, 0), (0, 0)]
    assert zone.one("select count(*) from processing_cases") == 18
    assert zone.one("select count(*) from usage_events") == 18


def test_matomo_csv_and_tsv_of_the_same_report_are_one_set_of_rows(zone):
    zone.add(
        "matomo_Exporter_VisitsSummary_day_2025-05_fr.csv", "matomo_Exporter_VisitsSummary_day_2025-05_fr.tsv"
    )
    zone.ingest()
    assert zone.one("select count(*) from web_audience") == 9


def test_a_refused_file_is_tried_again_once_a_mapping_exists(zone):
    from tests.pipelines.ingest.conftest import EXAMPLE_MAPPING

    zone.add("results-survey456789_default-full-text_comma.csv")
    (first,) = zone.ingest()
    assert first.status == "refused"
    zone.mapping("enquete.toml", EXAMPLE_MAPPING.read_text(encoding="utf-8"))
    (second,) = zone.ingest()
    assert second.status == "loaded"
    assert zone.rows("select status from ingest_files") == [("loaded",)]  # the earlier refusal is replaced
