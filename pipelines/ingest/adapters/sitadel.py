"""Sitadel open data (SDES « DiDo »: building permits creating dwellings): recognised, refused.

These files have two header lines (long labels, then codes such as ``NUM_DAU``, ``TYPE_DAU``,
``ETAT_DAU``, ``DATE_REELLE_AUTORISATION``, ``DPC_PREM``, ``AN_DEPOT``); the reader promotes the
code line to header. Decision: they are *not* loaded into ``processing_cases``. They hold no filing
date (only the year ``AN_DEPOT`` and the month ``DPC_PREM`` the permit was first recorded), so a
filing → decision delay would be known to a month at best and would mix, in the delay indicator,
month-rounded values with exact ones; refused permits are absent (only authorisations), which
would bias any rate; and the file covers a whole département or region, not the authority's own
instruction. The analyst gets a French message saying so and what to drop instead.
"""

from __future__ import annotations

from pipelines.errors import FileRefused
from pipelines.ingest.adapters.base import MapContext, Mapped, norm
from pipelines.ingest.read import RawTable

CODES = {
    "num_dau",
    "type_dau",
    "etat_dau",
    "date_reelle_autorisation",
    "dpc_prem",
    "an_depot",
    "dpc_aut",
    "date_reelle_doc",
    "cat_dem",
}


class Sitadel:
    name = "Sitadel (autorisations d'urbanisme, données ouvertes SDES)"
    source = "sitadel"

    def signature(self) -> list[str]:
        return ["NUM_DAU", "TYPE_DAU", "ETAT_DAU", "DATE_REELLE_AUTORISATION", "DPC_PREM", "AN_DEPOT", "COMM"]

    def matches(self, raw: RawTable) -> bool:
        found = {norm(h) for h in raw.header} & CODES
        if len(found) >= 3:
            return True
        # code line not promoted (e.g. an empty code): look at the first record
        if raw.frame.height:
            first = {norm(str(v)) for v in raw.frame.row(0) if v is not None}
            return len(first & CODES) >= 3
        return False

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        raise FileRefused(
            "Fichier Sitadel reconnu (autorisations d'urbanisme, données ouvertes du SDES), mais il n'est pas importé : "
            "il ne donne pas la date de dépôt des demandes (seulement l'année de dépôt et le mois d'enregistrement), "
            "ne contient que les permis accordés (pas les refus) et couvre tout un territoire ; un délai d'instruction "
            "calculé au mois près fausserait l'indicateur des délais. Pour suivre vos délais d'urbanisme, déposez plutôt "
            "l'export de votre logiciel d'instruction (ou un tableau avec « N° demande », « Type de démarche », "
            "« Date de dépôt », « Date de décision » et « Statut »)."
        )
