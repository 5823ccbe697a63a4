"""A ready-to-fill mapping file for a layout no adapter knows, and what such a file must give.

Used in refusal messages (an unknown layout, a LimeSurvey export): the template is pre-filled from
header synonyms and the table's short categorical values (never from a personal column), for the
user to check, complete and save in ``data/mappings/`` (read back by :mod:`pipelines.ingest.mapping_files`).
"""

from __future__ import annotations

import json
import re

from pipelines.ingest.adapters.base import norm
from pipelines.ingest.adapters.tableur import log_source
from pipelines.ingest.adapters.vocabulary import ALLOWED_VALUES, BUILT_IN_VALUES, guess_columns, is_personal
from pipelines.ingest.headers import column_ref, mapping_name, repeated
from pipelines.ingest.privacy import EMAIL_RE, PHONE_RE
from pipelines.ingest.read import RawTable
from schemas import DATASETS

# columns a mapping must give (in [columns] or [constants]) for each dataset
REQUIRED = {"usage": ("submitted_at", "service", "channel"), "processing": ("submitted_at", "service")}


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
    groups: list[tuple[str, list[str]]] | None = None,
) -> str:
    """A mapping file for this table, pre-filled from header synonyms, ready to be completed.

    ``groups`` (a questionnaire's questions: label, columns) lists each question once, and only a
    question's own column is guessed for a canonical column (never a subquestion of an array). Every
    header is written by the one name that designates its column (:func:`headers.mapping_name`).
    """
    questions = [h for h in raw.header if h not in skip]
    guessable = [h for h in questions if any(h == q for q, _ in groups)] if groups is not None else questions
    repeats = {c for cols in repeated(raw.header).values() for c in cols}

    def name(h: str) -> str:
        return toml_str(mapping_name(h, raw.header))

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
        [h for h in guessable if h not in guessed.values()], [w for w in wanted if w not in guessed]
    ).items():
        guessed.setdefault(k, v)
    dataset = dataset or _guess_dataset(raw, guessed)
    columns = DATASETS[dataset].columns
    guessed = {k: v for k, v in guessed.items() if k in columns}
    source = source or log_source(raw.name).replace("tableur", "mon-outil", 1)
    # the file is recognised by columns the mapping uses anyway (never a personal one)
    anchors = (
        [h for h in guessed.values() if h not in (preset or {}).values() and h not in repeats][:3]
        or [h for h in questions if not is_personal(h) and h not in repeats][:2]
        or raw.header[:1]
    )
    lines = [
        f"# Correspondance pour « {raw.name} » : enregistrez ce texte dans data/mappings/{source}.toml,",
        "# vérifiez chaque ligne, complétez les « ??? » (ou supprimez la ligne), puis relancez l'import.",
        "[match]",
        f"columns = [{', '.join(name(a) for a in anchors)}]",
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
            lines.append(f"{canonical} = {name(guessed[canonical])}")
        elif canonical in REQUIRED.get(dataset, ()) and canonical in ("service", "channel"):
            lines.append(
                f'# {canonical} = "???"  # obligatoire : nom de la colonne, ou une valeur fixe dans [constants]'
            )
        elif canonical in REQUIRED.get(dataset, ()):
            lines.append(f'# {canonical} = "???"  # obligatoire : nom de la colonne du fichier')
        else:
            lines.append(f'# {canonical} = "???"')
    if groups is not None:
        left = [(q, cols) for q, cols in groups if not set(cols) & set(guessed.values())]
        if left:
            lines.append(
                "# Questions non reprises : "
                + " ; ".join(
                    name(cols[0]) if cols == [q] else f"{q} : {', '.join(name(c) for c in cols)}"
                    for q, cols in left[:40]
                )
            )
    else:
        unused = [h for h in questions if h not in guessed.values()]
        if unused:
            lines.append("# Colonnes du fichier non reprises : " + ", ".join(name(h) for h in unused[:40]))
    for cols in repeated(raw.header).values():
        lines.append(
            f"# L'en-tête {toml_str(cols[0])} est celui de {len(cols)} colonnes : "
            + ", ".join(f"{name(c)} = {column_ref(c, raw.header)}" for c in cols)
            + " (écrivez le nom de la bonne colonne)."
        )
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
