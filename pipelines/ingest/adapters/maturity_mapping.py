"""Maturity answers through a mapping file (``[target] dataset = "maturity"``), typically a
LimeSurvey export: one row per respondent, one column per statement (an array question).

The mapping says where the wave and the respondent group are (``[columns]`` or ``[constants]``),
optionally the respondent's id (``respondent_key``; on a LimeSurvey export, the response id by
default) and which column is which statement (``[items]``: ``"GOV-1" = "MAT[GOV1]"``). Without
``[items]``, the statements are found by the columns' LimeSurvey subquestion: its code
(``MAT[GOV1]`` → GOV-1) or its text (« … [Une stratégie numérique écrite fixe…] », compared with
the referential's wording). Levels go through ``[values.level]`` first (``"A1" = "1"``), then
« 3 », « A3 », « 3 - Organisé » are read as 3 and « ne sait pas » / NSP / empty as null. A LimeSurvey
response not submitted (no submit date) is refused with its reason. Then the checks of
:func:`.maturity.map_answers` (item in the referential in use, level, group; ids hashed).
"""

from __future__ import annotations

import polars as pl

from pipelines.diagnostic.referential import load_referential
from pipelines.errors import FileRefused
from pipelines.ingest.adapters import limesurvey
from pipelines.ingest.adapters.base import MapContext, Mapped, find_column, norm
from pipelines.ingest.adapters.maturity import map_answers, referential_of
from pipelines.ingest.adapters.maturity_sheet import item_id, level_text
from pipelines.ingest.headers import resolve
from pipelines.ingest.mapping_template import toml_str
from pipelines.ingest.read import LINE_COL, RawTable


def found_items(raw: RawTable, referential) -> dict[str, str]:
    """Header → statement id, for the columns whose LimeSurvey subquestion code or text (or whose
    whole header) names a statement of the referential."""
    statements = {norm(i.statement): i.id for i in referential.items.values()}
    known = set(referential.items)
    out = {}
    for h in raw.header:
        code, text = limesurvey.CODE_SUB.match(h), limesurvey.TEXT_SUB.match(h)
        item = None
        if code and item_id(code[2]) in known:
            item = item_id(code[2])
        elif text and norm(text[2]) in statements:
            item = statements[norm(text[2])]
        elif item_id(h) in known:
            item = item_id(h)
        if item:
            out[h] = item
    return out


def maturity_template(raw: RawTable, referential) -> str | None:
    """A ready-to-fill maturity mapping for a LimeSurvey export whose columns are statements of the
    referential (3 at least); None otherwise."""
    items = found_items(raw, referential)
    if len(items) < 3:
        return None
    source = limesurvey.survey_source(raw)
    first = next(iter(items))
    others = [h for h in limesurvey.question_columns(raw) if h not in items]
    lines = [
        "[match]",
        f"columns = [{toml_str(first)}]",
        "[target]",
        'dataset = "maturity"',
        f"source = {toml_str(source)}",
        "[columns]",
        f"respondent_group = {toml_str(others[0])}  # à vérifier : la question du groupe du répondant"
        if len(others) == 1
        else '# respondent_group = "???"  # obligatoire : la question du groupe du répondant (ou [constants])',
        "[values.respondent_group]",
        '# "A1" = "elu"  # code de réponse = elu, agent, citoyen, entreprise, association ou partenaire',
        "[constants]",
        'wave = "???"  # obligatoire : date de la vague, par exemple 2026-06-15',
        '# respondent_group = "elu"  # si tous les répondants sont du même groupe',
    ]
    if others:
        lines.append("# Autres questions du fichier : " + ", ".join(toml_str(h) for h in others[:20]))
    return "\n".join(lines)


def _item_columns(spec, raw: RawTable, referential) -> dict[str, str]:
    """Header → statement id, from ``[items]`` or from the subquestions' codes and texts."""
    if spec.items:
        out = {}
        for item, candidates in spec.items.items():
            found = next((h for h in (resolve(c, raw.header) for c in candidates) if h), None)
            if found is None:
                raise FileRefused(
                    f"Le fichier de correspondance {spec.path.name} attend la colonne « {candidates[0]} » "
                    f"(clé [items] {item}), absente de ce fichier."
                )
            out[found] = item
        return out
    out = found_items(raw, referential)
    if not out:
        raise FileRefused(
            f"Le fichier de correspondance {spec.path.name} vise les réponses de maturité, mais aucune colonne "
            "n'a été reconnue comme une affirmation du référentiel (ni par son code, ni par son texte). "
            'Indiquez-les dans une section [items], par exemple "GOV-1" = "MAT[GOV1]".'
        )
    return out


def map_maturity(spec, raw: RawTable, ctx: MapContext, headers: dict[str, str], exprs: dict) -> Mapped:
    """The rows of ``maturity_answers`` (and the refused ones) a maturity mapping makes of ``raw``."""
    referential = referential_of(ctx)
    f = raw.frame
    is_lime = limesurvey.is_limesurvey(raw)
    source = spec.source or (limesurvey.survey_source(raw) if is_lime else f"correspondance-{spec.path.stem}")
    if "respondent_key" in exprs:
        who = exprs["respondent_key"].str.strip_chars()
    elif is_lime:
        who = pl.col(find_column(raw.header, *limesurvey.ID)).str.strip_chars()
    else:
        who = pl.format("{}:ligne-{}", pl.lit(raw.name), pl.col(LINE_COL))
        ctx.notes.append(
            "pas de colonne d'identifiant du répondant : chaque ligne est comptée comme un répondant"
        )
    base = {
        "source": pl.lit(source),
        "wave": exprs["wave"],
        "respondent_group": exprs["respondent_group"],
        "respondent_key": pl.format("{}:{}", pl.lit(source), who),
        "commune": exprs.get("commune", pl.lit(None, pl.String)),
    }
    items = _item_columns(spec, raw, referential)
    rejected = []
    if is_lime:
        submit = pl.col(find_column(raw.header, *limesurvey.SUBMITDATE)).str.strip_chars()
        incomplete = submit.is_null() | (submit == "")
        lines = f.filter(incomplete)[LINE_COL].to_list()
        rejected = [
            (
                line,
                "submitdate",
                "incomplete_response",
                None,
                "Réponse non envoyée (incomplète) : non comptée.",
            )
            for line in lines
        ]
        f = f.filter(~incomplete)
    mine = spec.values.get("level", {})
    cells = []
    for header in items:
        distinct = f.get_column(header).drop_nulls().unique().to_list()
        table = {v: mine.get(norm(v), v) for v in distinct}
        cells.append(pl.col(header).replace_strict(table, default=None, return_dtype=pl.String).alias(header))
    frame = (
        f.select([e.alias(k) for k, e in base.items()] + cells + [pl.col(LINE_COL)])
        .rename({h: i for h, i in items.items() if h != i})
        .unpivot(index=[*base, LINE_COL], variable_name="item", value_name="level")
        .with_columns(level_text(pl.col("level")).alias("level"))
    )
    mapped = map_answers(frame, referential, ctx.salt, source)
    return Mapped(mapped.dataset, source, mapped.frame, tuple(rejected) + mapped.rejected)


def maturity_refusal(raw: RawTable, ctx: MapContext) -> None:
    """Refuse a LimeSurvey maturity questionnaire without mapping, with a maturity mapping to fill
    (nothing when the export is not one: the survey refusal follows)."""
    ref = ctx.referential
    if isinstance(ref, Exception):
        return
    template = maturity_template(raw, ref or load_referential())
    if template is None:
        return
    source = limesurvey.survey_source(raw)
    raise FileRefused(
        f"Export LimeSurvey d'autoévaluation de maturité reconnu ({raw.frame.height} réponse(s), "
        f"{len(found_items(raw, ref or load_referential()))} affirmations du référentiel trouvées), mais Baromètre "
        "ne peut pas deviner la date de la vague ni quelle question porte le groupe du répondant. Enregistrez ce "
        f"fichier de correspondance dans data/mappings/ (par exemple data/mappings/{source}-maturite.toml), "
        f"complétez-le, puis relancez l'import :\n{template}"
    )
