"""The built-in LimeSurvey adapter as registered: an export without a mapping file is refused with a
mapping to fill — a maturity mapping when its columns are statements of the referential
(:func:`.maturity_mapping.maturity_refusal`), else the survey mapping with the consultation hint
(:class:`.consultation_limesurvey.LimeSurveyWithConsultationHint`). Its own module, so that neither
of those modules imports the other."""

from __future__ import annotations

from pipelines.ingest.adapters.base import MapContext, Mapped
from pipelines.ingest.adapters.consultation_limesurvey import LimeSurveyWithConsultationHint
from pipelines.ingest.adapters.maturity_mapping import maturity_refusal
from pipelines.ingest.read import RawTable


class LimeSurveyWithMaturity(LimeSurveyWithConsultationHint):
    """LimeSurvey's refusal, offering a maturity mapping when the export is a maturity questionnaire."""

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        maturity_refusal(raw, ctx)
        return super().map(raw, ctx)
