"""Maturity self-assessments kept in a French spreadsheet (CSV French Excel or XLSX), long or wide.

- **Long**: one row per answer, « Vague ; Groupe ; Répondant ; Affirmation (or Item) ; Niveau »
  (+ « Commune »). The statement may be its id (``GOV-1``) or its exact wording in the referential.
- **Wide**: one row per respondent, one column per statement headed by its id (``GOV-1`` or ``GOV1``,
  upper case), plus « Vague » (or a date in the file name, ``maturite-2024-02-15.xlsx``),
  « Groupe » and « Répondant » (without it, the respondent is the file's line: noted).
  Recognised when at least three headers are statement ids, and they are most of the headers or
  the « Groupe » column and a « Vague » or « Répondant » column are there.

Levels: ``0``…``5`` (``3,0``, « 3 - Organisé », « Niveau 3 » read as 3); « NSP », « ne sait pas »
or an empty cell: kept as « ne sait pas » (null, not scored). Respondent ids are stored only as
salted hashes (of the source and the id, so that « 1 » in two different tools are two people);
columns of names, e-mails or phones are never read (the file's other columns are left out, noted).
A respondent's row with one refused cell is refused whole (the reason names the statement): a
respondent is never half counted. Then the checks of the canonical maturity CSV (:func:`.maturity.map_answers`): item in the
referential in use, whole level 0–5, known group, each refused row with its French reason.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters.base import MapContext, Mapped, find_column, norm
from pipelines.ingest.adapters.maturity import map_answers, referential_of
from pipelines.ingest.read import LINE_COL, RawTable

SOURCE = "tableur-maturite"
WAVE = ("Vague", "Date de la vague", "Date vague", "Date de vague", "Vague (date)", "Date")
GROUP = ("Groupe", "Groupe de répondants", "Groupe du répondant", "Collège", "Profil", "Catégorie")
RESPONDENT = (
    "Répondant",
    "N° répondant",
    "Numéro de répondant",
    "N° du répondant",
    "Identifiant",
    "Identifiant du répondant",
    "Id répondant",
    "Code répondant",
    "Répondant (n°)",
)
ITEM = ("Affirmation", "Item", "Code affirmation", "Identifiant de l'affirmation", "Énoncé")
LEVEL = ("Niveau", "Niveau (0-5)", "Niveau (0 à 5)", "Niveau de 0 à 5", "Niveau donné")
COMMUNE = ("Commune", "Code commune", "Code INSEE")
ITEM_HEADER = re.compile(r"^([A-Za-z]{2,6})[-_ ]?(\d{1,2})$")
WIDE_HEADER = re.compile(r"^[A-Z]{2,6}-?\d{1,2}$")  # what makes a wide sheet: upper-case ids, GOV-1 or GOV1
DATE_IN_NAME = re.compile(r"(\d{4})[-_](\d{2})[-_](\d{2})|(\d{2})[-_](\d{2})[-_](\d{4})")
# « 3 », « 3,0 », « 3 - Organisé », « Niveau 3 », LimeSurvey answer codes « A3 »
LEVEL_TEXT = r"(?i)^(?:a|niveau\s*)?([0-9]+)(?:[.,]0+)?(?:\s*[-–—:)]\s*.*)?$"


def item_id(header: str) -> str | None:
    """``GOV-1`` from a header written ``GOV-1``, ``gov1``, ``GOV_1``…; None otherwise."""
    m = ITEM_HEADER.match(header.strip())
    return f"{m[1].upper()}-{int(m[2])}" if m else None


def level_text(expr: pl.Expr) -> pl.Expr:
    """A level as written in a spreadsheet or a questionnaire → its digits (NSP words left as they are)."""
    s = expr.str.strip_chars()
    return pl.when(s.str.contains(LEVEL_TEXT)).then(s.str.replace(LEVEL_TEXT, "$1")).otherwise(s)


def wave_from_name(name: str) -> str | None:
    m = DATE_IN_NAME.search(name)
    if not m:
        return None
    return f"{m[1]}-{m[2]}-{m[3]}" if m[1] else f"{m[6]}-{m[5]}-{m[4]}"


def respondent_ids(frame: pl.DataFrame, column: str | None, source: str, name: str) -> pl.Expr:
    """The respondent's id as hashed later, prefixed with its source; the file and line without a column."""
    if column:
        return pl.format("{}:{}", pl.lit(source), pl.col(column).str.strip_chars())
    return pl.format("{}:{}:ligne-{}", pl.lit(source), pl.lit(name), pl.col(LINE_COL))


class MaturitySheet:
    """French spreadsheets of maturity answers, long or wide (see the module docstring)."""

    name = "Tableur d'autoévaluation de maturité (long ou large)"
    source = SOURCE
    streamable = False

    def signature(self) -> list[str]:
        return ["Vague", "Groupe", "Répondant", "Affirmation", "Niveau"]

    def _wide_items(self, raw: RawTable) -> dict[str, str]:
        return {h: item_id(h) for h in raw.header if WIDE_HEADER.match(h.strip())}

    def _is_long(self, raw: RawTable) -> bool:
        h = raw.header
        return bool(
            find_column(h, *ITEM)
            and find_column(h, *LEVEL)
            and find_column(h, *GROUP)
            and (find_column(h, *WAVE) or find_column(h, *RESPONDENT))
        )

    def _is_wide(self, raw: RawTable) -> bool:
        items = self._wide_items(raw)
        if len(items) < 3:
            return False
        h = raw.header
        described = find_column(h, *GROUP) and (find_column(h, *WAVE) or find_column(h, *RESPONDENT))
        return len(items) >= len(h) / 2 or bool(described)

    def matches(self, raw: RawTable) -> bool:
        return self._is_long(raw) or self._is_wide(raw)

    def affinity(self, raw: RawTable) -> float:
        found = sum(bool(find_column(raw.header, *names)) for names in (WAVE, GROUP, RESPONDENT, ITEM, LEVEL))
        return found / 5

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        referential = referential_of(ctx)
        h, f = raw.header, raw.frame
        wave_col, group_col = find_column(h, *WAVE), find_column(h, *GROUP)
        who_col = find_column(h, *RESPONDENT)
        commune_col = find_column(h, *COMMUNE)
        wave = pl.col(wave_col) if wave_col else pl.lit(wave_from_name(raw.name), pl.String)
        if wave_col is None and wave_from_name(raw.name) is None:
            raise FileRefused(
                "Tableur d'autoévaluation de maturité reconnu, mais la date de la vague manque : ajoutez une "
                "colonne « Vague » (date de la vague, par exemple 15/02/2024) ou mettez la date dans le nom "
                "du fichier (maturite-2024-02-15.xlsx)."
            )
        if group_col is None:
            raise FileRefused(
                "Tableur d'autoévaluation de maturité reconnu, mais la colonne « Groupe » manque (élu, agent, "
                "citoyen, entreprise, association ou partenaire)."
            )
        if who_col is None:
            ctx.notes.append(
                "pas de colonne « Répondant » : chaque ligne du fichier est comptée comme un répondant"
            )
        base = {
            "source": pl.lit(SOURCE),
            "wave": wave,
            "respondent_group": pl.col(group_col),
            "respondent_key": respondent_ids(f, who_col, SOURCE, raw.name),
            "commune": pl.col(commune_col) if commune_col else pl.lit(None, pl.String),
        }
        if self._is_wide(raw) and not self._is_long(raw):
            items = self._wide_items(raw)
            used = {wave_col, group_col, who_col, commune_col, *items}
            left = [c for c in h if c not in used]
            if left:
                ctx.notes.append(
                    "colonnes non reprises (jamais les noms, courriels ou téléphones) : "
                    + ", ".join(f"« {c} »" for c in left[:12])
                )
            frame = (
                f.select(
                    [e.alias(k) for k, e in base.items()] + [pl.col(c) for c in items] + [pl.col(LINE_COL)]
                )
                .rename(items)
                .unpivot(
                    index=[*base, LINE_COL],
                    on=list(dict.fromkeys(items.values())),
                    variable_name="item",
                    value_name="level",
                )
            )
        else:
            item_col, level_col = find_column(h, *ITEM), find_column(h, *LEVEL)
            statements = {norm(i.statement): i.id for i in referential.items.values()}
            items = f.get_column(item_col).drop_nulls().unique().to_list()
            as_id = {v: statements.get(norm(v)) or item_id(v) or v.strip() for v in items}
            frame = f.select(
                [e.alias(k) for k, e in base.items()]
                + [
                    pl.col(item_col)
                    .replace_strict(as_id, default=None, return_dtype=pl.String)
                    .alias("item"),
                    pl.col(level_col).alias("level"),
                    pl.col(LINE_COL),
                ]
            )
        frame = frame.with_columns(level_text(pl.col("level")).alias("level"))
        return [map_answers(frame, referential, ctx.salt, SOURCE)]
