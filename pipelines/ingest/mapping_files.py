"""Mapping files ``data/mappings/*.toml``, read and checked into adapters (:func:`load_mappings`):
column and value mappings for exports the built-in adapters don't know (a LimeSurvey
questionnaire, a business application's export…).

Shape (see ``data/mappings/exemple-limesurvey.toml.example``)::

    [match]                     # every listed column present (normal forms), and/or a file-name glob
    columns = ["…"]
    filename = "export_*.csv"
    [target]
    dataset = "survey"          # usage | processing | survey | web_audience (or a list) | maturity (alone)
    source = "limesurvey-456789"
    [columns]                   # canonical column = header in the file (or a list of possible headers)
    source_id = "ID de la réponse"
    [scale]                     # survey score scale
    min = 1
    max = 5
    [values.channel]            # value in the file = canonical value
    "Par téléphone" = "phone"
    [constants]                 # canonical column = fixed value
    service = "accueil-mairie"
    [items]                     # maturity answers only: statement id = header of its column
    "GOV-1" = "MAT[GOV1]"

A value left empty (``"Soldé" = ""``) is still to be completed: ignored, its rows stay rejected.
Each mapping's SHA-256 goes with the files it takes into the ledger (``ingest_files.mapping_sha256``).
Headers and values match on normal form (case, accents, apostrophes). An invalid file is reported
with a French message naming the file and the key; the other mappings still load.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from pipelines.errors import MappingError
from pipelines.ingest.adapters.base import Adapter, norm
from pipelines.ingest.adapters.consultation_limesurvey import ConsultationMapping
from pipelines.ingest.adapters.from_mapping import MappingAdapter, MappingSpec
from pipelines.ingest.adapters.registry import ADAPTERS
from pipelines.ingest.adapters.vocabulary import ALLOWED_VALUES
from pipelines.ingest.mapping_template import REQUIRED
from schemas import DATASETS

SECTIONS = ("match", "target", "columns", "scale", "values", "constants", "items")
DATASET_NAMES = {
    **{d.name: d.name for d in DATASETS.values()},
    **{d.table: d.name for d in DATASETS.values()},
    "demandes": "usage",
    "dossiers": "processing",
    "enquete": "survey",
    "enquetes": "survey",
    "satisfaction": "survey",
    "audience": "web_audience",
    "consultations": "consultation",
}
SCORES = ("score_raw", "score_10", "satisfied", "nps", "clarity_10")


def load_mappings(folder: Path) -> tuple[list[Adapter], list[tuple[Path, str]]]:
    """(adapters built from valid mapping files, [(file, French error)] for invalid ones)."""
    adapters: list[Adapter] = []
    errors: list[tuple[Path, str]] = []
    if folder is None or not Path(folder).is_dir():
        return adapters, errors
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            adapters.append(_adapter(parse_mapping(path)))
        except MappingError as err:
            errors.append((path, str(err)))
    return adapters, errors


def parse_mapping(path: Path) -> MappingSpec:
    name = f"Fichier de correspondance {path.name}"
    try:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise MappingError(f"{name} : enregistrez-le en UTF-8 (octets illisibles).") from err
    except OSError as err:
        raise MappingError(f"{name} : illisible ({err}).") from err
    except tomllib.TOMLDecodeError as err:
        raise MappingError(
            f"{name} : syntaxe TOML invalide ({err}). Vérifiez les guillemets et les crochets."
        ) from err

    def fail(key: str, why: str) -> MappingError:
        return MappingError(f"{name}, clé {key} : {why}")

    for section in doc:
        if section not in SECTIONS:
            raise fail(
                f"[{section}]",
                f"section inconnue (sections possibles : {', '.join('[' + s + ']' for s in SECTIONS)}).",
            )
    match, target = _table(doc, "match", fail), _table(doc, "target", fail)
    columns = _match_columns(match, fail)
    filename = match.get("filename")
    if filename is not None and not isinstance(filename, str):
        raise fail("[match] filename", 'doit être un texte, par exemple "export_*.csv".')
    if not columns and not filename:
        raise fail(
            "[match]", 'indiquez columns = ["…"] (colonnes qui identifient le fichier) ou filename = "…".'
        )
    constants = {k: _scalar(v, fail, f"[constants] {k}") for k, v in _table(doc, "constants", fail).items()}
    delegate = target.get("format")
    if delegate is not None:
        known = set().union(*(d.columns for d in DATASETS.values()))
        values = _values(_table(doc, "values", fail), known, fail)
        return _delegating(path, delegate, columns, filename, constants, values, digest, fail)
    datasets = _datasets(target.get("dataset"), fail)
    source = target.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise fail("[target] source", 'doit être un texte non vide, par exemple "limesurvey-456789".')
    known = set().union(*(DATASETS[d].columns for d in datasets))
    mapped = _columns(_table(doc, "columns", fail), known, datasets, fail)
    for key in constants:
        if key not in known:
            raise fail(f"[constants] {key}", f"« {key} » n'est pas une colonne de {_tables(datasets)}.")
    values = _values(_table(doc, "values", fail), known, fail)
    scale = _scale(doc.get("scale"), fail)
    provided = set(mapped) | set(constants)
    for dataset in datasets:
        for required in REQUIRED.get(dataset, ()):
            if required not in provided:
                raise fail(
                    "[columns]",
                    f"il manque « {required} », obligatoire pour {DATASETS[dataset].table} (ou donnez-le dans [constants]).",
                )
        if dataset == "consultation" and "item" not in provided:
            raise fail(
                "[columns]",
                'indiquez la question à choix multiples de la consultation, par exemple item = "Q3".',
            )
        if dataset == "survey" and not (set(SCORES) & provided):
            raise fail(
                "[columns]",
                "il faut au moins une note : score_raw (avec [scale]), score_10, satisfied, nps ou clarity_10.",
            )
    items = _items(_table(doc, "items", fail), datasets, fail)
    if "maturity" in datasets:
        if len(datasets) > 1:
            raise fail(
                "[target] dataset", "les réponses de maturité se décrivent dans une correspondance à part."
            )
        for required in ("wave", "respondent_group"):
            if required not in provided:
                raise fail(
                    "[columns]",
                    f"il manque « {required} », obligatoire pour maturity_answers (ou donnez-le dans [constants]).",
                )
    if "score_raw" in provided and "score_10" not in provided and scale is None:
        raise fail("[scale]", "indiquez min et max de l'échelle de score_raw (par exemple min = 1, max = 5).")
    return MappingSpec(
        path,
        tuple(columns),
        filename,
        datasets,
        source.strip() if source else None,
        None,
        mapped,
        values,
        constants,
        scale,
        digest,
        items,
    )


def _items(section: dict, datasets, fail) -> dict[str, tuple[str, ...]]:
    """``[items]`` of a maturity mapping: statement id = header of its column (or a list of possible headers)."""
    if section and "maturity" not in datasets:
        raise fail("[items]", 'réservé aux réponses de maturité (dataset = "maturity").')
    out = {}
    for item, header in section.items():
        if not re.fullmatch(r"[A-Z]{2,6}-\d+", item):
            raise fail(f"[items] {item}", "identifiant d'affirmation attendu, de la forme GOV-1.")
        headers = [header] if isinstance(header, str) else header
        if (
            not isinstance(headers, list)
            or not headers
            or not all(isinstance(h, str) and h.strip() for h in headers)
        ):
            raise fail(f"[items] {item}", "doit être le nom d'une colonne du fichier entre guillemets.")
        out[item] = tuple(headers)
    return out


def _table(doc: dict, key: str, fail) -> dict:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise fail(f"[{key}]", "doit être une section (une ligne [" + key + "] suivie de clé = valeur).")
    return value


def _match_columns(match: dict, fail) -> list[str]:
    columns = match.get("columns", [])
    if isinstance(columns, str):
        columns = [columns]
    if not isinstance(columns, list) or not all(isinstance(c, str) and c.strip() for c in columns):
        raise fail(
            "[match] columns", 'doit être une liste de noms de colonnes, par exemple ["N° demande", "Date"].'
        )
    return columns


def _scalar(value, fail, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise fail(key, "doit être un texte, un nombre ou une date.")


def _datasets(value, fail) -> tuple[str, ...]:
    names = value if isinstance(value, list) else [value]
    out = []
    for v in names:
        if not isinstance(v, str) or norm(v) not in DATASET_NAMES:
            raise fail(
                "[target] dataset",
                f"« {v} » n'est pas reconnu (valeurs possibles : usage, processing, survey, web_audience, consultation, maturity).",
            )
        out.append(DATASET_NAMES[norm(v)])
    return tuple(dict.fromkeys(out))


def _tables(datasets) -> str:
    return ", ".join(DATASETS[d].table for d in datasets)


def _columns(section: dict, known: set[str], datasets, fail) -> dict[str, tuple[str, ...]]:
    out = {}
    for canonical, header in section.items():
        if canonical not in known:
            raise fail(
                f"[columns] {canonical}",
                f"« {canonical} » n'est pas une colonne de {_tables(datasets)} (colonnes possibles : {', '.join(sorted(known))}).",
            )
        headers = [header] if isinstance(header, str) else header
        if (
            not isinstance(headers, list)
            or not headers
            or not all(isinstance(h, str) and h.strip() for h in headers)
        ):
            raise fail(
                f"[columns] {canonical}",
                "doit être le nom d'une colonne du fichier entre guillemets (ou une liste de noms possibles).",
            )
        out[canonical] = tuple(headers)
    return out


def _values(section: dict, known: set[str], fail) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for canonical, table in section.items():
        key = f"[values.{canonical}]"
        if canonical not in known:
            raise fail(key, f"« {canonical} » n'est pas une colonne de la table visée.")
        if not isinstance(table, dict):
            raise fail(key, 'doit être une section de lignes "valeur du fichier" = "valeur canonique".')
        entries = {}
        for raw_value, canonical_value in table.items():
            text = _scalar(canonical_value, fail, f'{key} "{raw_value}"')
            if not text.strip():  # left empty: still to be completed, the rows stay rejected
                continue
            allowed = ALLOWED_VALUES.get(canonical)
            if allowed and text not in allowed:
                raise fail(
                    f'{key} "{raw_value}"',
                    f"« {text} » n'est pas une valeur possible (valeurs possibles : {', '.join(allowed)}).",
                )
            entries[norm(raw_value)] = text
        out[canonical] = entries
    return out


def _scale(section, fail) -> tuple[float, float] | None:
    if section is None:
        return None
    if not isinstance(section, dict):
        raise fail("[scale]", "doit être une section avec min et max.")
    lo, hi = section.get("min"), section.get("max")
    for key, v in (("min", lo), ("max", hi)):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise fail(f"[scale] {key}", "doit être un nombre (par exemple min = 1, max = 5).")
    if lo >= hi:
        raise fail("[scale]", f"min ({lo}) doit être plus petit que max ({hi}).")
    return float(lo), float(hi)


def _delegating(path: Path, delegate, columns, filename, constants, values, digest, fail) -> MappingSpec:
    sources = sorted({a.source for a in ADAPTERS})
    if not isinstance(delegate, str) or delegate not in sources:
        raise fail(
            "[target] format", f"« {delegate} » n'est pas un format intégré (formats : {', '.join(sources)})."
        )
    return MappingSpec(
        path, tuple(columns), filename, (), None, delegate, {}, values, constants, None, digest
    )


def _adapter(spec: MappingSpec) -> MappingAdapter:
    """The adapter a mapping file describes; one that names a built-in format gets that adapter;
    one that targets the consultations reads a LimeSurvey multiple-choice question (``item``)."""
    if spec.datasets == ("consultation",):
        return ConsultationMapping(spec)
    delegate = next((a for a in ADAPTERS if a.source == spec.delegate), None) if spec.delegate else None
    return MappingAdapter(spec, delegate)
