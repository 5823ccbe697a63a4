"""``survey_responses``: one row per answer to a satisfaction survey."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import AGE_BAND_PATTERN, CHANNELS, INSEE_PATTERN, SLUG_PATTERN, plausible
from schemas.pandera_polars import pa

SATISFIED_FROM = 7.5  # DESIGN.md: satisfied = score_10 ≥ 7.5, for every source


class SurveyResponse(pa.DataFrameModel):
    source: str = pa.Field(description="Outil d'origine (limesurvey-…, jdma, demo…).")
    source_id: str = pa.Field(description="Identifiant de la réponse dans l'outil d'origine.")
    responded_at: dt.datetime = pa.Field(
        nullable=True, description="Date de la réponse (heure de Paris) ; vide si inconnue."
    )
    service: str = pa.Field(nullable=True, str_matches=SLUG_PATTERN, description="Service évalué, si connu.")
    service_label: str = pa.Field(nullable=True, description="Libellé du service évalué.")
    channel: str = pa.Field(nullable=True, isin=CHANNELS, description="Canal utilisé, si demandé.")
    score_raw: float = pa.Field(
        nullable=True, description="Note telle que donnée, sur l'échelle scale_min–scale_max."
    )
    scale_min: float = pa.Field(nullable=True, description="Bas de l'échelle de la note.")
    scale_max: float = pa.Field(nullable=True, description="Haut de l'échelle de la note.")
    score_10: float = pa.Field(
        nullable=True, ge=0, le=10, description="Note ramenée sur 10 (convention de l'Observatoire)."
    )
    satisfied: bool = pa.Field(
        nullable=True, description="Satisfait : score_10 ≥ 7,5 (les deux meilleures cases sur 5)."
    )
    clarity_10: float = pa.Field(nullable=True, ge=0, le=10, description="Clarté de l'information, sur 10.")
    nps: float = pa.Field(nullable=True, ge=0, le=10, description="Recommandation (0–10), si demandée.")
    comment: str = pa.Field(nullable=True, description="Commentaire libre, e-mails et téléphones masqués.")
    age_band: str = pa.Field(nullable=True, str_matches=AGE_BAND_PATTERN, description="Tranche d'âge.")
    commune: str = pa.Field(nullable=True, str_matches=INSEE_PATTERN, description="Code INSEE de la commune.")
    complete: bool = pa.Field(
        description="Réponse complète (une réponse partielle est gardée mais pas comptée)."
    )

    class Config:
        strict = "filter"
        coerce = False

    @pa.dataframe_check(error="date_implausible:responded_at")
    def responded_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("responded_at"))

    @pa.dataframe_check(error="score_off_scale:score_raw")
    def score_on_scale(cls, data) -> pl.LazyFrame:
        s, lo, hi = pl.col("score_raw"), pl.col("scale_min"), pl.col("scale_max")
        return data.lazyframe.select(s.is_null() | lo.is_null() | hi.is_null() | ((s >= lo) & (s <= hi)))

    @pa.dataframe_check(error="satisfied_contradicts_score:satisfied")
    def satisfied_matches_score(cls, data) -> pl.LazyFrame:
        # satisfied is derived from score_10 (≥ 7.5) at validation; a source flag saying otherwise is refused
        sat, score = pl.col("satisfied"), pl.col("score_10")
        return data.lazyframe.select(sat.is_null() | score.is_null() | (sat == (score >= SATISFIED_FROM)))
