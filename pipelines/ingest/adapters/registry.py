"""Which adapter takes a raw table: mapping files first, then the built-in adapters in order."""

from __future__ import annotations

from pipelines.ingest.adapters.base import Adapter, norm
from pipelines.ingest.adapters.canonical import CANONICAL_ADAPTERS
from pipelines.ingest.read import RawTable

ADAPTERS: list[Adapter] = [*CANONICAL_ADAPTERS]


def detect(raw: RawTable, extra: list[Adapter] | None = None) -> Adapter | None:
    for adapter in [*(extra or []), *ADAPTERS]:
        if adapter.matches(raw):
            return adapter
    return None


def closest_format(raw: RawTable, extra: list[Adapter] | None = None) -> tuple[Adapter | None, float]:
    """The adapter whose signature shares the most columns with the file (for the refusal message)."""
    found = {norm(h) for h in raw.header}
    best, best_score = None, 0.0
    for adapter in [*(extra or []), *ADAPTERS]:
        sig = {norm(h) for h in adapter.signature()}
        if not sig:
            continue
        score = len(found & sig) / len(sig)
        if score > best_score:
            best, best_score = adapter, score
    return best, best_score
