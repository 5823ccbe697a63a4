"""Dataset registry: canonical name → warehouse table, Pandera model and column types.

Column order and types come from the Pandera model, so the model is the single source of truth
for what a canonical table holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from schemas.diagnostic import ConsultationItem, Equipment, TerritoryRow
from schemas.maturity import MaturityAnswer
from schemas.pandera_polars import pa
from schemas.processing import ProcessingCase
from schemas.survey import SurveyResponse
from schemas.usage import UsageEvent
from schemas.web_audience import WebAudience

_SQL_TYPES = {
    pl.String(): "VARCHAR",
    pl.Float64(): "DOUBLE",
    pl.Int64(): "BIGINT",
    pl.Boolean(): "BOOLEAN",
    pl.Datetime("us"): "TIMESTAMP",
    pl.Date(): "DATE",
}
LINEAGE = ("source", "source_id")


@dataclass(frozen=True)
class Dataset:
    name: (
        str  # canonical dataset name used in mappings: usage | processing | survey | web_audience | maturity
        # | equipment | territory | consultation
    )
    table: str
    label: str  # French, for users
    model: type[pa.DataFrameModel]

    @cached_property
    def fields(self) -> dict[str, pa.Field]:
        return {name: info for name, (_ann, info) in self.model.__fields__.items()}

    @cached_property
    def polars_schema(self) -> dict[str, pl.DataType]:
        schema = self.model.to_schema()
        return {name: schema.columns[name].dtype.type for name in self.fields}

    @cached_property
    def columns(self) -> list[str]:
        return list(self.polars_schema)

    @cached_property
    def required(self) -> list[str]:
        """Columns that must be present in a source file (non-nullable, lineage excepted)."""
        return [n for n, f in self.fields.items() if not f.nullable]

    def sql_columns(self) -> list[tuple[str, str, str]]:
        """(name, DuckDB type, description) for the table definition."""
        return [
            (name, _SQL_TYPES[dtype], self.fields[name].description or "")
            for name, dtype in self.polars_schema.items()
        ]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("usage", "usage_events", "demandes (usage des services)", UsageEvent),
        Dataset("processing", "processing_cases", "dossiers instruits (délais)", ProcessingCase),
        Dataset("survey", "survey_responses", "réponses aux enquêtes de satisfaction", SurveyResponse),
        Dataset("web_audience", "web_audience", "audience web (Matomo)", WebAudience),
        Dataset(
            "maturity",
            "maturity_answers",
            "réponses à l'autoévaluation de maturité numérique",
            MaturityAnswer,
        ),
        Dataset("equipment", "equipment", "inventaire des équipements et plateformes", Equipment),
        Dataset("territory", "territory", "communes du territoire (données ouvertes)", TerritoryRow),
        Dataset(
            "consultation", "consultation_items", "résultats des consultations citoyennes", ConsultationItem
        ),
    )
}


def dataset_for(name_or_table: str) -> Dataset:
    for d in DATASETS.values():
        if name_or_table in (d.name, d.table):
            return d
    raise KeyError(name_or_table)
