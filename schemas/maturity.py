"""``maturity_answers``: one row per respondent × referential item × wave of a maturity self-assessment."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import INSEE_PATTERN, plausible
from schemas.pandera_polars import pa

RESPONDENT_GROUPS = ("elu", "agent", "citoyen", "entreprise", "association", "partenaire")
ITEM_PATTERN = r"^[A-Z]{2,6}-\d+$"


class MaturityAnswer(pa.DataFrameModel):
    source: str = pa.Field(description="Outil ou adaptateur d'origine.")
    source_id: str = pa.Field(
        description="Identifiant de la réponse : vague, répondant (haché) et affirmation."
    )
    wave: dt.date = pa.Field(description="Date de la vague d'autoévaluation.")
    respondent_group: str = pa.Field(
        isin=RESPONDENT_GROUPS,
        description="Groupe du répondant : elu, agent, citoyen, entreprise, association, partenaire.",
    )
    respondent_key: str = pa.Field(
        description="Empreinte salée de l'identifiant du répondant dans la source (un répondant = une clé)."
    )
    item: str = pa.Field(
        str_matches=ITEM_PATTERN, description="Affirmation du référentiel (identifiant, ex. GOV-1)."
    )
    level: int = pa.Field(
        nullable=True, ge=0, le=5, description="Niveau donné, de 0 à 5 ; vide = « ne sait pas » (non compté)."
    )
    commune: str = pa.Field(nullable=True, str_matches=INSEE_PATTERN, description="Code INSEE de la commune.")

    class Config:
        strict = "filter"
        coerce = False

    @pa.dataframe_check(error="date_implausible:wave")
    def wave_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("wave"))
