"""Which adapter takes a raw table: mapping files first, then the built-in adapters in order.

Order matters: the most specific layouts first (tool exports recognised by their own column
names), the canonical CSV next, the loosely matched spreadsheet logs last.
"""

from __future__ import annotations

from pipelines.ingest.adapters.base import Adapter, norm
from pipelines.ingest.adapters.canonical import CANONICAL_ADAPTERS
from pipelines.ingest.adapters.consultation_limesurvey import LimeSurveyConsultation
from pipelines.ingest.adapters.decidim import DecidimProposals
from pipelines.ingest.adapters.demarches_simplifiees import DemarchesSimplifiees
from pipelines.ingest.adapters.equipment import EquipmentRegister, FranceServicesList, MediationPlaces
from pipelines.ingest.adapters.jdma import JeDonneMonAvis
from pipelines.ingest.adapters.matomo import Matomo
from pipelines.ingest.adapters.maturity import MaturityCanonical
from pipelines.ingest.adapters.maturity_limesurvey import LimeSurveyWithMaturity
from pipelines.ingest.adapters.maturity_sheet import MaturitySheet
from pipelines.ingest.adapters.sitadel import Sitadel
from pipelines.ingest.adapters.tableur import Tableur
from pipelines.ingest.adapters.territory import TERRITORY_ADAPTERS
from pipelines.ingest.read import RawTable

ADAPTERS: list[Adapter] = [
    DemarchesSimplifiees(),
    JeDonneMonAvis(),
    LimeSurveyConsultation(),  # before LimeSurvey: an export of one multiple-choice question
    LimeSurveyWithMaturity(),  # LimeSurvey's refusal, with a maturity mapping or a consultation hint if it fits
    Matomo(),
    Sitadel(),
    *TERRITORY_ADAPTERS,
    DecidimProposals(),
    *CANONICAL_ADAPTERS,
    MaturityCanonical(),
    MaturitySheet(),
    # national lists by their producers' column names, then the register by its French headers
    FranceServicesList(),
    MediationPlaces(),
    EquipmentRegister(),
    Tableur(),
]


def detect(raw: RawTable, extra: list[Adapter] | None = None) -> Adapter | None:
    for adapter in [*(extra or []), *ADAPTERS]:
        if adapter.matches(raw):
            return adapter
    return None


def closest_format(raw: RawTable, extra: list[Adapter] | None = None) -> tuple[Adapter | None, float]:
    """The adapter whose signature shares the most columns with the file (for the refusal message);
    an adapter matching headers by synonyms says how much of its layout it finds (``affinity``)."""
    found = {norm(h) for h in raw.header}
    best, best_score = None, 0.0
    for adapter in [*(extra or []), *ADAPTERS]:
        affinity = getattr(adapter, "affinity", None)
        sig = {norm(h) for h in adapter.signature()}
        if affinity is not None:
            score = affinity(raw)
        elif sig:
            score = len(found & sig) / len(sig)
        else:
            continue
        if score > best_score:
            best, best_score = adapter, score
    return best, best_score
