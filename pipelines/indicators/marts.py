"""Refresh of the marts after an ingest: only what the new files brought, unless rows were replaced.

Every canonical row carries the ``file_id`` of the file that brought it, and file ids only grow, so
the rows loaded since the last refresh are exactly those above the last file id seen then
(``mart_refresh_state``). For each canonical table:

- nothing new (same row count, no row above the last file id): its marts are left as they are;
- rows only added (count now = count then + rows above the last file id): each mart folds them in.
  An additive mart (counts, sums, min, max by key) aggregates the new rows and re-combines the keys
  they touch (the months of the monthly marts: a few thousand rows, not the 30 M events); the case
  mart appends them;
- rows replaced or removed (an upsert of a cumulative export, a purge): the count does not add up.
  An additive mart cannot take the old versions out, so it is rebuilt from the whole table; the
  case mart deletes the previous version of each new row by its key and appends the new one, then
  checks that it has as many rows as the table (else it is rebuilt too);
- first time, another version of the marts, or a mart missing: everything is built from scratch;
- a source that is a view (a Parquet export attached with ``pipelines.export.attach_parquet``):
  built from scratch every time, since the files under it may have changed in any way.

The monthly delay marts (sums and quantiles by month of decision) are computed from the case mart,
refreshed just before: only the months that the new cases, and the previous versions of replaced
ones, were decided in are computed again.

The definitions (table macros ``<mart>_rows(after_file)``) are in ``sql/02_marts.sql``, the delay
quantiles' (``_rows(start, stop)``) in ``sql/04_cases_2_quantiles.sql``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from pipelines.indicators.months import add_months

SOURCES = {
    "usage_events": "usage",
    "processing_cases": "processing",
    "survey_responses": "survey",
}  # table → dataset
STATE = "mart_refresh_state"
MONTHLY_KEYS = ("month", "service", "channel", "commune", "age_band")


@dataclass(frozen=True)
class Mart:
    """A mart built from one canonical table by the macro ``rows`` (default ``<name>_rows``)."""

    name: str
    source: str
    comment: str
    order: str
    keys: tuple[str, ...] = ()  # additive mart: its grain (empty: one row per source row)
    combine: dict[str, str] = field(
        default_factory=dict
    )  # column → aggregate combining two rows of the same keys
    touch: str | None = (
        None  # key bounding what new rows can change: only its values seen in them are re-combined
    )
    shared: bool = False  # rows of several sources in one table, told apart by `table_name`
    case_key: str | None = None  # row mart whose rows can be replaced by this key
    months_of: str | None = (
        None  # from the case mart: the months (of this timestamp) new rows touch are recomputed
    )
    rows: str | None = None

    @property
    def macro(self) -> str:
        return self.rows or f"{self.name}_rows"

    @property
    def additive(self) -> bool:
        return bool(self.keys)


_SURVEY_SUMS = (
    "responses",
    "n_scored",
    "sum_score",
    "sum_score_sq",
    "n_satisfaction",
    "n_satisfied",
    "n_nps",
    "n_promoters",
    "n_detractors",
)
_BOUNDS = {"min_at": "min", "max_at": "max", "n_rows": "sum"}

MARTS = (
    Mart(
        "mart_usage_monthly",
        "usage_events",
        "Demandes par mois, service, canal, commune et tranche d''âge (abandons et démarches achevées à part) ; "
        "tenu à jour à chaque import.",
        "month, service, channel",
        MONTHLY_KEYS,
        {"requests": "sum", "abandoned": "sum", "completed": "sum"},
        touch="month",
    ),
    Mart(
        "mart_survey_monthly",
        "survey_responses",
        "Réponses complètes par mois, service, canal, commune, tranche d''âge et questionnaire (échelle) : effectifs, sommes et sommes des carrés "
        "des notes, satisfaits, promoteurs et détracteurs.",
        "month, service, channel",
        (*MONTHLY_KEYS, "instrument"),
        dict.fromkeys(_SURVEY_SUMS, "sum"),
        touch="month",
    ),
    Mart(
        "mart_cases",
        "processing_cases",
        "Dossiers réduits aux colonnes des délais (dépôt, décision, statut, service, canal, commune, délai annoncé, "
        "délai en jours, sortie du stock), groupés par service et triés par date de sortie du stock ; case_key identifie "
        "le dossier.",
        "hash(service), closed_at",
        case_key="case_key",  # a service's cases together (sorting on the text costs 2×)
    ),
    Mart(
        "mart_decided_monthly",
        "processing_cases",
        "Dossiers décidés par mois de décision, service, canal et commune : effectif, somme et somme des carrés des délais, "
        "dossiers avec délai annoncé et dossiers décidés dans ce délai.",
        "month, service, channel",
        months_of="decided_at",
    ),
    Mart(
        "mart_delay_quantiles_monthly",
        "processing_cases",
        "Médiane et 9e décile des délais (avec leurs intervalles) par mois de décision, pour chaque service et pour "
        "l''ensemble (service vide) : les séries mensuelles de l''application.",
        "month, service",
        months_of="decided_at",
    ),
    *(
        Mart(
            "mart_data_bounds",
            table,
            "Premier et dernier horodatage et nombre de lignes de chaque jeu de données.",
            "dataset",
            ("dataset", "table_name"),
            _BOUNDS,
            shared=True,
            rows=f"mart_data_bounds_{dataset}",
        )
        for table, dataset in SOURCES.items()
    ),
    *(
        Mart(
            "mart_service_labels",
            table,
            "Libellé de chaque service dans les exports de chaque jeu de données (le plus petit).",
            "table_name, service",
            ("table_name", "service"),
            {"label": "min"},
            shared=True,
            rows=f"mart_service_labels_{dataset}",
        )
        for table, dataset in SOURCES.items()
    ),
)
STATE_DDL = f"""
create table if not exists {STATE} (
    source varchar primary key,
    n_rows bigint not null,
    last_file_id bigint,
    version varchar not null,
    mode varchar not null,
    refreshed_at timestamp not null
);
comment on table {STATE} is 'État des marts par table source : lignes et dernier fichier pris en compte, mode de la dernière mise à jour (full, appended, replaced, unchanged).';
"""
ALL_ROWS = -(2**63)  # below every file id: "rows after it" = every row
MAX_MONTHS = 24  # a non-additive mart is recomputed month by month up to this many months, else whole


@dataclass
class _Source:
    mode: str
    after: int
    n_rows: int
    last_file_id: int | None
    months: list[dt.date] = field(default_factory=list)  # months touched by new or replaced rows
    rebuilt: bool = False  # the case mart had to be rebuilt: the months touched are unknown


class MartRefresh:
    """One refresh of every mart, in two stages: the marts computed from the canonical tables
    (``stage(1)``, right after ``02_marts.sql``), then those computed by the indicator macros
    (``stage(2)``, once the ``04_cases_*.sql`` files… have defined them); ``record()`` then saves the state.

    Modes per canonical table: ``full`` (built from the whole table), ``appended`` (new rows
    folded in), ``replaced`` (rows were replaced: additive marts rebuilt, the case mart patched by
    key, the monthly delay marts computed again for the months touched), ``unchanged``.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, version: str) -> None:
        self.con, self.version = con, version
        con.execute(STATE_DDL).fetchall()
        state = {
            r[0]: r[1:]
            for r in con.execute(f"select source, n_rows, last_file_id, version from {STATE}").fetchall()
        }
        if {s[2] for s in state.values()} != {
            version
        }:  # first refresh, or marts of another version: start over
            con.execute(f"delete from {STATE}").fetchall()
            for name in dict.fromkeys(m.name for m in MARTS):
                con.execute(f"drop table if exists {name}").fetchall()
            state = {}
        present = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
            ).fetchall()
        }
        self.sources = {table: self._plan(table, state.get(table), present) for table in SOURCES}

    def _plan(self, table: str, before: tuple | None, present: set[str]) -> _Source:
        n_now, last_now = self.con.execute(f"select count(*), max(file_id) from {table}").fetchall()[0]
        if (
            before is None
            or table not in present
            or any(m.name not in present for m in MARTS if m.source == table)
        ):
            return _Source("full", ALL_ROWS, n_now, last_now)
        n_before, last_before, _ = before
        after = ALL_ROWS if last_before is None else last_before
        n_new = self.con.execute(f"select count(*) from {table} where file_id > ?", [after]).fetchall()[0][0]
        if n_new == 0 and n_now == n_before:
            mode = "unchanged"
        else:
            mode = "appended" if n_now == n_before + n_new else "replaced"
        source = _Source(mode, after, n_now, last_now if last_now is not None else last_before)
        if mode != "unchanged":
            source.months = self._touched_months(table, after, replaced=mode == "replaced")
        return source

    def _touched_months(self, table: str, after: int, replaced: bool) -> list[dt.date]:
        """Months (of the `months_of` timestamp) of the new rows and, when rows were replaced, of
        their previous versions, read in the case mart before it is patched."""
        timed = [m for m in MARTS if m.source == table and m.months_of]
        keyed = [m for m in MARTS if m.source == table and m.case_key]
        if not timed or not keyed:
            return []
        column, cases = timed[0].months_of, keyed[0]
        sql = f"select distinct date_trunc('month', {column})::date from {cases.macro}(?) where {column} is not null"
        params: list = [after]
        if replaced:
            sql += (
                f" union select date_trunc('month', {column})::date from {cases.name} where {column} is not null "
                f"and {cases.case_key} in (select {cases.case_key} from {cases.macro}(?))"
            )
            params.append(after)
        return sorted(r[0] for r in self.con.execute(sql, params).fetchall())

    def stage(self, number: int) -> None:
        for mart in MARTS:
            if (2 if mart.months_of else 1) == number:
                source = self.sources[mart.source]
                if mart.months_of and source.mode in ("appended", "replaced") and not source.rebuilt:
                    _recompute_months(self.con, mart, source.months)
                elif mart.months_of and source.rebuilt:
                    _build(self.con, mart)
                else:
                    source.rebuilt |= _refresh(self.con, mart, source.mode, source.after, source.n_rows)

    def record(self) -> dict[str, str]:
        for table, s in self.sources.items():
            self.con.execute(
                f"insert or replace into {STATE} values (?, ?, ?, ?, ?, now()::timestamp)",
                [table, s.n_rows, s.last_file_id, self.version, s.mode],
            ).fetchall()
        return {table: s.mode for table, s in self.sources.items()}


def _refresh(con: duckdb.DuckDBPyConnection, mart: Mart, mode: str, after: int, n_source: int) -> bool:
    """Bring one mart up to date; True when a case mart had to be rebuilt whole."""
    if mode == "unchanged":
        return False
    if mode == "full" or (mode == "replaced" and mart.additive):
        _build(con, mart)
    elif mart.additive:
        _fold(con, mart, after)
    else:
        _append(con, mart, after, replace=mode == "replaced")
        if (
            mode == "replaced"
            and con.execute(f"select count(*) from {mart.name}").fetchall()[0][0] != n_source
        ):
            _build(con, mart)  # rows removed from the source, or a key collision: start over
            return True
    return False


def _build(con: duckdb.DuckDBPyConnection, mart: Mart) -> None:
    """The mart (or its share of a shared mart) from every row of its source."""
    if mart.months_of:
        con.execute(
            f"create or replace table {mart.name} as select * from {mart.macro}(null, null) order by {mart.order}"
        ).fetchall()
    elif not mart.shared:
        con.execute(
            f"create or replace table {mart.name} as select * from {mart.macro}(null) order by {mart.order}"
        ).fetchall()
    else:
        con.execute(
            f"create table if not exists {mart.name} as select * from {mart.macro}(null) limit 0"
        ).fetchall()
        con.execute(f"delete from {mart.name} where table_name = ?", [mart.source]).fetchall()
        con.execute(
            f"insert into {mart.name} by name select * from {mart.macro}(null) order by {mart.order}"
        ).fetchall()
    con.execute(f"comment on table {mart.name} is '{mart.comment}'").fetchall()


def _fold(con: duckdb.DuckDBPyConnection, mart: Mart, after: int) -> None:
    """Additive mart: combine the new rows with the mart's rows of the same `touch` values."""
    con.execute(
        f"create or replace temp table _mart_new as select * from {mart.macro}(?)", [after]
    ).fetchall()
    scope, params = "true", []
    if mart.shared:
        scope, params = "table_name = ?", [mart.source]
    if mart.touch:
        scope += f" and {mart.touch} in (select {mart.touch} from _mart_new)"
    keys = ", ".join(mart.keys)
    combined = ", ".join(f"{how}({col}) as {col}" for col, how in mart.combine.items())
    con.execute(
        f"create or replace temp table _mart_combined as select {keys}, {combined} "
        f"from (select * from {mart.name} where {scope} union all by name select * from _mart_new) group by {keys}",
        params,
    ).fetchall()
    con.execute(f"delete from {mart.name} where {scope}", params).fetchall()
    con.execute(
        f"insert into {mart.name} by name select * from _mart_combined order by {mart.order}"
    ).fetchall()
    con.execute("drop table _mart_new; drop table _mart_combined").fetchall()


def _recompute_months(con: duckdb.DuckDBPyConnection, mart: Mart, months: list[dt.date]) -> None:
    """Non-additive mart: compute again the given months (each run of consecutive months at once);
    past MAX_MONTHS of them, the whole mart."""
    if len(months) > MAX_MONTHS:
        _build(con, mart)
        return
    runs: list[list[dt.date]] = []
    for month in months:
        if runs and add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    for run in runs:
        start, stop = run[0], add_months(run[-1], 1)
        con.execute(f"delete from {mart.name} where month >= ? and month < ?", [start, stop]).fetchall()
        con.execute(
            f"insert into {mart.name} by name select * from {mart.macro}(?, ?) order by {mart.order}",
            [start, stop],
        ).fetchall()


def _append(con: duckdb.DuckDBPyConnection, mart: Mart, after: int, replace: bool) -> None:
    """Row mart: append the new rows, first removing the previous version of each when rows were replaced."""
    con.execute(
        f"create or replace temp table _mart_new as select * from {mart.macro}(?)", [after]
    ).fetchall()
    if replace:
        con.execute(
            f"delete from {mart.name} where {mart.case_key} in (select {mart.case_key} from _mart_new)"
        ).fetchall()
    con.execute(f"insert into {mart.name} by name select * from _mart_new order by {mart.order}").fetchall()
    con.execute("drop table _mart_new").fetchall()
