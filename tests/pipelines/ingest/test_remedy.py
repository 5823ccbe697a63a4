"""Unknown values get a remedy (issue 13, point 2): grouped in the summary, a pre-filled mapping
written to data/mappings/, and the file read again once the mapping is completed, counted once."""

from __future__ import annotations

import json

from pipelines.cli import main

HEADER = "N° demande;Type de démarche;Canal de dépôt;Date de dépôt;Date de décision;Statut\r\n"


def _register(zone, name: str = "suivi_2025.csv"):
    rows = HEADER + "".join(
        f"A-{i};Acte de naissance;Guichet;06/01/2025;08/01/2025;{'Soldé' if i < 57 else 'Traité'}\r\n"
        for i in range(60)
    )
    rows += "B-1;Acte de naissance;Pigeon voyageur;06/01/2025;08/01/2025;Délivré\r\n"
    return zone.write(name, rows, encoding="cp1252")


def test_unknown_values_are_grouped_and_a_mapping_to_complete_is_written(zone):
    (report,) = zone.ingest(_register(zone))
    assert (report.status, report.rows_loaded, report.rows_rejected) == ("partial", 3, 58)
    assert report.unknown_values == [
        {"column": "status", "value": "Soldé", "rows": 57},
        {"column": "channel", "value": "Pigeon voyageur", "rows": 1},
    ]
    assert 'Statut : "Soldé" — 57 lignes' in report.message
    mapping = zone.data / "mappings" / "valeurs-tableur-suivi.toml"
    assert report.mapping_file == str(mapping)
    text = mapping.read_text(encoding="utf-8")
    assert '[values.status]\n"Soldé" = ""  # 57 lignes écartées' in text
    assert 'format = "tableur"' in text
    # left as written, the mapping changes nothing: the file is not read again
    (again,) = zone.ingest()
    assert again.status == "skipped"


def test_a_completed_mapping_makes_the_next_ingest_take_the_rows_once(zone):
    path = _register(zone)
    (first,) = zone.ingest(path)
    mapping = zone.data / "mappings" / "valeurs-tableur-suivi.toml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(
        text.replace('"Soldé" = ""', '"Soldé" = "decided"').replace(
            '"Pigeon voyageur" = ""', '"Pigeon voyageur" = "other"'
        ),
        encoding="utf-8",
    )
    (second,) = zone.ingest(path)
    assert (second.status, second.rows_loaded, second.rows_rejected, second.reread) == ("loaded", 61, 0, True)
    assert "relu" in second.message
    assert zone.one("select count(*), count(distinct source_id) from processing_cases") == (61, 61)
    assert zone.one("select count(*) from usage_events") == 61
    assert zone.one("select count(*) from processing_cases where status = 'decided'") == 60
    # the earlier read is shown superseded, its rejected rows gone
    assert zone.rows("select file_id, status from ingest_files order by 1") == [
        (first.file_id, "superseded"),
        (second.file_id, "loaded"),
    ]
    assert zone.one("select count(*) from rejected_rows") == 0
    assert zone.one("select mapping_sha256 from ingest_files where status = 'loaded'") is not None
    (third,) = zone.ingest(path)
    assert third.status == "skipped"


def test_an_edited_mapping_is_never_written_over(zone):
    path = _register(zone)
    zone.ingest(path)
    mapping = zone.data / "mappings" / "valeurs-tableur-suivi.toml"
    edited = mapping.read_text(encoding="utf-8").replace('"Soldé" = ""', '"Soldé" = "decided"')
    mapping.write_text(edited, encoding="utf-8")
    other = zone.write(
        "suivi_2025_bis.csv",
        HEADER + "C-1;Acte de naissance;Guichet;06/01/2025;08/01/2025;Archivé\r\n",
        encoding="cp1252",
    )
    reports = {r.path: r for r in zone.ingest()}
    assert mapping.read_text(encoding="utf-8") == edited
    late = reports[str(other)]
    assert late.unknown_values == [{"column": "status", "value": "Archivé", "rows": 1}]
    assert "ajoutez ces valeurs" in late.message or "déjà été modifié" in late.message


def test_a_new_hand_written_mapping_takes_the_rejected_rows_of_a_file_taken_before(zone):
    path = zone.write(
        "registre.csv",
        HEADER + "A-1;Acte de naissance;Guichet;06/01/2025;08/01/2025;Soldé\r\n"
        "A-2;Acte de naissance;Guichet;06/01/2025;08/01/2025;Traité\r\n",
        encoding="cp1252",
    )
    first = ingest_without_offer(zone, path)
    assert first.rows_rejected == 1 and first.mapping_file is None
    zone.mapping(
        "registre.toml",
        '[match]\ncolumns = ["N° demande", "Statut"]\n[target]\nformat = "tableur"\n[values.status]\n"Soldé" = "decided"\n',
    )
    (second,) = zone.ingest(path)
    assert (second.status, second.rows_loaded, second.reread) == ("loaded", 2, True)
    assert zone.one("select count(*) from processing_cases") == 2


def ingest_without_offer(zone, path):
    from pipelines.ingest.run import ingest

    (report,) = ingest([path], zone.warehouse, data_dir=None, plan_path=None)
    return report


def test_the_json_summary_and_the_console_give_the_groups(zone, capsys, monkeypatch):
    _register(zone)
    monkeypatch.chdir(zone.data.parent)
    rc = main(["ingest", "--data-dir", str(zone.data), "--warehouse", str(zone.warehouse), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc in (0, 1)
    assert doc[0]["unknown_values"][0] == {"column": "status", "value": "Soldé", "rows": 57}
    assert doc[0]["mapping_file"].endswith("valeurs-tableur-suivi.toml")
    zone.write("autre.csv", HEADER + "Z-1;Acte de naissance;Guichet;06/01/2025;08/01/2025;Soldé\r\n")
    main(["ingest", "--data-dir", str(zone.data), "--warehouse", str(zone.warehouse)])
    out = capsys.readouterr().out
    assert 'Statut : "Soldé" — 1 ligne' in out
