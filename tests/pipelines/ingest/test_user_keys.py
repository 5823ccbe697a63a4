"""``usage_events.user_key`` (issue 17, FEDER RCR11): the user's account or e-mail is kept only as a
salted hash, computed at import — from a Démarches Simplifiées export's ``Email`` and from a
canonical CSV's ``user_key``/``user``/``email`` column — and never reaches the warehouse itself.
The expected keys are computed here with hashlib from the warehouse's own salt."""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl

from pipelines import migrations
from pipelines.warehouse import ensure_schema
from tests.pipelines.ingest.conftest import FORMATS

DS_FILE = "dossiers_carte-stationnement-residentiel_2025-06-02_09-41.csv"


def salt_of(zone) -> bytes:
    return bytes.fromhex(zone.one("select value from meta where key = 'row_id_salt'"))


def expected_key(identity: str, salt: bytes) -> str:
    raw = identity.strip().lower().encode("utf-8")
    return "u" + hashlib.blake2b(raw, key=salt, digest_size=20).hexdigest()[:20]


def every_text(zone) -> str:
    """Every text cell of every table of the warehouse, joined."""
    con = duckdb.connect(str(zone.warehouse), read_only=True)
    try:
        parts = []
        for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'main' "
            "and data_type = 'VARCHAR'"
        ).fetchall():
            parts += [str(v) for (v,) in con.execute(f'select "{column}" from "{table}"').fetchall()]
        return "\n".join(parts).lower()
    finally:
        con.close()


def test_ds_export_email_becomes_a_salted_key(zone):
    zone.add(DS_FILE)
    zone.ingest()
    emails = pl.read_csv(FORMATS / DS_FILE, infer_schema_length=0).select("ID", "Email")
    salt = salt_of(zone)
    assert len(salt) == 16
    stored = dict(zone.rows("select source_id, user_key from usage_events"))
    assert len(stored) == emails.height == 25
    for ident, email in emails.iter_rows():
        assert stored[ident] == expected_key(email, salt)
    text = every_text(zone)
    for email in emails["Email"]:
        assert email.lower() not in text
    assert "@" not in "".join(k for k in stored.values() if k)


def test_canonical_csv_email_column_is_hashed_case_blind(zone):
    header = "source_id,submitted_at,service,channel,outcome,email\n"
    rows = [
        "R1,2025-03-01 10:00:00,etat-civil,online,completed,Alice.Martin@example.org",
        "R2,2025-03-02 10:00:00,etat-civil,online,completed,alice.martin@example.org ",
        "R3,2025-03-03 10:00:00,etat-civil,online,completed,bob@example.org",
        "R4,2025-03-04 10:00:00,etat-civil,counter,completed,",
    ]
    zone.write("usage_events.csv", header + "\n".join(rows) + "\n")
    zone.ingest()
    salt = salt_of(zone)
    stored = dict(zone.rows("select source_id, user_key from usage_events"))
    alice = expected_key("alice.martin@example.org", salt)
    assert stored == {"R1": alice, "R2": alice, "R3": expected_key("bob@example.org", salt), "R4": None}
    assert zone.one("select count(distinct user_key) from usage_events") == 2
    text = every_text(zone)
    assert "alice.martin@example.org" not in text and "bob@example.org" not in text


def test_canonical_user_key_column_is_hashed_too(zone):
    """A ``user_key`` column holding an account id is hashed as well (never stored as written)."""
    zone.write(
        "usage_events.csv",
        "source_id,submitted_at,service,channel,user_key\nR1,2025-03-01 10:00:00,etat-civil,online,compte-4711\n",
    )
    zone.ingest()
    assert zone.one("select user_key from usage_events") == expected_key("compte-4711", salt_of(zone))


def _columns(con, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = ? and schema_name = 'main' "
        "order by column_index",
        [table],
    ).fetchall()


def test_migration_8_to_9_puts_user_key_where_a_fresh_warehouse_has_it(tmp_path):
    fresh = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    ensure_schema(fresh)
    want = {t: _columns(fresh, t) for t in ("usage_events", "pruned_usage_events")}
    fresh.close()
    assert [c for c, _ in want["usage_events"]][-2:] == ["user_key", "file_id"]

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    ensure_schema(con)
    for table in ("usage_events", "pruned_usage_events"):  # the version 8 layout: no user_key
        con.execute(f"create table _old as select * exclude (user_key) from {table}").fetchall()
        con.execute(f"drop table {table}").fetchall()
        con.execute(f"alter table _old rename to {table}").fetchall()
    con.execute(
        "insert into usage_events values ('t', 'R1', timestamp '2025-01-02 10:00', 'etat-civil', null, "
        "'online', null, null, 'completed', 7)"
    ).fetchall()
    migrations.set_version(con, 8)
    steps = migrations.upgrade(con, tmp_path / "old.duckdb")
    assert [(s.from_version, s.to_version) for s in steps] == [(8, 9)]
    assert {t: _columns(con, t) for t in want} == want
    assert con.execute("select source_id, user_key, file_id from usage_events").fetchall() == [
        ("R1", None, 7)
    ]
    assert migrations.stored_version(con) == migrations.SCHEMA_VERSION == 9
    con.close()


def test_a_mapping_file_user_column_is_hashed(zone):
    zone.mapping(
        "logiciel.toml",
        """
[match]
columns = ["Réf.", "Reçue le"]
[target]
dataset = "usage"
source = "logiciel-ec"
[columns]
source_id = "Réf."
submitted_at = "Reçue le"
channel = "Origine"
user_key = "Courriel"
[constants]
service = "etat-civil"
""",
    )
    zone.write(
        "extraction.csv",
        "Réf.;Reçue le;Origine;Courriel\nX1;02/01/2025;Internet;zoe@example.org\nX2;03/01/2025;Guichet;\n",
    )
    (report,) = zone.ingest()
    assert report.status == "loaded", report.message
    salt = salt_of(zone)
    assert zone.rows("select source_id, user_key from usage_events order by 1") == [
        ("X1", expected_key("zoe@example.org", salt)),
        ("X2", None),
    ]
    assert "zoe@example.org" not in every_text(zone)
