"""Unknown values get a remedy: the rows rejected for a value outside the vocabulary, grouped by
column and value (« Statut : "Soldé" — 57 lignes »), and the mapping file offered to translate
them, ``data/mappings/valeurs-<source>.toml``.

The offered file hands the table to the built-in adapter that read it (``[target] format``) with a
``[values.<column>]`` section listing each unknown value with an empty translation, to complete.
Its first line is a fingerprint of the rest: while it holds, the file is Baromètre's own and may
be rewritten (new values added); once the analyst edits it, it is never written over (the summary
then names the values still missing). The ledger records, with each file, the mapping that
applies to it (``ingest_files.mapping_sha256``), the offered one included: when it is completed,
the next ingest sees another hash and reads the file again (see ``run``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.ingest.adapters.base import slugify
from pipelines.ingest.adapters.vocabulary import ALLOWED_VALUES
from pipelines.ingest.read import LINE_COL

FINGERPRINT = "# baromètre-empreinte : "
COLUMN_NAMES = {"channel": "Canal", "status": "Statut", "outcome": "Issue"}
VALUE_HINTS = {
    "channel": "online (en ligne), assisted (en ligne avec une aide : France Services, conseiller numérique), "
    "counter (guichet, accueil), phone (téléphone), mail (courrier), email (courriel), other (autre)",
    "status": "submitted (déposé), in_review (en instruction, en attente), accepted (accepté, délivré), "
    "rejected (refusé), decided (décidé sans que le fichier dise comment : traité, clôturé), "
    "closed_without_decision (classé sans suite, abandonné)",
    "outcome": "completed (aboutie), abandoned (abandonnée), rejected (refusée), pending (en cours)",
}


@dataclass(frozen=True)
class Origin:
    """Which adapter read a table: the built-in format (itself or a mapping's delegate) and the
    mapping file that applied, if any."""

    format: str | None
    mapping: Path | None = None
    mapping_sha256: str | None = None


def origin(adapter) -> Origin:
    spec = getattr(adapter, "spec", None)  # a mapping file's adapter
    if spec is None:
        return Origin(adapter.source)
    delegate = getattr(adapter, "delegate", None)
    return Origin(delegate.source if delegate is not None else None, spec.path, spec.sha256 or None)


def unknown_values(rejections: pl.DataFrame) -> list[dict]:
    """[{column, value, rows}] of the rows refused for a value outside a coded column's vocabulary,
    most frequent first."""
    if rejections.height == 0:
        return []
    found = rejections.filter(
        pl.col("check").cast(pl.String).str.starts_with("isin")
        & pl.col("column").is_in(list(ALLOWED_VALUES))
        & pl.col("value").is_not_null()
    )
    if found.height == 0:
        return []
    groups = (
        found.group_by("column", "value")
        .agg(pl.col(LINE_COL).n_unique().alias("rows"))
        .sort(["rows", "column", "value"], descending=[True, False, False])
    )
    return [{"column": c, "value": v, "rows": n} for c, v, n in groups.iter_rows()]


def describe(groups: list[dict]) -> list[str]:
    """« Statut : "Soldé" — 57 lignes », one per group."""
    return [
        f'{COLUMN_NAMES.get(g["column"], g["column"])} : "{g["value"]}" — {g["rows"]} ligne{"s" if g["rows"] > 1 else ""}'
        for g in groups
    ]


@dataclass(frozen=True)
class Offer:
    path: Path | None  # the mapping to complete
    written: bool  # written (or rewritten) by this ingest
    sha256: str | None  # its hash when it now applies to the file (recorded in the ledger)
    message: str  # French


def offer_mapping(folder: Path, source: str, header: list[str], where: Origin, groups: list[dict]) -> Offer:
    """Write (or complete) the mapping for ``groups``; never over a file the analyst edited."""
    if where.mapping is not None and not _is_offered(where.mapping):
        return Offer(
            where.mapping,
            False,
            None,
            f"ajoutez ces valeurs à la section [values.…] de {where.mapping.name}, puis relancez l'import",
        )
    if where.format is None:
        return Offer(None, False, None, "")
    path = folder / f"valeurs-{slugify(source) or 'fichier'}.toml"
    if path.exists() and not _untouched(path):
        return Offer(
            path,
            False,
            None,
            f"{_rel(path)} a déjà été modifié (non réécrit) : complétez-y ces valeurs, puis relancez l'import",
        )
    previous = _previous_values(path) if path.exists() else {}
    body = _body(header, where.format, groups, previous)
    text = f"{FINGERPRINT}{_digest(body)}\n{body}"
    folder.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Offer(
        path,
        True,
        sha,
        f"correspondance à compléter : {_rel(path)} (une valeur possible entre les guillemets vides), puis relancez l'import",
    )


def _rel(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}/{path.name}"


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def _untouched(path: Path) -> bool:
    """The file is still exactly as Baromètre wrote it (its fingerprint line matches the rest)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    first, _, body = text.partition("\n")
    return first.startswith(FINGERPRINT) and first[len(FINGERPRINT) :] == _digest(body)


def _is_offered(path: Path) -> bool:
    return path.name.startswith("valeurs-") and _untouched(path)


def _previous_values(path: Path) -> dict[str, dict[str, int]]:
    import tomllib

    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {c: dict.fromkeys(t, 0) for c, t in doc.get("values", {}).items() if isinstance(t, dict)}


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _body(header: list[str], fmt: str, groups: list[dict], previous: dict[str, dict[str, int]]) -> str:
    values: dict[str, dict[str, int]] = {c: dict(t) for c, t in previous.items()}
    for g in groups:
        values.setdefault(g["column"], {})[g["value"]] = g["rows"]
    lines = [
        "# Correspondance écrite par Baromètre : des lignes ont été écartées parce qu'une valeur n'est pas",
        "# dans son vocabulaire. Entre les guillemets vides, écrivez la valeur que Baromètre doit comprendre",
        "# (valeurs possibles en commentaire), enregistrez, puis relancez « barometre ingest » : le fichier",
        "# sera relu et ces lignes chargées. Une valeur laissée vide reste à compléter (ses lignes restent",
        "# écartées). Dès que vous modifiez ce fichier, Baromètre n'y touche plus.",
        "",
        "# les fichiers qui ont toutes ces colonnes",
        "[match]",
        "columns = [" + ", ".join(_q(h) for h in header) + "]",
        "",
        "# lus comme d'habitude par le format intégré, avec les traductions ci-dessous en plus",
        "[target]",
        f"format = {_q(fmt)}",
    ]
    for column, table in values.items():
        lines += ["", f"# valeurs possibles : {VALUE_HINTS.get(column, '')}", f"[values.{column}]"]
        for value, rows in table.items():
            note = (
                f"  # {rows} ligne{'s' if rows > 1 else ''} écartée{'s' if rows > 1 else ''}" if rows else ""
            )
            lines.append(f'{_q(value)} = ""{note}')
    return "\n".join(lines) + "\n"
