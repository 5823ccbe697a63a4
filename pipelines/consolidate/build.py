"""``barometre consolidate``: the territory plan's indicators for every member and pooled.

Steps (each member's rows stay its own from the first to the last):

1. The members: the newest export of each authority found in the folders (:mod:`.members`).
2. The engine (:mod:`.engine`, DuckDB or Spark) scans their Parquet and writes each mart's rows per
   member to a work folder beside the output.
3. **Per member**, in memory: a warehouse whose marts are that member's rows (``create_views`` with
   the mart macros re-defined over them, :func:`.portable.restore_sql`), the territory plan and the
   member's own ledger (freshness, rejected rows); the plan is evaluated there exactly as
   ``barometre kpi --json`` evaluates it on the member's own warehouse — same marts, same SQL, same
   Python — so an indicator defined identically in both plans gets the member's own figures.
4. **Pooled**: the consolidated warehouse, whose marts combine all members' rows as a mart combines
   two rows of the same keys (sums of counts and sums, min and max; cases side by side), evaluated
   the same way. The same ``source_id`` in two members stays two rows: rows are never matched
   across members.
5. ``territory_members`` and ``territory_results`` (every member's and the pooled figures),
   the members' ledgers (file numbers shifted per member, so that they stay distinct), their
   territory/inventory/consultation rows and their plans' actions, funding, phases and deliverables
   (``member_plan_*``), then the file is checkpointed and swapped in over the output at once: a
   refused consolidation leaves nothing half-written (the previous output, if any, stays).

Every member is evaluated at the same date: ``--at``, else the end of the latest complete month of
the pooled data. With ``--at``, the engines read only the years that can matter (partition pruning):
requests and survey responses from three years before the baseline/headline windows, cases of any
year up to the date (an old case can still be open); rows dated after the year of ``--at`` cannot
change a figure at that date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from pipelines.consolidate.engine import Scan, engine
from pipelines.consolidate.members import ConsolidationError, Member, find_members, is_remote
from pipelines.consolidate.portable import mart_queries, restore_sql
from pipelines.indicators.evaluate import evaluate_on
from pipelines.indicators.months import add_months
from pipelines.indicators.stats import MAX_POINTS
from pipelines.plan import Plan, PlanError, load_plan, load_plan_tables
from pipelines.warehouse import ensure_schema

FILE_ID_STRIDE = 1_000_000_000  # member i's file n becomes i × stride + n in the consolidated ledger
LEDGER_TABLES = ("ingest_files", "rejected_rows")
MEMBER_TABLES = ("territory", "equipment", "consultation_items")  # pooled as they are (file ids shifted)
MEMBER_PLAN_TABLES = ("plan_actions", "plan_funding", "plan_phases", "plan_deliverables")
SMALL_TABLES = LEDGER_TABLES + MEMBER_TABLES + MEMBER_PLAN_TABLES
POPULATION_BANDS = (
    (2_000, "moins de 2 000 habitants"),
    (10_000, "2 000 à 9 999 habitants"),
    (50_000, "10 000 à 49 999 habitants"),
    (None, "50 000 habitants ou plus"),
)
REQUEST_BANDS = (
    (1_000, "moins de 1 000 demandes"),
    (10_000, "1 000 à 9 999 demandes"),
    (None, "10 000 demandes ou plus"),
)
RESULT_KEYS = ("id", "value", "ci_low", "ci_high", "n", "status")
Progress = Callable[[float, int, str], None]


@dataclass
class Consolidation:
    """What a consolidation wrote: the document of ``consolidate --json`` and the lines it reports."""

    as_of: dt.date
    engine: str
    territory: str
    members: list[Member]
    member_docs: dict[str, dict]
    pooled: dict
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        def short(doc: dict) -> list[dict]:
            return [{k: ind[k] for k in RESULT_KEYS} for ind in doc["indicators"]]

        return {
            "as_of": self.as_of.isoformat(),
            "engine": self.engine,
            "territory": self.territory,
            "authorities": [
                {
                    "siren": m.authority,
                    "name": m.name,
                    "export": m.source or m.folder,
                    "superseded": list(m.superseded),
                    "indicators": short(self.member_docs[m.authority]),
                }
                for m in self.members
            ],
            "pooled": {"indicators": short(self.pooled)},
            "warnings": self.warnings,
        }


def _plan(path: Path) -> Plan:
    try:
        return load_plan(path)
    except FileNotFoundError:
        raise ConsolidationError(f"Plan du territoire introuvable : {path}.") from None
    except PlanError as err:
        raise ConsolidationError(f"Plan du territoire invalide : {err}") from err


def needed_years(plan: Plan, as_of: dt.date) -> tuple[int, int]:
    """The years of requests and responses that can change a figure at ``as_of`` (see the module docstring)."""
    first = add_months(dt.date(as_of.year, as_of.month, 1), -(12 + MAX_POINTS))
    starts = [ind.baseline_start for ind in plan.indicators] + [first]
    return min(d.year for d in starts), as_of.year


def _scan(members: list[Member], plan: Plan, as_of: dt.date | None) -> Scan:
    return Scan(tuple(members), needed_years(plan, as_of) if as_of else None)


def _load_engine_rows(con: duckdb.DuckDBPyConnection, work: Path, authority: str | None) -> str:
    """Temp tables ``eng_<macro>`` of the engine's rows (one member's partition, or all), typed by the
    schema files, and the SQL re-defining the mart macros over them."""
    con.execute("set TimeZone = 'UTC'").fetchall()
    statements = []
    for query in mart_queries():
        macro, table = query.macro, f"eng_{query.macro}"
        schema = str(work / "_schemas" / f"{macro}.parquet")
        con.execute(
            f"create or replace temp table {table} as select * from read_parquet(?)", [schema]
        ).fetchall()
        pattern = f"authority={authority}/*.parquet" if authority else "authority=*/*.parquet"
        files = [str(f) for f in sorted((work / macro).glob(pattern))]
        if files:
            con.execute(
                f"insert into {table} by name select * from read_parquet(?, hive_partitioning = true, "
                "hive_types = {'authority': varchar})",
                [files],
            ).fetchall()
        statements.append(restore_sql(macro, table))
    return ";\n".join(statements)


def _copy_member_tables(
    con: duckdb.DuckDBPyConnection, member: Member, index: int | None, tables: tuple[str, ...]
) -> None:
    """Insert the member's rows of non-dated tables (file ids shifted by ``index`` when given)."""
    existing = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    for table in tables:
        folder = Path(member.partition(table)) / f"authority={member.authority}"
        files = sorted(folder.glob("*.parquet"))
        if not files or table not in existing:
            continue
        columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        source = con.execute(
            "select * from read_parquet(?, union_by_name = true) limit 0", [[str(f) for f in files]]
        )
        present = {d[0] for d in source.description}
        select = ", ".join(
            (f"file_id + {index * FILE_ID_STRIDE}" if c == "file_id" and index is not None else c)
            if c in present
            else "null"
            for c in columns
        )
        con.execute(
            f"insert into {table} select {select} from read_parquet(?, union_by_name = true)",
            [[str(f) for f in files]],
        ).fetchall()


def _member_plan_tables(con: duckdb.DuckDBPyConnection, members: list[Member]) -> None:
    for table in MEMBER_PLAN_TABLES:
        files = [
            str(f)
            for m in members
            for f in sorted((Path(m.partition(table)) / f"authority={m.authority}").glob("*.parquet"))
        ]
        if files:
            con.execute(
                f"create table member_{table} as select * from read_parquet(?, hive_partitioning = true, "
                "hive_types = {'authority': varchar}, union_by_name = true)",
                [files],
            ).fetchall()
        else:
            con.execute(
                f"create table member_{table} as select *, null::varchar as authority from {table} where false"
            ).fetchall()


def _evaluate_member(member: Member, plan_path: Path, work: Path, as_of: dt.date) -> dict:
    """The territory plan on one member's marts, in memory (runs in a worker process)."""
    from pipelines.indicators import create_views

    plan = load_plan(plan_path)
    con = duckdb.connect()
    try:
        ensure_schema(con)
        _copy_member_tables(con, member, None, LEDGER_TABLES)
        load_plan_tables(con, plan_path)
        create_views(con, _load_engine_rows(con, work, member.authority))
        return evaluate_on(con, plan, as_of)
    finally:
        con.close()


@contextlib.contextmanager
def _bare_main():
    """A spawned worker first re-imports the parent's ``__main__`` (a test runner, or a Streamlit
    script that replaced it, would run again there); the workers need only this package, so the
    parent shows them an empty ``__main__`` while they start."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


def _evaluate_members(
    members: list[Member], plan_path: Path, work: Path, as_of: dt.date, jobs: int, show: Progress, steps: int
) -> dict[str, dict]:
    """Every member's evaluation, in ``jobs`` worker processes (one machine's cores) when there are
    enough members to pay for starting them."""
    docs: dict[str, dict] = {}
    if jobs <= 1 or len(members) < 2 * jobs:
        for i, member in enumerate(members, start=2):
            show(i, steps, member.name)
            docs[member.authority] = _evaluate_member(member, plan_path, work, as_of)
        return docs
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB connections
    with _bare_main(), ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(_evaluate_member, m, plan_path, work, as_of): m for m in members}
        for i, future in enumerate(as_completed(futures), start=2):
            member = futures[future]
            show(i, steps, member.name)
            docs[member.authority] = future.result()
    return docs


def _band(value: int | None, bands) -> str | None:
    if value is None:
        return None
    for limit, label in bands:
        if limit is None or value < limit:
            return label
    return None


def _requests(work: Path, as_of: dt.date) -> dict[str, int]:
    """Requests of each member over the 12 months ending at ``as_of`` (size band without population)."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            "select authority, sum(requests) from read_parquet(?, hive_partitioning = true, "
            "hive_types = {'authority': varchar}) where month >= ? and month <= ? group by authority",
            [
                str(work / "mart_usage_monthly_rows" / "*" / "*.parquet"),
                add_months(dt.date(as_of.year, as_of.month, 1), -11),
                as_of,
            ],
        ).fetchall()
    finally:
        con.close()
    return {a: int(n or 0) for a, n in rows}


def _member_rows(members: list[Member], requests: dict[str, int]) -> list[tuple]:
    rows = []
    for m in members:
        band = _band(m.population, POPULATION_BANDS) or _band(requests.get(m.authority, 0), REQUEST_BANDS)
        kind = (m.kind or "Collectivité").strip()
        rows.append(
            (
                m.authority,
                m.name,
                m.kind,
                m.population,
                band,
                f"{kind[:1].upper()}{kind[1:]} · {band}",
                list(m.communes),
                m.source or m.folder,
                m.exported_at,
                m.schema_version,
                list(m.superseded),
            )
        )
    return rows


MEMBERS_DDL = """
create or replace table territory_members (
    authority varchar, name varchar, kind varchar, population bigint, size_band varchar, peer_group varchar,
    communes varchar[], export_path varchar, exported_at timestamp, schema_version integer, superseded varchar[]
);
comment on table territory_members is 'Membres de la consolidation : collectivité, nature, population, groupe de pairs, export retenu (le plus récent) et exports écartés.';
create or replace table territory_results (
    scope varchar, authority varchar, indicator_id varchar, label varchar, measure varchar, unit varchar,
    direction varchar, value double, ci_low double, ci_high double, n bigint, min_sample bigint,
    below_min_sample boolean, status varchar, status_label varchar, status_reason varchar,
    baseline_value double, target_value double, expected_now double, progress_pct double,
    period_start date, period_end date, note varchar
);
comment on table territory_results is 'Indicateurs du plan du territoire pour chaque membre (scope member) et pour l''ensemble (scope pooled), à la même date.';
"""


def _result_rows(scope: str, authority: str | None, doc: dict) -> list[tuple]:
    rows = []
    for ind in doc["indicators"]:
        n = ind["n"] or 0
        note = "pas de données sur la période" if n == 0 else None
        rows.append(
            (
                scope,
                authority,
                ind["id"],
                ind["label"],
                ind["measure"],
                ind["unit"],
                ind["direction"],
                ind["value"],
                ind["ci_low"],
                ind["ci_high"],
                n,
                ind["min_sample"],
                n < (ind["min_sample"] or 0),
                ind["status"],
                ind["status_label"],
                ind["status_reason"],
                ind["baseline_value"],
                ind["target_value"],
                ind["expected_now"],
                ind["progress_pct"],
                dt.date.fromisoformat(ind["period_start"]),
                dt.date.fromisoformat(ind["period_end"]),
                note,
            )
        )
    return rows


def consolidate(
    folders: list[str | Path],
    plan_path: Path,
    out: Path,
    engine_name: str = "duckdb",
    master: str | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> Consolidation:
    """Consolidate the members' exports into the warehouse ``out`` (see the module docstring);
    ``jobs``: worker processes evaluating the members (default: the machine's cores)."""
    plan_path, out = Path(plan_path), Path(out)
    chosen = engine(engine_name, master)
    plan = _plan(plan_path)
    if not plan.indicators:
        raise ConsolidationError(f"Le plan du territoire {plan_path} n'a aucun indicateur à consolider.")
    members = find_members([str(f) for f in folders], getattr(chosen, "manifests", None))
    steps = len(members) + 3
    show = progress or (lambda i, total, name: None)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.work-{os.getpid()}"
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    tmp.unlink(missing_ok=True)
    try:
        show(0, steps, f"lecture des exports ({chosen.name})")
        chosen.run(_scan(members, plan, as_of), work)
        remote = [m for m in members if is_remote(m.folder)]
        if remote:  # the small tables of members read from URLs, copied locally by Spark
            staged = str(chosen.stage(remote, SMALL_TABLES, work / "small"))
            members = [
                replace(m, folder=staged, source=m.folder) if is_remote(m.folder) else m for m in members
            ]
        result = _write(
            tmp, members, plan, plan_path, work, as_of, chosen.name, show, steps, jobs or os.cpu_count() or 1
        )
        os.replace(tmp, out)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def _write(
    tmp: Path,
    members: list[Member],
    plan: Plan,
    plan_path: Path,
    work: Path,
    as_of: dt.date | None,
    engine_name: str,
    show: Progress,
    steps: int,
    jobs: int,
) -> Consolidation:
    from pipelines.indicators import create_views
    from pipelines.indicators import query as q

    show(1, steps, "ensemble du territoire")
    con = duckdb.connect(str(tmp))
    try:
        ensure_schema(con)
        for i, member in enumerate(members, start=1):
            _copy_member_tables(con, member, i, LEDGER_TABLES + MEMBER_TABLES)
        load_plan_tables(con, plan_path)
        _member_plan_tables(con, members)
        create_views(con, _load_engine_rows(con, work, None))
        when = as_of or q.default_period(con).end
        pooled = evaluate_on(con, plan, when)
        docs = _evaluate_members(members, plan_path, work, when, jobs, show, steps)
        warnings = _check(members, docs, pooled, plan)
        show(steps - 1, steps, "écriture de l'entrepôt consolidé")
        con.execute(MEMBERS_DDL).fetchall()
        requests = _requests(work, when)
        con.executemany(
            "insert into territory_members values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _member_rows(members, requests),
        )
        rows = _result_rows("pooled", None, pooled)
        for m in members:
            rows += _result_rows("member", m.authority, docs[m.authority])
        con.executemany(f"insert into territory_results values ({', '.join('?' * 23)})", rows)
        territory = str(plan.authority.get("name") or "Territoire")
        meta = {"as_of": when.isoformat(), "engine": engine_name, "territory": territory}
        con.execute(
            "insert or replace into meta values ('consolidated', ?)", [json.dumps(meta, ensure_ascii=False)]
        ).fetchall()
        for table in [
            r[0] for r in con.execute("select table_name from duckdb_tables() where temporary").fetchall()
        ]:
            con.execute(f"drop table {table}").fetchall()
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    show(steps, steps, "terminé")
    return Consolidation(when, engine_name, territory, members, docs, pooled, warnings)


def _check(members: list[Member], docs: dict[str, dict], pooled: dict, plan: Plan) -> list[str]:
    """Refuse an indicator that no member can compute; warn of a member without data for one."""
    for ind in pooled["indicators"]:
        if not ind["n"]:
            raise ConsolidationError(
                f"L'indicateur « {ind['id']} » du plan du territoire ne peut être calculé pour aucun membre : "
                f"aucune donnée sur la période du {ind['period_start']} au {ind['period_end']}."
            )
    warnings = []
    for m in members:
        empty = [ind["id"] for ind in docs[m.authority]["indicators"] if not ind["n"]]
        if empty:
            warnings.append(
                f"{m.name} ({m.authority}) : pas de données sur la période pour {', '.join(empty)}."
            )
        if m.superseded:
            warnings.append(
                f"{m.name} ({m.authority}) : export le plus récent retenu ({m.source or m.folder}), "
                f"écarté(s) : {', '.join(m.superseded)}."
            )
    return warnings


def is_consolidated(con: duckdb.DuckDBPyConnection) -> bool:
    with contextlib.suppress(duckdb.CatalogException):
        return bool(con.execute("select 1 from meta where key = 'consolidated'").fetchall())
    return False
