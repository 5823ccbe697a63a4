"""The members of a consolidation: which authorities' exports are taken, from which folder.

A Baromètre Parquet export (``barometre export --parquet``) carries one manifest per authority,
``_barometre/authority=<SIREN>.json`` (see :mod:`pipelines.export`). A folder given to
``barometre consolidate`` must hold at least one; several folders may hold the same authority (a
member exported twice, a month apart): the newest export of a member (its manifest's
``exported_at``) is taken, the others are reported and never read. All exports taken must have the
schema version of this Baromètre: rows of another version may not mean the same thing.

Object storage: a folder may be a URL (``s3a://…``, ``gs://…``, ``abfss://…``, ``hdfs://…``,
``file://…``) with the Spark engine only: Spark reads it through the Hadoop connectors configured on
the cluster, manifests included (:meth:`pipelines.consolidate.engine.SparkEngine.manifests`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.errors import BarometreError
from pipelines.export import MANIFEST_DIR, MANIFEST_FORMAT
from pipelines.migrations import SCHEMA_VERSION


class ConsolidationError(BarometreError):
    """A consolidation refused, with its one-line French reason."""


@dataclass(frozen=True)
class Member:
    authority: str
    name: str
    kind: str | None
    communes: tuple[str, ...]
    population: int | None
    folder: str  # the export folder (a path, or a URL for Spark)
    exported_at: dt.datetime
    schema_version: int
    superseded: tuple[str, ...] = field(default=())
    source: str | None = None  # the URL it was read from, when its small tables were copied locally

    def partition(self, table: str) -> str:
        return f"{self.folder.rstrip('/')}/{table}"


def is_remote(folder: str) -> bool:
    return "://" in folder


def _manifest(path: str, text: str) -> dict:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConsolidationError(
            f"Manifeste d'export illisible : {path} ({err.msg}, ligne {err.lineno})."
        ) from err
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT or not doc.get("authority"):
        raise ConsolidationError(f"{path} n'est pas un manifeste d'export Baromètre.")
    return doc


def read_manifests(folder: Path) -> list[dict]:
    """The manifests of a local export folder (French error when it is not a Baromètre export)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConsolidationError(f"Dossier d'export introuvable : {folder}.")
    paths = sorted((folder / MANIFEST_DIR).glob("authority=*.json"))
    if not paths:
        raise ConsolidationError(
            f"{folder} n'est pas un export Baromètre (pas de dossier {MANIFEST_DIR}/ avec un manifeste par "
            "collectivité) : produisez-le avec « barometre export --parquet DOSSIER » (version récente)."
        )
    return [_manifest(str(p), p.read_text(encoding="utf-8")) for p in paths]


def select_members(manifests_by_folder: dict[str, list[dict]]) -> list[Member]:
    """One member per authority (its newest export), in authority order; refuses mixed schema versions."""
    versions: dict[int, str] = {}
    candidates: dict[str, list[Member]] = {}
    for folder, manifests in manifests_by_folder.items():
        for doc in manifests:
            version = int(doc.get("schema_version") or 0)
            versions.setdefault(version, folder)
            try:
                exported = dt.datetime.fromisoformat(str(doc.get("exported_at")))
            except ValueError:
                raise ConsolidationError(
                    f"Manifeste d'export sans date valide pour {doc['authority']} dans {folder}."
                ) from None
            candidates.setdefault(doc["authority"], []).append(
                Member(
                    authority=str(doc["authority"]),
                    name=str(doc.get("name") or doc["authority"]),
                    kind=doc.get("kind"),
                    communes=tuple(str(c) for c in doc.get("communes") or ()),
                    population=doc.get("population"),
                    folder=folder,
                    exported_at=exported,
                    schema_version=version,
                )
            )
    if len(versions) > 1:
        (v1, f1), (v2, f2) = sorted(versions.items())[:2]
        raise ConsolidationError(
            f"Exports de versions de schéma différentes : {f1} (version {v1}) et {f2} (version {v2}) ; "
            "réexportez-les avec la même version de Baromètre."
        )
    (version,) = versions
    if version != SCHEMA_VERSION:
        folder = versions[version]
        raise ConsolidationError(
            f"L'export {folder} est de la version de schéma {version}, ce Baromètre lit la version {SCHEMA_VERSION} : "
            "réexportez-le (« barometre ingest » met d'abord l'entrepôt à jour)."
        )
    members = []
    for authority in sorted(candidates):
        ordered = sorted(candidates[authority], key=lambda m: m.exported_at, reverse=True)
        newest = ordered[0]
        older = tuple(f"{m.folder} ({m.exported_at:%d/%m/%Y %H:%M})" for m in ordered[1:])
        members.append(Member(**{**newest.__dict__, "superseded": older}))
    return members


def find_members(folders: list[str], remote: Callable[[str], list[str]] | None = None) -> list[Member]:
    """The members to consolidate from the given export folders: local paths, or URLs whose
    manifests' texts ``remote(url)`` reads (the Spark engine)."""
    if not folders:
        raise ConsolidationError("Aucun dossier d'export donné : « barometre consolidate DOSSIER... ».")
    seen: dict[str, list[dict]] = {}
    for folder in folders:
        if is_remote(folder):
            if remote is None:
                raise ConsolidationError(
                    f"{folder} : un export en stockage objet ou distant se lit avec le moteur Spark (--engine spark)."
                )
            key = folder.rstrip("/")
            if key not in seen:
                texts = remote(key)
                if not texts:
                    raise ConsolidationError(
                        f"{folder} n'est pas un export Baromètre (pas de manifeste {MANIFEST_DIR}/authority=….json)."
                    )
                seen[key] = [_manifest(f"{key}/{MANIFEST_DIR}", t) for t in texts]
            continue
        key = str(Path(folder).resolve())
        if key not in seen:
            seen[key] = read_manifests(Path(folder))
    return select_members(seen)
