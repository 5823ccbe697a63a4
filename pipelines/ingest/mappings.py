"""Mapping files ``data/mappings/*.toml``: column and value mappings for exports the built-in
adapters don't know (a LimeSurvey questionnaire, a business application's export…).

Shape (see ``data/mappings/exemple-limesurvey.toml.example``)::

    [match]                     # every listed column present (normal forms), and/or a file-name glob
    columns = ["…"]
    filename = "export_*.csv"
    [target]
    dataset = "survey"          # usage | processing | survey | web_audience (or a list)
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

Headers and values match on normal form (case, accents, apostrophes). An invalid file is reported
with a French message naming the file and the key; the other mappings still load.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from pipelines.ingest.adapters.base import Adapter, norm
from pipelines.ingest.adapters.mapping import BUILT_IN_VALUES, MappingAdapter, MappingSpec
from pipelines.ingest.adapters.vocabulary import guess_columns, is_personal
from pipelines.ingest.read import RawTable
from schemas import DATASETS
from schemas.common import CASE_STATUSES, OUTCOMES
from schemas.common import CHANNELS as CHANNEL_CODES

SECTIONS = ("match", "target", "columns", "scale", "values", "constants")
DATASET_NAMES = {
    **{d.name: d.name for d in DATASETS.values()},
    **{d.table: d.name for d in DATASETS.values()},
    "demandes": "usage",
    "dossiers": "processing",
    "enquete": "survey",
    "enquetes": "survey",
    "satisfaction": "survey",
    "audience": "web_audience",
}
ALLOWED_VALUES = {"channel": CHANNEL_CODES, "status": CASE_STATUSES, "outcome": OUTCOMES}
REQUIRED = {"usage": ("submitted_at", "service", "channel"), "processing": ("submitted_at", "service")}
SCORES = ("score_raw", "score_10", "satisfied", "nps", "clarity_10")


class MappingError(Exception):
    """An invalid mapping file; the message is French and names the file and the key."""


def load_mappings(folder: Path) -> tuple[list[Adapter], list[tuple[Path, str]]]:
    """(adapters built from valid mapping files, [(file, French error)] for invalid ones)."""
    adapters: list[Adapter] = []
    errors: list[tuple[Path, str]] = []
    if folder is None or not Path(folder).is_dir():
        return adapters, errors
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            adapters.append(MappingAdapter(parse_mapping(path)))
        except MappingError as err:
            errors.append((path, str(err)))
    return adapters, errors


def parse_mapping(path: Path) -> MappingSpec:
    name = f"Fichier de correspondance {path.name}"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as err:
        raise MappingError(f"{name} : enregistrez-le en UTF-8 (octets illisibles).") from err
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
        return _delegating(path, delegate, columns, filename, constants, fail)
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
        if dataset == "survey" and not (set(SCORES) & provided):
            raise fail(
                "[columns]",
                "il faut au moins une note : score_raw (avec [scale]), score_10, satisfied, nps ou clarity_10.",
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
    )


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
                f"« {v} » n'est pas reconnu (valeurs possibles : usage, processing, survey, web_audience).",
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


def _delegating(path: Path, delegate, columns, filename, constants, fail) -> MappingSpec:
    from pipelines.ingest.adapters.registry import ADAPTERS

    sources = sorted({a.source for a in ADAPTERS})
    if not isinstance(delegate, str) or delegate not in sources:
        raise fail(
            "[target] format", f"« {delegate} » n'est pas un format intégré (formats : {', '.join(sources)})."
        )
    return MappingSpec(path, tuple(columns), filename, (), None, delegate, {}, {}, constants, None)


# --------------------------------------------------------------------------------------------
# ready-to-fill template for an unknown layout


def toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _guess_dataset(raw: RawTable, guessed: dict[str, str]) -> str:
    if any(k in guessed for k in ("score_raw", "responded_at", "nps")):
        return "survey"
    if any(k in guessed for k in ("decided_at", "started_at", "status")):
        return "processing"
    return "usage"


def _scale_guess(raw: RawTable, header: str | None) -> tuple[int, int]:
    if header:
        m = re.search(r"(\d+)\s*(?:a|à|-)\s*(\d+)", norm(header))
        if m and int(m[1]) < int(m[2]) <= 100:
            return int(m[1]), int(m[2])
        try:
            nums = [
                float(v.replace(",", "."))
                for v in raw.frame.get_column(header).drop_nulls().unique().to_list()
            ]
        except ValueError:
            nums = []
        if nums and max(nums) <= 10:
            return (0, 10) if min(nums) == 0 or max(nums) > 5 else (1, 5)
    return 1, 5


def _categories(raw: RawTable, header: str, limit: int = 15) -> list[str]:
    """Distinct short values of a categorical column (masked, never from a personal column)."""
    from pipelines.ingest.privacy import EMAIL_RE, PHONE_RE

    if is_personal(header):
        return []
    values = raw.frame.get_column(header).drop_nulls().unique().sort().to_list()
    if len(values) > limit or any(len(v) > 60 for v in values):
        return []
    return [v for v in values if not re.search(EMAIL_RE, v) and not re.search(PHONE_RE, v)]


def mapping_template(
    raw: RawTable,
    *,
    dataset: str | None = None,
    source: str | None = None,
    preset: dict[str, str | None] | None = None,
    skip: list[str] | tuple[str, ...] = (),
) -> str:
    """A mapping file for this table, pre-filled from header synonyms, ready to be completed."""
    from pipelines.ingest.adapters.tableur import log_source

    questions = [h for h in raw.header if h not in skip]
    wanted = [
        "source_id",
        "submitted_at",
        "responded_at",
        "service",
        "channel",
        "started_at",
        "decided_at",
        "status",
        "outcome",
        "deadline_days",
        "score_raw",
        "nps",
        "comment",
        "commune",
        "age_band",
    ]
    guessed = {k: v for k, v in (preset or {}).items() if v}
    for k, v in guess_columns(
        [h for h in questions if h not in guessed.values()], [w for w in wanted if w not in guessed]
    ).items():
        guessed.setdefault(k, v)
    dataset = dataset or _guess_dataset(raw, guessed)
    columns = DATASETS[dataset].columns
    guessed = {k: v for k, v in guessed.items() if k in columns}
    source = source or log_source(raw.name).replace("tableur", "mon-outil", 1)
    # the file is recognised by columns the mapping uses anyway (never a personal one)
    anchors = (
        [h for h in guessed.values() if h not in (preset or {}).values()][:3]
        or [h for h in questions if not is_personal(h)][:2]
        or raw.header[:1]
    )
    lines = [
        f"# Correspondance pour « {raw.name} » : enregistrez ce texte dans data/mappings/{source}.toml,",
        "# vérifiez chaque ligne, complétez les « ??? » (ou supprimez la ligne), puis relancez l'import.",
        "[match]",
        f"columns = [{', '.join(toml_str(a) for a in anchors)}]",
        "[target]",
        f"dataset = {toml_str(dataset)}  # usage (demandes) | processing (dossiers et délais) | survey (enquêtes)",
        f"source = {toml_str(source)}",
        "[columns]",
    ]
    for canonical in columns:
        if canonical in (
            "source",
            "service_label",
            "scale_min",
            "scale_max",
            "score_10",
            "satisfied",
            "complete",
        ):
            continue
        if canonical in guessed:
            lines.append(f"{canonical} = {toml_str(guessed[canonical])}")
        elif canonical in REQUIRED.get(dataset, ()) and canonical in ("service", "channel"):
            lines.append(
                f'# {canonical} = "???"  # obligatoire : nom de la colonne, ou une valeur fixe dans [constants]'
            )
        elif canonical in REQUIRED.get(dataset, ()):
            lines.append(f'# {canonical} = "???"  # obligatoire : nom de la colonne du fichier')
        else:
            lines.append(f'# {canonical} = "???"')
    unused = [h for h in questions if h not in guessed.values()]
    if unused:
        lines.append("# Colonnes du fichier non reprises : " + ", ".join(toml_str(h) for h in unused[:40]))
    if dataset == "survey":
        lo, hi = _scale_guess(raw, guessed.get("score_raw"))
        lines += ["[scale]  # échelle de la note score_raw", f"min = {lo}", f"max = {hi}"]
    for canonical in ("channel", "status", "outcome", "score_raw"):
        header = guessed.get(canonical)
        if not header:
            continue
        cats = _categories(raw, header)
        if canonical == "score_raw" and all(re.fullmatch(r"-?\d+(?:[.,]\d+)?", c.strip()) for c in cats):
            continue  # numeric scores need no translation
        if not cats:
            continue
        vocab = BUILT_IN_VALUES.get(canonical, {})
        allowed = (
            ", ".join(ALLOWED_VALUES[canonical]) if canonical in ALLOWED_VALUES else "un nombre de l'échelle"
        )
        lines.append(f"[values.{canonical}]  # valeur du fichier = valeur attendue ({allowed})")
        for v in cats:
            known = vocab.get(norm(v))
            lines.append(f"{toml_str(v)} = {toml_str(known)}" if known else f'# {toml_str(v)} = "???"')
    lines.append("[constants]")
    if "service" not in guessed and "service" in columns:
        required = " (obligatoire)" if "service" in REQUIRED.get(dataset, ()) else ""
        lines.append(f'# service = "???"  # service concerné{required}, par exemple "etat-civil"')
    if "channel" not in guessed and "channel" in columns:
        required = " (obligatoire)" if "channel" in REQUIRED.get(dataset, ()) else ""
        lines.append(
            f'# channel = "???"  # canal{required} : online, assisted, counter, phone, mail, email, other'
        )
    return "\n".join(lines) + "\n"
