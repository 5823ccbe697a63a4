"""``usage_events``: one row per request (démarche) made by a user, whatever the channel."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import AGE_BAND_PATTERN, CHANNELS, INSEE_PATTERN, OUTCOMES, SLUG_PATTERN, plausible
from schemas.pandera_polars import pa


class UsageEvent(pa.DataFrameModel):
    source: str = pa.Field(description="Outil ou adaptateur d'origine (ex. demarches-simplifiees, demo).")
    source_id: str = pa.Field(description="Identifiant de la demande dans l'outil d'origine.")
    submitted_at: dt.datetime = pa.Field(description="Date et heure de la demande (heure de Paris).")
    service: str = pa.Field(
        str_matches=SLUG_PATTERN, description="Service (identifiant court, ex. etat-civil)."
    )
    service_label: str = pa.Field(nullable=True, description="Libellé du service tel qu'affiché.")
    channel: str = pa.Field(
        isin=CHANNELS, description="Canal : online, assisted, counter, phone, mail, email, other."
    )
    commune: str = pa.Field(nullable=True, str_matches=INSEE_PATTERN, description="Code INSEE de la commune.")
    age_band: str = pa.Field(
        nullable=True, str_matches=AGE_BAND_PATTERN, description="Tranche d'âge (ex. 30-44, 75+)."
    )
    outcome: str = pa.Field(
        nullable=True, isin=OUTCOMES, description="Issue : completed, abandoned, rejected, pending."
    )
    user_key: str = pa.Field(
        nullable=True,
        description="Clé pseudonyme de l'usager (empreinte salée de son compte ou de son e-mail, calculée à "
        "l'import ; jamais l'identité elle-même) : compte les usagers distincts (indicateur FEDER RCR11).",
    )

    class Config:
        strict = "filter"
        coerce = False

    @pa.dataframe_check(error="date_implausible:submitted_at")
    def submitted_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("submitted_at") & pl.col("submitted_at").is_not_null())
