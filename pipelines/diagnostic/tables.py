"""Warehouse tables of the maturity referential in use (``maturity_themes``, ``maturity_items``,
``maturity_levels``), so that any SQL client can recompute a score: created by the schema's step
4 → 5 (:mod:`pipelines.migrations`), filled by ``ensure_schema`` when empty (the shipped referential),
and refilled by every ingest with the referential in use (the plan's ``[diagnostic] referential``,
else the shipped one)."""

from __future__ import annotations

import duckdb

from pipelines.diagnostic.referential import Referential, load_referential

REFERENTIAL_TABLES = ("maturity_themes", "maturity_items", "maturity_levels")
DDL = """
create table if not exists maturity_themes (
    theme varchar primary key,
    label varchar not null,
    oecd_dimensions varchar[] not null,
    min_respondents integer not null,
    referential varchar not null
);
comment on table maturity_themes is 'Thèmes du référentiel de maturité en usage, avec leurs dimensions de l''indice OCDE et le nombre minimal de répondants d''une vague.';
create table if not exists maturity_items (
    item varchar primary key,
    theme varchar not null,
    statement varchar not null
);
comment on table maturity_items is 'Affirmations du référentiel de maturité, chacune rattachée à son thème.';
create table if not exists maturity_levels (
    level integer primary key,
    descriptor varchar not null
);
comment on table maturity_levels is 'Échelle 0–5 du référentiel de maturité : ce que veut dire chaque niveau.';
"""


def create_maturity_tables(con: duckdb.DuckDBPyConnection, only: str | None = None) -> None:
    """The three tables (or the one named ``only``), if missing (empty)."""
    for statement in DDL.split(";"):
        if statement.strip() and (only is None or f" {only} " in statement):
            con.execute(statement).fetchall()


def load_referential_tables(con: duckdb.DuckDBPyConnection, referential: Referential | None = None) -> None:
    """Replace the tables' content with the referential in use (the shipped one by default)."""
    ref = referential or load_referential()
    create_maturity_tables(con)
    name = f"{ref.title} ({ref.version})"
    con.execute("delete from maturity_themes").fetchall()
    con.execute("delete from maturity_items").fetchall()
    con.execute("delete from maturity_levels").fetchall()
    con.executemany(
        "insert into maturity_themes values (?, ?, ?, ?, ?)",
        [(t.id, t.label, list(t.oecd), ref.min_respondents, name) for t in ref.themes],
    )
    con.executemany(
        "insert into maturity_items values (?, ?, ?)",
        [(i.id, i.theme, i.statement) for t in ref.themes for i in t.items],
    )
    con.executemany("insert into maturity_levels values (?, ?)", list(enumerate(ref.levels)))


def ensure_referential_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The tables, filled with the shipped referential when empty (a referential an ingest loaded
    from the plan stays: the next ingest refills them with the referential in use)."""
    create_maturity_tables(con)
    if con.execute("select count(*) from maturity_themes").fetchone()[0] == 0:
        load_referential_tables(con)
