"""Source adapters: each recognises one export layout and maps it to canonical columns.

An adapter is a small object with ``name``, ``matches(raw)`` and ``map(raw, ctx)``. ``map`` is a pure
function of the raw table: it renames columns, translates vocabularies and drops personal columns,
returning one :class:`Mapped` per canonical dataset it feeds. Values may stay text: ``coerce`` types
them. ``ADAPTERS`` is tried in order; mapping files from ``data/mappings`` are tried first.

One module per source: ``demarches_simplifiees``, ``jdma`` (« Je donne mon avis »), ``limesurvey``,
``matomo``, ``sitadel`` (recognised, refused), ``canonical``, ``tableur`` (French spreadsheet logs),
``from_mapping`` (the adapter a mapping file describes, read by ``pipelines.ingest.mapping_files``); ``vocabulary`` holds the French synonyms they share.
"""

from pipelines.ingest.adapters.base import Adapter, MapContext, Mapped
from pipelines.ingest.adapters.registry import ADAPTERS, closest_format, detect

__all__ = ["ADAPTERS", "Adapter", "MapContext", "Mapped", "closest_format", "detect"]
