"""Citizen consultations from a LimeSurvey response export: one multiple-choice question (« Quelles
démarches aimeriez-vous faire en ligne en priorité ? ») → one ``consultation_items`` row per answer.

How the file is recognised (a satisfaction survey and a consultation may come from the same tool):

- **with a mapping file** ``data/mappings/*.toml`` whose ``[target] dataset = "consultation"`` and
  whose ``[columns] item`` names the question (its code ``Q3``, or its text in a full-text export);
  ``[constants]`` may give ``consultation`` (id), ``consultation_label`` and ``closed_on``, and
  ``[values.item]`` the label of each answer code (``"SQ001" = "Acte de naissance"``): needed in
  code mode, where the file carries only the codes;
- **automatically** when every question column of the export belongs to one multiple-choice
  question (sub-question columns ``Q3[SQ001]``, ``Q3_SQ001`` (SPSS/R-style), ``Q3 [SQ001]`` or
  « Question ? [Acte de naissance] », « [Acte de naissance] Question ? » (LimeSurvey 1.x)
  holding only ``Y``/« Oui » or empty, plus an optional « Autre » column ``Q3[other]`` /
  « … [Autre] »). Any other question in the file (a satisfaction score…) needs the mapping file.

Rules (written down in ``NOTES-consultation.md`` too):

- only **completed** responses count (``submitdate`` filled; ``1980-01-01`` = completed, undated);
  incomplete ones are left out and counted in the report's notes;
- ``participants`` = completed responses that answered the question: at least one box ticked or an
  « Autre » text written. A completed response that ticked nothing did not answer it;
- ``supports`` of an answer = participants who ticked it; the « Autre » texts become one item
  « Autre » whose ``supports`` = participants who wrote one and whose ``comment`` holds the distinct
  texts (same words in any case/accents = one text, ``(×n)`` when written n times, most frequent
  first, separated by `` | ``), e-mails and phones masked;
- a box holding anything else than ticked/unticked marks refuses that response with its reason;
- ``consultation`` = the mapping's constant, else ``limesurvey-<survey id>`` (from the file name
  ``results-survey<ID>…``), else ``limesurvey-`` + the question's slug; ``consultation_label`` =
  constant, else the question's text (full-text export) or « Question Q3 »; ``closed_on`` =
  constant, else the date of the last completed response;
- ``source_id`` = consultation / answer code (code mode) or slug of its label (full-text mode), so
  a later export of the same consultation updates its items instead of adding new ones;
- ``service``: the answer's label through the catalogue's aliases (« Acte de naissance » →
  ``etat-civil``); an answer the catalogue does not name keeps no service.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters import limesurvey
from pipelines.ingest.adapters.base import MapContext, Mapped, Rejection, norm, slugify
from pipelines.ingest.adapters.from_mapping import MappingAdapter
from pipelines.ingest.privacy import mask_text
from pipelines.ingest.read import LINE_COL, RawTable

TICKED = {"y", "oui", "yes", "1", "x", "vrai", "true", "o", "coche"}
UNTICKED = {"", "n", "non", "no", "0", "faux", "false", "n/a", "na", "sans reponse"}
OTHER = {"other", "autre", "autres", "sonstiges", "other:", "autre :"}
UNDERSCORE_SUB = re.compile(r"^([A-Za-z][A-Za-z0-9]*)_([A-Za-z0-9]+)$")
PREFIX_SUB = re.compile(r"^\[([^\[\]]+)\] (.*\S)$")
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
COLUMNS = ("source", "source_id", "consultation", "consultation_label", "closed_on", "item")


@dataclass(frozen=True)
class SubColumn:
    header: str
    code: str  # the sub-question's code (code mode) or its text (full-text mode)
    other: bool


@dataclass(frozen=True)
class Question:
    key: str  # the question's code (code mode) or text (full-text mode)
    text_mode: bool
    boxes: tuple[SubColumn, ...]
    other: SubColumn | None


def _split(header: str) -> tuple[str, str, bool] | None:
    """(question, sub-question, full-text mode) of a sub-question heading, or None."""
    m = limesurvey.CODE_SUB.match(header)
    if m:
        return m[1], m[2], False
    m = UNDERSCORE_SUB.match(header)
    if m:
        return m[1], m[2], False
    m = limesurvey.TEXT_SUB.match(header)
    if m:  # « Question ? [Acte de naissance] »; « Q3 [SQ001] » (LimeSurvey 1.x codes) is code mode
        return m[1], m[2], not CODE.match(m[1])
    m = PREFIX_SUB.match(header)
    if m:  # LimeSurvey 1.x full text: « [Acte de naissance] Question ? »
        return m[2], m[1], True
    return None


def _grouped(raw: RawTable) -> dict[str, list[tuple[str, str, bool]]]:
    """Question → [(header, sub-question, text mode)]; a column that is no sub-question is its own."""
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for h in limesurvey.question_columns(raw):
        parts = _split(h)
        if parts is None:
            out.setdefault(h, []).append((h, "", False))
        else:
            out.setdefault(parts[0], []).append((h, parts[1], parts[2]))
    return out


def _is_box(frame: pl.DataFrame, header: str) -> bool:
    values = frame.get_column(header).drop_nulls().unique().to_list()
    return all(norm(v) in TICKED | UNTICKED for v in values)


def find_question(raw: RawTable, key: str | None = None) -> Question | None:
    """The multiple-choice question ``key`` (code or text, normal form), or — without a key — the
    export's only question when it is one; None when there is none such."""
    groups = _grouped(raw)
    if key is not None:
        wanted = norm(key)
        found = [q for q in groups if norm(q) == wanted]
        if not found:
            return None
        chosen = found[0]
    else:
        if len(groups) != 1:
            return None
        chosen = next(iter(groups))
    cols = groups[chosen]
    if any(sub == "" for _, sub, _ in cols):
        return None
    boxes, other = [], None
    for header, sub, _text_mode in cols:
        if norm(sub) in OTHER:
            other = SubColumn(header, sub, True)
        elif norm(sub).endswith("comment"):
            continue  # « multiple choice with comments »: the comment of a box, not a box
        else:
            boxes.append(SubColumn(header, sub, False))
    if len(boxes) < 2:
        return None
    if key is None and not all(_is_box(raw.frame, b.header) for b in boxes):
        return None
    return Question(chosen, cols[0][2], tuple(boxes), other)


def _other_comment(texts: list[str]) -> str | None:
    """The « Autre » texts as one comment (rule in the module docstring), masked."""
    counts: dict[str, list] = {}
    for t in texts:
        key = norm(t)
        if key not in counts:
            counts[key] = [t, 0, len(counts)]
        counts[key][1] += 1
    if not counts:
        return None
    ordered = sorted(counts.values(), key=lambda c: (-c[1], c[2]))
    return mask_text(" | ".join(t if n == 1 else f"{t} (×{n})" for t, n, _ in ordered))


def consultation_items(
    raw: RawTable,
    question: Question,
    ctx: MapContext,
    *,
    consultation: str | None = None,
    label: str | None = None,
    closed_on: str | None = None,
    item_labels: dict[str, str] | None = None,
    source: str | None = None,
) -> Mapped:
    """The question's items, aggregated over the completed responses (rules in the docstring)."""
    frame = raw.frame
    labels = item_labels or {}
    source = source or limesurvey.survey_source(raw)
    submit = limesurvey.find_column(raw.header, *limesurvey.SUBMITDATE)
    s = pl.col(submit).str.strip_chars()
    completed = s.is_not_null() & (s != "")
    rejected: list[Rejection] = []
    # a box holding something else than ticked / unticked refuses the whole response
    bad_lines: set[int] = set()
    ticks = []
    for box in question.boxes:
        v = pl.col(box.header).str.strip_chars().fill_null("")
        values = frame.get_column(box.header).drop_nulls().unique().to_list()
        odd = [x for x in values if norm(x) not in TICKED | UNTICKED]
        if odd:
            for line, value in (
                frame.filter(pl.col(box.header).is_in(odd)).select(LINE_COL, box.header).iter_rows()
            ):
                if line in bad_lines:
                    continue
                bad_lines.add(line)
                rejected.append(
                    (
                        line,
                        box.header,
                        "box_value",
                        value,
                        f"Réponse « {value} » non reconnue pour « {box.header} » : une case cochée "
                        "(« Y », « Oui ») ou vide est attendue ; réponse non comptée.",
                    )
                )
        ticked_values = [x for x in values if norm(x) in TICKED]
        ticks.append(v.is_in(ticked_values).alias(f"_b{len(ticks)}"))
    other = (
        pl.col(question.other.header).str.strip_chars()
        if question.other is not None
        else pl.lit(None, pl.String)
    )
    other = (
        pl.when(other.is_null() | other.str.to_lowercase().is_in(list(UNTICKED))).then(None).otherwise(other)
    )
    work = frame.select(
        pl.col(LINE_COL), completed.alias("_done"), s.alias("_submit"), *ticks, other.alias("_other")
    )
    incomplete = work.filter(~pl.col("_done")).height
    work = work.filter(pl.col("_done") & ~pl.col(LINE_COL).is_in(sorted(bad_lines)))
    boxes = [f"_b{i}" for i in range(len(question.boxes))]
    answered = work.filter(pl.any_horizontal(*[pl.col(b) for b in boxes]) | pl.col("_other").is_not_null())
    participants = answered.height
    if incomplete:
        ctx.notes.append(f"{incomplete} réponse(s) incomplète(s) (sans date de soumission) non comptée(s)")
    blank = work.height - participants
    if blank:
        ctx.notes.append(
            f"{blank} réponse(s) complète(s) sans aucune case cochée : pas comptée(s) comme participants"
        )
    consultation = consultation or (
        source if source != "limesurvey" else f"limesurvey-{slugify(question.key)[:60]}"
    )
    if label is None:
        label = question.key if question.text_mode else f"Question {question.key}"
    if closed_on is None:
        # ISO stamps (LimeSurvey's own), or day first (« 15/03/2026 14:02 », a spreadsheet's)
        day = pl.col("_submit").str.slice(0, 10).str.replace(r"^(\d{2})/(\d{2})/(\d{4})$", "$3-$2-$1")
        dates = answered.select(day).filter(~pl.col("_submit").str.starts_with("1980-01-01")).to_series()
        parsed = [d for d in dates.to_list() if d and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d)]
        closed_on = max(parsed) if parsed else None
    unlabeled = []
    rows = []
    for box, col_name in zip(question.boxes, boxes, strict=True):
        item = labels.get(norm(box.code)) or box.code
        if not question.text_mode and norm(box.code) not in labels:
            unlabeled.append(box.code)
        key = box.code if not question.text_mode else slugify(box.code)
        supports = int(answered.get_column(col_name).sum())
        rows.append((f"{consultation}/{key}", item, item, str(supports), None))
    if question.other is not None:
        texts = answered.get_column("_other").drop_nulls().to_list()
        if texts:
            rows.append((f"{consultation}/autre", "Autre", None, str(len(texts)), _other_comment(texts)))
    if unlabeled:
        ctx.notes.append(
            "réponses sans libellé (export avec les codes des questions) : "
            + ", ".join(unlabeled)
            + " ; donnez leur libellé dans un fichier de correspondance ([values.item]) "
            "pour les relier aux services du catalogue"
        )
    ctx.notes.append(
        f"{frame.height} réponse(s) → {len(rows)} élément(s) de la consultation « {consultation} »"
    )
    line = raw.header_line
    out = pl.DataFrame(
        {
            "source": [source] * len(rows),
            "source_id": [r[0] for r in rows],
            "consultation": [consultation] * len(rows),
            "consultation_label": [label] * len(rows),
            "closed_on": [closed_on] * len(rows),
            "item": [r[1] for r in rows],
            "service": [r[2] for r in rows],
            "supports": [r[3] for r in rows],
            "participants": [str(participants)] * len(rows),
            "comment": [r[4] for r in rows],
            LINE_COL: [line] * len(rows),
        },
        schema={
            **{c: pl.String for c in (*COLUMNS, "service", "supports", "participants", "comment")},
            LINE_COL: frame.schema[LINE_COL],
        },
    )
    return Mapped("consultation", source, out, tuple(rejected))


class LimeSurveyConsultation:
    """A LimeSurvey export holding one multiple-choice question and nothing else (automatic)."""

    name = "LimeSurvey (consultation : question à choix multiples)"
    source = "limesurvey-consultation"

    def signature(self) -> list[str]:
        return ["id", "submitdate", "lastpage", "startlanguage", "Q1[SQ001]", "Q1[other]"]

    def matches(self, raw: RawTable) -> bool:
        return limesurvey.is_limesurvey(raw) and find_question(raw) is not None

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        question = find_question(raw)
        assert question is not None  # matches() said so
        return [consultation_items(raw, question, ctx)]


class ConsultationMapping(MappingAdapter):
    """A mapping file targeting ``consultation``: on a LimeSurvey export, ``[columns] item`` names
    the multiple-choice question; on any other file, the mapping's columns as usual."""

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        spec = self.spec
        if not limesurvey.is_limesurvey(raw):
            return super().map(raw, ctx)
        keys = spec.columns.get("item")
        if not keys:
            raise FileRefused(
                f"Le fichier de correspondance {spec.path.name} vise les consultations : indiquez dans "
                '[columns] la question à choix multiples, par exemple item = "Q3".'
            )
        question = next((q for k in keys if (q := find_question(raw, k)) is not None), None)
        if question is None:
            found = ", ".join(f"« {q} »" for q in _grouped(raw))
            raise FileRefused(
                f"Le fichier de correspondance {spec.path.name} attend la question à choix multiples "
                f"« {keys[0]} » (clé [columns] item), absente de cet export LimeSurvey ou sans cases à cocher. "
                f"Questions trouvées : {found}."
            )
        c = spec.constants
        return [
            consultation_items(
                raw,
                question,
                ctx,
                consultation=c.get("consultation"),
                label=c.get("consultation_label"),
                closed_on=c.get("closed_on"),
                item_labels=spec.values.get("item", {}),
                source=spec.source,
            )
        ]


def consultation_hint(raw: RawTable) -> str:
    """For the refusal of a LimeSurvey export: when one of its questions is a multiple choice, the
    French sentence and mapping file that load it as a consultation (empty string otherwise)."""
    questions = [q for key in _grouped(raw) if (q := find_question(raw, key)) is not None]
    # boxes mostly ticked / empty (a stray value is refused at import, with its reason)
    questions = [
        q for q in questions if 2 * sum(_is_box(raw.frame, b.header) for b in q.boxes) >= len(q.boxes)
    ]
    if not questions:
        return ""
    q = questions[0]
    source = limesurvey.survey_source(raw)
    toml = json.dumps
    lines = [
        "[match]",
        f"columns = [{toml(q.boxes[0].header)}]",
        "[target]",
        'dataset = "consultation"',
        f"source = {toml(source)}",
        "[columns]",
        f"item = {toml(q.key)}  # la question à choix multiples",
        "[constants]",
        f"consultation = {toml(source + ('-' + slugify(q.key) if not q.text_mode else ''))}  # identifiant court et stable",
        'consultation_label = "???"  # intitulé de la consultation',
        '# closed_on = "2026-03-31"  # date de clôture (par défaut : date de la dernière réponse)',
    ]
    if not q.text_mode:
        lines.append("[values.item]  # libellé de chaque réponse, tel que dans le questionnaire")
        lines += [f'{toml(b.code)} = "???"' for b in q.boxes]
    return (
        f"\n\nS'il s'agit d'une consultation (la question à choix multiples « {q.key} » : "
        "chaque case cochée soutient une réponse), utilisez plutôt ce fichier de correspondance :\n"
        + "\n".join(lines)
    )


class LimeSurveyWithConsultationHint(limesurvey.LimeSurvey):
    """The built-in LimeSurvey adapter (a recognised export without a mapping is refused with a
    survey mapping to fill), whose refusal also offers a consultation mapping when the export holds
    a multiple-choice question (:func:`consultation_hint`)."""

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        try:
            return limesurvey.LimeSurvey.map(self, raw, ctx)
        except FileRefused as err:
            raise FileRefused(str(err) + consultation_hint(raw)) from err
