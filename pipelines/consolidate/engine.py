"""The engines of a consolidation: the heavy scan of the members' Parquet, DuckDB or Apache Spark.

An engine reads the canonical tables (requests, cases, survey responses) of the members taken, from
their hive-partitioned exports, keeping only their partitions (``authority``, and ``year`` when
the evaluation date bounds the years needed: partition pruning, in both engines), runs the mart
queries of :mod:`.portable` (one definition, printed in each engine's dialect) and writes each
mart's rows, per member, as Parquet in a work folder. Everything after that — the statistics,
per member and pooled — runs in DuckDB, identically whatever the engine.

- :class:`DuckDBEngine` (default): one machine; a département's members fit easily
  (``benchmarks/bench_consolidate.py``).
- :class:`SparkEngine`: ``local[*]`` by default, a cluster with ``master="spark://…"`` (or
  ``yarn``, ``k8s://…``); needs the ``pyspark`` package (optional group ``spark``) and Java 17.
  Timestamps are read and written in UTC (``spark.sql.session.timeZone``), so that the calendar
  months and delays are those of the exports.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.consolidate.members import ConsolidationError, Member, is_remote
from pipelines.consolidate.portable import mart_queries
from pipelines.export import DATED_TABLES, _empty_select

SOURCES = ("usage_events", "processing_cases", "survey_responses")


@dataclass(frozen=True)
class Scan:
    """What to read: the members (each from its export folder) and the years (None: all). Cases are
    pruned above only: a case filed years before can still be open, or be decided, in the period."""

    members: tuple[Member, ...]
    years: tuple[int, int] | None = None

    def years_of(self, table: str) -> tuple[int, int] | None:
        if self.years is not None and table == "processing_cases":
            return (0, self.years[1])
        return self.years

    def by_folder(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m in self.members:
            out.setdefault(m.folder, []).append(m.authority)
        return out

    def files(self, base: Path, authorities: list[str], dated: bool) -> list[str]:
        """The Parquet files of the partitions taken, listed from the folder names alone (DuckDB)."""
        years = self.years_of(base.name)
        out = []
        for authority in authorities:
            if not dated:
                out += sorted(str(p) for p in (base / f"authority={authority}").glob("*.parquet"))
                continue
            for part in sorted(base.glob(f"year=*/authority={authority}")):
                year = int(part.parent.name.removeprefix("year="))
                if years is None or years[0] <= year <= years[1]:
                    out += sorted(str(p) for p in part.glob("*.parquet"))
        return out

    def where(self, table: str, authorities: list[str]) -> str:
        keys = ", ".join("'" + a.replace("'", "''") + "'" for a in authorities)
        cond = f"authority in ({keys})"
        years = self.years_of(table)
        if table in DATED_TABLES and years is not None:
            cond += f" and year between {years[0]} and {years[1]}"
        return cond


def _empty_with_authority(table: str) -> str:
    return _empty_select(table).replace(" where false", ", null::varchar as authority where false")


class DuckDBEngine:
    name = "duckdb"

    def run(self, scan: Scan, work: Path) -> Path:
        """Compute every mart query into ``work/<macro>/authority=<SIREN>/`` (see :func:`write_schemas`)."""
        work.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute("set preserve_insertion_order = false").fetchall()
            for table in SOURCES:
                parts = []
                for folder, authorities in scan.by_folder().items():
                    files = scan.files(Path(folder) / table, authorities, table in DATED_TABLES)
                    if not files:
                        continue
                    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                    parts.append(
                        f"select * exclude (year) from read_parquet([{listed}], hive_partitioning = true, "
                        "hive_types = {'year': integer, 'authority': varchar}, union_by_name = true) "
                        f"where {scan.where(table, authorities)}"
                    )
                body = " union all by name ".join(parts) if parts else _empty_with_authority(table)
                con.execute(f"create or replace view {table} as {body}").fetchall()
            for query in mart_queries():
                target = str(work / query.macro).replace("'", "''")
                con.execute(
                    f"copy ({query.sql('duckdb')}) to '{target}' (format parquet, partition_by (authority), "
                    "overwrite_or_ignore true, filename_pattern 'part_{uuid}')"
                ).fetchall()
        finally:
            con.close()
        write_schemas(work)
        return work


def write_schemas(work: Path) -> None:
    """``work/_schemas/<macro>.parquet``: each mart query's columns and DuckDB types, no row. A member's
    rows (or all) are inserted by name into a table of these types, whatever engine wrote them (Spark's
    timestamps and integers come back as DuckDB's), and a member with no row still gets the columns."""
    folder = Path(work) / "_schemas"
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for table in SOURCES:
            con.execute(f"create view {table} as {_empty_with_authority(table)}").fetchall()
        for query in mart_queries():
            path = str(folder / f"{query.macro}.parquet").replace("'", "''")
            con.execute(
                f"copy (select * from ({query.sql('duckdb')}) limit 0) to '{path}' (format parquet)"
            ).fetchall()
    finally:
        con.close()


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        self.master = master or "local[*]"
        # under spark-submit (which starts the JVM and passes its port), the master is spark-submit's
        self.submitted = master is None and "PYSPARK_GATEWAY_PORT" in os.environ

    def session(self):
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ConsolidationError(
                "Le moteur Spark demande le paquet pyspark : « uv sync --extra spark » (ou pip install pyspark), "
                "et Java 17."
            ) from None
        if shutil.which("java") is None and not _java_home():
            raise ConsolidationError(
                "Le moteur Spark demande Java 17 (paquet Debian openjdk-17-jre-headless) : java est introuvable."
            )
        builder = SparkSession.builder if self.submitted else SparkSession.builder.master(self.master)
        builder = (
            builder.appName("barometre-consolidate")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
            .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
            .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
            # plain timestamps (no time zone) as in the exports, and partition values kept as text
            # (a SIREN is a code, not a number)
            .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8" if self.master.startswith("local") else "200")
        )
        try:
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
            return session
        except Exception as err:  # the JVM failed to start: one French line, the detail chained
            raise ConsolidationError(
                f"Spark n'a pas pu démarrer ({self.master}) : {str(err).splitlines()[0]}"
            ) from err

    def manifests(self, folder: str) -> list[str]:
        """The manifests' texts of an export folder given as a URL (object storage, HDFS…)."""
        from pipelines.export import MANIFEST_DIR

        spark = self.session()
        try:
            rows = spark.read.text(f"{folder}/{MANIFEST_DIR}/authority=*.json", wholetext=True).collect()
        except Exception as err:  # AnalysisException: path does not exist
            raise ConsolidationError(
                f"{folder} n'est pas lisible comme export Baromètre : {str(err).splitlines()[0]}"
            ) from err
        return [r[0] for r in rows]

    def stage(self, members: list[Member], tables: tuple[str, ...], work: Path) -> Path:
        """Copy the small tables (ledger, plan, territory…) of members read from URLs into ``work``,
        laid out as an export (``<table>/authority=<SIREN>/``), for DuckDB to read them locally."""
        spark = self.session()
        by_folder: dict[str, list[str]] = {}
        for m in members:
            by_folder.setdefault(m.folder, []).append(m.authority)
        for table in tables:
            frame = None
            for folder, authorities in by_folder.items():
                base = f"{folder}/{table}"
                try:
                    part = spark.read.option("basePath", base).parquet(base)
                except Exception:  # a table this export does not have (nothing to export): skipped
                    continue
                part = part.where(Scan(()).where(table, authorities))
                frame = part if frame is None else frame.unionByName(part, allowMissingColumns=True)
            if frame is not None:
                frame.write.partitionBy("authority").mode("overwrite").parquet(str(work / table))
        return work

    def run(self, scan: Scan, work: Path) -> Path:
        """As :meth:`DuckDBEngine.run`, with Spark (``work`` must be reachable by the executors)."""
        spark = self.session()
        for table in SOURCES:
            frame = None
            for folder, authorities in scan.by_folder().items():
                base = f"{folder.rstrip('/')}/{table}"
                if not is_remote(folder) and not any(Path(base).glob("**/*.parquet")):
                    continue
                part = (
                    spark.read.option("basePath", base)
                    .option("mergeSchema", "true")
                    .parquet(base)
                    .where(scan.where(table, authorities))
                )
                if "year" in part.columns:
                    part = part.drop("year")
                frame = part if frame is None else frame.unionByName(part, allowMissingColumns=True)
            if frame is None:
                frame = spark.sql(_spark_sql(_empty_with_authority(table)))
            frame.createOrReplaceTempView(table)
        for query in mart_queries():
            target = f"{str(work).rstrip('/')}/{query.macro}"
            spark.sql(query.sql("spark")).write.partitionBy("authority").mode("overwrite").parquet(target)
        write_schemas(Path(work))
        return Path(work)


def _spark_sql(duckdb_sql: str) -> str:
    import sqlglot

    return sqlglot.transpile(duckdb_sql, read="duckdb", write="spark")[0]


def _java_home() -> str | None:
    return os.environ.get("JAVA_HOME")


def engine(name: str, master: str | None = None) -> DuckDBEngine | SparkEngine:
    if name == "duckdb":
        if master:
            raise ConsolidationError("--master ne s'emploie qu'avec --engine spark.")
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine(master)
    raise ConsolidationError(f"Moteur « {name} » inconnu : duckdb ou spark.")
