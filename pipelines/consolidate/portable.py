"""The marts' SQL for a consolidation, from their one definition, for DuckDB and for Spark.

The marts (``pipelines/indicators/sql/02_marts.sql``) are what every indicator statistic reads:
requests and survey sums by month × service × channel × commune × age band, one narrow row per case
(delays, for the order statistics of the quantiles and the Kaplan–Meier curve), the data bounds and
the services' labels. A consolidation computes exactly these, **per member authority**, with the
engine of choice, then runs the statistics on them as for one authority.

There is no second copy of that SQL: each ``<mart>_rows(after_file)`` macro of ``02_marts.sql`` is
parsed with sqlglot (DuckDB dialect) and rewritten once into a portable query:

- ``after_file`` → ``null`` (every row);
- every select that names its columns also keeps ``authority`` (and groups by it when it
  aggregates), so that members never mix;
- DuckDB's ``'infinity'::timestamp`` (the exit time of an open case) → ``SENTINEL``, a finite
  timestamp both engines know; :func:`restore_sql` turns it back into infinity in DuckDB;
- ``hash(source, source_id)`` (the case key, which only an incremental refresh uses, and whose
  hash function differs between engines) → a null ``bigint``: a consolidated warehouse is always
  built whole.

The query is then printed in DuckDB's dialect or in Spark SQL's (sqlglot's transpiler). The one
definition of the delay in days is written so that both engines compute the same double (whole
microseconds over a constant: one correctly rounded division).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from pipelines.indicators.marts import MARTS
from pipelines.indicators.views import SQL_DIR

SENTINEL = "9999-12-31 23:59:59"
MACRO = re.compile(r"create or replace macro (\w+)\(after_file\) as table\n(.*?);", re.S)


@dataclass(frozen=True)
class MartQuery:
    """One mart's rows for every member: the macro it replaces, the table it reads, the query."""

    macro: str
    source: str  # canonical table read (usage_events, processing_cases, survey_responses)
    tree: exp.Expression

    def sql(self, dialect: str) -> str:
        return self.tree.sql(dialect=dialect)


def _is_infinity(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Cast)
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
        and node.this.this.lower() == "infinity"
    )


def _rewrite(node: exp.Expression) -> exp.Expression:
    if _is_infinity(node):
        return exp.cast(exp.Literal.string(SENTINEL), exp.DataType.build("timestamp"))
    if (isinstance(node, exp.Anonymous) and node.name.lower() == "hash") or type(node).__name__ == "Hash":
        return exp.cast(exp.null(), exp.DataType.build("bigint"))
    return node


def _keep_authority(select: exp.Select) -> None:
    """Carry ``authority`` through a select that names its columns (and group by it if it aggregates)."""
    if any(isinstance(e, exp.Star) for e in select.expressions):
        return
    select.select(exp.column("authority"), copy=False)
    group = select.args.get("group")
    aggregates = any(isinstance(e, exp.AggFunc) for p in select.expressions for e in p.find_all(exp.AggFunc))
    if group is not None:
        if not group.args.get("all"):
            select.group_by(exp.column("authority"), copy=False)
    elif aggregates:
        select.group_by(exp.column("authority"), copy=False)


def _source(tree: exp.Expression) -> str:
    tables = {t.name for t in tree.find_all(exp.Table)}
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    (source,) = tables - ctes
    return source


def mart_queries() -> list[MartQuery]:
    """The portable query of every mart computed from a canonical table, in ``MARTS`` order."""
    text = (SQL_DIR / "02_marts.sql").read_text(encoding="utf-8")
    bodies = {name: body for name, body in MACRO.findall(text)}
    out = []
    for macro in dict.fromkeys(m.macro for m in MARTS if not m.months_of):
        body = re.sub(r"\bafter_file\b", "null", bodies[macro])
        tree = sqlglot.parse_one(body, read="duckdb").transform(_rewrite)
        for select in tree.find_all(exp.Select):
            _keep_authority(select)
        out.append(MartQuery(macro, _source(tree), tree))
    return out


def restore_sql(macro: str, table: str) -> str:
    """The DuckDB macro ``macro(after_file)`` re-defined over ``table`` (the engine's rows of the
    members taken, with ``authority``): the members' rows combined as the mart combines two rows of
    the same keys (sums, min, max), or put side by side for the case mart; infinity restored; the
    timestamps Spark writes with a time zone read back as plain timestamps (the session is in UTC)."""
    mart = next(m for m in MARTS if m.macro == macro)
    if mart.additive:
        keys = ", ".join(mart.keys)
        combined = ", ".join(f"{how}({col}) as {col}" for col, how in mart.combine.items())
        body = f"select {keys}, {combined} from {table} group by {keys}"
    else:
        body = (
            f"select * exclude (authority) replace (case when closed_at = timestamp '{SENTINEL}' "
            f"then 'infinity'::timestamp else closed_at end as closed_at, null::ubigint as case_key) from {table}"
        )
    return f"create or replace macro {macro}(after_file) as table {body}"
