"""The tables of published reviews (``published_reviews``, ``published_review_figures``), created by
``ensure_schema`` and by the schema's step 6 → 7; written and read by :mod:`pipelines.indicators.published`.
At the bottom of ``pipelines/`` (imports nothing of the project), like :mod:`pipelines.absence_tables`."""

from __future__ import annotations

import duckdb

DDL = """
create table if not exists published_reviews (
    review_key varchar primary key,
    name varchar not null,
    as_of date not null,
    published_at timestamp not null,
    baseline_start date,
    baseline_end date,
    review_start date,
    review_end date,
    complete boolean,
    plan_sha256 varchar,
    data_fingerprint varchar,
    last_file_id bigint,
    manifest varchar
);
comment on table published_reviews is 'Revues publiées par « barometre review » : date de lecture, empreintes du plan et des données, manifeste du rapport.';
create table if not exists published_review_figures (
    review_key varchar not null,
    indicator_id varchar not null,
    label varchar,
    unit varchar,
    baseline_value double,
    baseline_ci_low double,
    baseline_ci_high double,
    baseline_n bigint,
    review_value double,
    ci_low double,
    ci_high double,
    n bigint,
    delta double,
    p_value double,
    significant boolean,
    status varchar,
    status_label varchar,
    target_value double,
    primary key (review_key, indicator_id)
);
comment on table published_review_figures is 'Chiffres publiés de chaque revue, indicateur par indicateur, tels que le rapport les a montrés.';
"""


def create_published_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The two tables, if missing (empty)."""
    for statement in DDL.split(";"):
        if statement.strip():
            con.execute(statement).fetchall()
