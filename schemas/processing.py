"""``processing_cases``: one row per case with its clock (filing, instruction, decision)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import CASE_STATUSES, CHANNELS, DECIDED_STATUSES, INSEE_PATTERN, SLUG_PATTERN, plausible
from schemas.pandera_polars import pa


class ProcessingCase(pa.DataFrameModel):
    source: str = pa.Field(description="Outil ou adaptateur d'origine.")
    source_id: str = pa.Field(description="Numéro du dossier dans l'outil d'origine (conservé tel quel).")
    service: str = pa.Field(str_matches=SLUG_PATTERN, description="Service (identifiant court).")
    service_label: str = pa.Field(nullable=True, description="Libellé du service tel qu'affiché.")
    channel: str = pa.Field(nullable=True, isin=CHANNELS, description="Canal de dépôt.")
    submitted_at: dt.datetime = pa.Field(description="Dépôt du dossier (heure de Paris).")
    started_at: dt.datetime = pa.Field(nullable=True, description="Début de l'instruction, si connu.")
    decided_at: dt.datetime = pa.Field(
        nullable=True, description="Décision ou délivrance ; vide tant que le dossier est ouvert."
    )
    status: str = pa.Field(
        isin=CASE_STATUSES,
        description="submitted, in_review, accepted, rejected, decided (décidé, issue non précisée), closed_without_decision.",
    )
    deadline_days: float = pa.Field(
        nullable=True, ge=0, le=3650, description="Délai annoncé ou légal, en jours."
    )
    commune: str = pa.Field(nullable=True, str_matches=INSEE_PATTERN, description="Code INSEE de la commune.")

    class Config:
        strict = "filter"
        coerce = False

    @pa.dataframe_check(error="date_implausible:submitted_at")
    def submitted_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("submitted_at") & pl.col("submitted_at").is_not_null())

    @pa.dataframe_check(error="date_implausible:started_at")
    def started_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("started_at"))

    @pa.dataframe_check(error="date_implausible:decided_at")
    def decided_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("decided_at"))

    @pa.dataframe_check(error="decision_before_filing:decided_at")
    def decided_after_filing(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("decided_at").is_null() | (pl.col("decided_at") >= pl.col("submitted_at"))
        )

    @pa.dataframe_check(error="decided_without_date:decided_at")
    def decision_has_date(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.col("status").is_in(DECIDED_STATUSES) | pl.col("decided_at").is_not_null()
        )
