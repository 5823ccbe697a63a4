"""``web_audience``: web analytics (Matomo) per period, a secondary dataset."""

from __future__ import annotations

import datetime as dt

from schemas.pandera_polars import pa


class WebAudience(pa.DataFrameModel):
    source: str = pa.Field(description="Outil d'origine (matomo).")
    source_id: str = pa.Field(description="Clé de la ligne : site/rapport, libellé et période.")
    report: str = pa.Field(description="Rapport Matomo (ex. VisitsSummary).")
    label: str = pa.Field(
        nullable=True, description="Libellé de ligne pour les rapports de pages (ex. /demarches/…)."
    )
    period_type: str = pa.Field(
        isin=["day", "week", "month", "year", "range"], description="Granularité de la période."
    )
    period_start: dt.date = pa.Field(
        nullable=True, description="Premier jour de la période (vide pour un export « plage »)."
    )
    period_end: dt.date = pa.Field(nullable=True, description="Dernier jour de la période.")
    unique_visitors: float = pa.Field(nullable=True, ge=0, description="Visiteurs uniques.")
    users: float = pa.Field(nullable=True, ge=0, description="Utilisateurs connectés.")
    visits: float = pa.Field(nullable=True, ge=0, description="Visites.")
    actions: float = pa.Field(nullable=True, ge=0, description="Actions (pages vues, téléchargements…).")
    visits_converted: float = pa.Field(nullable=True, ge=0, description="Visites avec conversion.")
    bounces: float = pa.Field(nullable=True, ge=0, description="Rebonds.")
    sum_visit_length_s: float = pa.Field(nullable=True, ge=0, description="Temps total passé (secondes).")
    max_actions: float = pa.Field(nullable=True, ge=0, description="Nombre maximum d'actions en une visite.")
    bounce_rate: float = pa.Field(nullable=True, ge=0, le=1, description="Taux de rebond (fraction 0–1).")
    actions_per_visit: float = pa.Field(nullable=True, ge=0, description="Actions par visite.")
    avg_time_on_site_s: float = pa.Field(
        nullable=True, ge=0, description="Durée moyenne des visites (secondes)."
    )

    class Config:
        strict = "filter"
        coerce = False
