"""The diagnostic's other canonical tables: the inventory (``equipment``), the territory's communes
(``territory``) and the results of citizen consultations (``consultation_items``).

Decisions where DESIGN.md is silent:

- ``equipment.kind`` is a code from :data:`EQUIPMENT_KINDS` (French words are translated at import);
- ``territory`` holds one row per commune, year and producer file (``source``: ``insee-cog``,
  ``insee-populations``, ``insee-densite``, ``mednum-ifn``, ``arcep``, a canonical file…), each file
  filling the columns it knows; the view ``territory_communes`` (indicators SQL) keeps for each
  commune the newest non-empty value of each column, so that dropping a newer file of one producer
  updates only what that producer says;
- ``consultation_items`` holds one row per consultation × item; ``participants`` is the number of
  participants of the consultation (the denominator of an item's share), repeated on each item.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.common import INSEE_PATTERN, SLUG_PATTERN, plausible
from schemas.pandera_polars import pa

EQUIPMENT_KINDS = (
    "public_wifi",  # point d'accès Wi-Fi public
    "network_link",  # réseau, raccordement (fibre) d'un bâtiment public
    "online_platform",  # portail citoyen, portail famille, GNAU, site internet…
    "mediation_place",  # lieu de médiation numérique
    "france_services",  # espace France Services
    "school_equipment",  # équipement numérique des écoles
    "other",
)
EQUIPMENT_STATUSES = ("operational", "planned", "degraded", "retired")


class Equipment(pa.DataFrameModel):
    source: str = pa.Field(description="Fichier ou liste d'origine (inventaire, liste nationale…).")
    source_id: str = pa.Field(description="Identifiant de l'équipement dans la source.")
    asset_id: str = pa.Field(description="Identifiant de l'équipement ou de la plateforme.")
    kind: str = pa.Field(
        isin=EQUIPMENT_KINDS,
        description=(
            "Nature : public_wifi, network_link, online_platform, mediation_place, france_services, "
            "school_equipment, other."
        ),
    )
    label: str = pa.Field(description="Nom de l'équipement, du lieu ou de la plateforme.")
    commune: str = pa.Field(nullable=True, str_matches=INSEE_PATTERN, description="Code INSEE de la commune.")
    status: str = pa.Field(
        isin=EQUIPMENT_STATUSES,
        description="État : operational (en service), planned (prévu), degraded (dégradé), retired (retiré).",
    )
    since: dt.date = pa.Field(nullable=True, description="Mise en service (ou date prévue).")
    until: dt.date = pa.Field(nullable=True, description="Retrait, s'il y a lieu.")
    rgaa_rate: float = pa.Field(
        nullable=True, ge=0, le=1, description="Plateformes en ligne : taux de conformité RGAA (0 à 1)."
    )
    accessibility_statement_date: dt.date = pa.Field(
        nullable=True, description="Plateformes en ligne : date de la déclaration d'accessibilité."
    )
    franceconnect: bool = pa.Field(
        nullable=True, description="Plateformes en ligne : connexion FranceConnect."
    )

    class Config:
        strict = "filter"
        coerce = False

    @pa.dataframe_check(error="date_implausible:since")
    def since_plausible(cls, data) -> pl.LazyFrame:
        # a planned asset may start in the future: only dates before 2000 are implausible here
        c = pl.col("since")
        return data.lazyframe.select(c.is_null() | (c >= dt.date(1990, 1, 1)))

    @pa.dataframe_check(error="date_implausible:accessibility_statement_date")
    def statement_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("accessibility_statement_date"))

    @pa.dataframe_check(error="until_before_since:until")
    def until_after_since(cls, data) -> pl.LazyFrame:
        s, u = pl.col("since"), pl.col("until")
        return data.lazyframe.select(s.is_null() | u.is_null() | (u >= s))


class TerritoryRow(pa.DataFrameModel):
    source: str = pa.Field(
        description="Fichier producteur (insee-cog, insee-populations, mednum-ifn, arcep…)."
    )
    source_id: str = pa.Field(description="Producteur, commune et année.")
    commune: str = pa.Field(
        str_matches=INSEE_PATTERN, description="Code INSEE de la commune (texte : 01001, 2A004)."
    )
    year: int = pa.Field(ge=1990, le=2100, description="Année de référence de la donnée.")
    name: str = pa.Field(nullable=True, description="Nom de la commune.")
    population: int = pa.Field(nullable=True, ge=0, description="Population municipale.")
    density_class: str = pa.Field(
        nullable=True, description="Catégorie de la grille communale de densité de l'INSEE (libellé)."
    )
    fragility_index: float = pa.Field(
        nullable=True, description="Indice de fragilité numérique (IFN, MedNum) ; 100 = moyenne nationale."
    )
    thd_coverage: float = pa.Field(
        nullable=True,
        ge=0,
        le=1,
        description="Part des locaux éligibles au très haut débit (≥ 30 Mbit/s), 0 à 1.",
    )

    class Config:
        strict = "filter"
        coerce = False


class ConsultationItem(pa.DataFrameModel):
    source: str = pa.Field(description="Outil d'origine (limesurvey-…, decidim, fichier canonique…).")
    source_id: str = pa.Field(description="Consultation et élément.")
    consultation: str = pa.Field(description="Identifiant de la consultation.")
    consultation_label: str = pa.Field(nullable=True, description="Intitulé de la consultation.")
    closed_on: dt.date = pa.Field(nullable=True, description="Date de clôture de la consultation.")
    item: str = pa.Field(description="Élément soutenu : réponse proposée, proposition…")
    service: str = pa.Field(
        nullable=True,
        str_matches=SLUG_PATTERN,
        description="Service du catalogue que nomme l'élément, s'il y en a un.",
    )
    supports: int = pa.Field(ge=0, description="Soutiens : participants ayant choisi l'élément, votes.")
    participants: int = pa.Field(
        nullable=True,
        ge=0,
        description="Participants de la consultation (dénominateur de la part) ; vide si la source ne le dit pas.",
    )
    comment: str = pa.Field(
        nullable=True, description="Texte libre (proposition, précision), e-mails et téléphones masqués."
    )

    class Config:
        strict = "filter"
        coerce = False

    @pa.dataframe_check(error="date_implausible:closed_on")
    def closed_plausible(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(plausible("closed_on"))

    @pa.dataframe_check(error="supports_above_participants:supports")
    def supports_within(cls, data) -> pl.LazyFrame:
        # one participant supports one item at most once: supports ≤ participants
        p = pl.col("participants")
        return data.lazyframe.select(p.is_null() | (pl.col("supports") <= p))
