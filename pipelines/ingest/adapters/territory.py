"""Open-data files about the territory, as their producers publish them, into ``territory``.

One adapter per producer file, each recognised by its own columns (see tests/fixtures/territory/):

- INSEE, Code officiel géographique, communes (``v_commune_2024.csv``, ``commune_2025.csv``):
  ``TYPECOM, COM, REG, DEP, CTCD, ARR, TNCC, NCC, NCCENR, LIBELLE, CAN, COMPARENT`` (older years in
  lower case, without ``CTCD``). Rows ``COM`` (communes) and ``ARM`` (municipal districts of Paris,
  Lyon, Marseille) are kept; ``COMA``/``COMD`` (associated, delegated communes) are not communes
  of their own: skipped and counted. Gives ``name`` (``LIBELLE``, with its article).
- INSEE, populations légales (communes file): ``CODREG;REG;CODDEP;CODARR;CODCAN;CODCOM;COM;PMUN;…``
  — the code is ``CODDEP`` + ``CODCOM`` (overseas: ``971`` + ``101`` → ``97101``); ``COM`` is the
  name here; ``PMUN`` (population municipale) → ``population``.
- INSEE, grille communale de densité (XLSX, title rows, headers with line breaks; 4-level or
  7-level grid) → ``density_class`` (the label; from the level number when the file has no label).
- MedNum, Indice de fragilité numérique by commune (``;``, decimal comma, header lines repeated
  inside the file, skipped) → ``fragility_index`` (the « SCORE GLOBAL » column).
- Arcep, « Ma connexion internet » by commune (a disclaimer line above the header):
  ``code_insee;nom_com;…;nbr;…;elig_thd30;elig_thd100;elig_thd1g;date`` → ``thd_coverage`` =
  (elig_thd30 + elig_thd100 + elig_thd1g) ÷ nbr (bands are exclusive: best speed available).

Rules shared by all: codes stay text; a code that lost its leading zero in a spreadsheet (4 digits)
is repaired, anything else that is not an INSEE code is a rejected row (never joined to the wrong
commune); national files keep only the plan's communes (``MapContext.communes``; all when the plan
names none) and the report says how many were kept; when a COG is loaded (``MapContext.cog``), a
code absent from it is a rejected row. The year comes from the file (Arcep's ``date``), else from
the file name (``v_commune_2024.csv``), else it is the current year, and the report says so.
``source_id`` = ``{source}/{commune}/{year}``.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from pipelines.errors import FileRefused
from pipelines.ingest.adapters.base import MapContext, Mapped, Rejection, find_column, find_like, norm
from pipelines.ingest.read import LINE_COL, RawTable
from schemas.common import INSEE_PATTERN

DATASET = "territory"
COLUMNS = ("name", "population", "density_class", "fragility_index", "thd_coverage")

DENSITY_4 = {
    "1": "Commune densément peuplée",
    "2": "Commune de densité intermédiaire",
    "3": "Commune peu dense",
    "4": "Commune très peu dense",
}
DENSITY_7 = {
    "1": "Grands centres urbains",
    "2": "Centres urbains intermédiaires",
    "3": "Ceintures urbaines",
    "4": "Petites villes",
    "5": "Bourgs ruraux",
    "6": "Rural à habitat dispersé",
    "7": "Rural à habitat très dispersé",
}


def fr_int(n: int) -> str:
    """12345 → « 12 345 » (French thousands separator)."""
    return f"{n:,}".replace(",", "\u00a0")


def year_of(name: str) -> int | None:
    """The millésime a producer's file name carries (« v_commune_2024.csv » → 2024), if any."""
    found = re.findall(r"(?<!\d)(199\d|20\d\d)(?!\d)", name)
    return int(found[-1]) if found else None


def _year(raw: RawTable, ctx: MapContext) -> int:
    year = year_of(raw.name)
    if year is None:
        year = dt.date.today().year
        ctx.notes.append(
            f"année de référence absente du nom du fichier : l'année en cours ({year}) est retenue"
        )
    return year


def repaired_code(code: pl.Expr) -> pl.Expr:
    """Text code → INSEE code when unambiguous: spaces stripped, a code that lost its leading zero in
    a spreadsheet (4 digits, « 1001 ») padded (« 01001 »), « 2a004 » upper-cased; else unchanged."""
    text = code.cast(pl.String).str.strip_chars().str.to_uppercase().str.replace(r"\.0$", "")
    return pl.when(text.str.contains(r"^\d{4}$")).then(pl.lit("0") + text).otherwise(text)


def finish(
    raw: RawTable,
    frame: pl.DataFrame,
    ctx: MapContext,
    source: str,
    *,
    check_cog: bool = True,
    repaired: int = 0,
) -> list[Mapped]:
    """The shared end of every territory adapter.

    ``frame`` holds ``code`` (raw text), ``year`` and some of :data:`COLUMNS`, plus ``_line``.
    Codes are repaired or refused, the plan's communes kept (counted in a note), codes absent from a
    loaded COG refused; the canonical columns and ``source_id`` added."""
    rejected: list[Rejection] = []
    frame = frame.with_columns(
        pl.col("code").cast(pl.String).alias("_given"), repaired_code(pl.col("code")).alias("commune")
    )
    repaired += frame.filter(pl.col("_given").str.strip_chars() != pl.col("commune")).height
    bad = frame.filter(~pl.col("commune").fill_null("").str.contains(INSEE_PATTERN))
    for line, given in bad.select(LINE_COL, "_given").iter_rows():
        if given is None or not given.strip():
            msg = "Code INSEE de la commune manquant : la ligne ne peut être rattachée à aucune commune."
        else:
            msg = (
                f"Code INSEE « {given} » illisible : un code commune s'écrit avec 5 caractères "
                "(« 01001 », « 2A004 », « 97101 ») ; la ligne n'est rattachée à aucune commune "
                "plutôt qu'à une mauvaise."
            )
        rejected.append((line, "commune", "insee_code", given, msg))
    frame = frame.filter(pl.col("commune").fill_null("").str.contains(INSEE_PATTERN))
    if repaired:
        ctx.notes.append(
            f"{fr_int(repaired)} code(s) INSEE réparé(s) (zéro initial perdu dans un tableur : « 1001 » → « 01001 »)"
        )
    if ctx.communes:
        wanted = set(ctx.communes)
        total = frame["commune"].n_unique()
        frame = frame.filter(pl.col("commune").is_in(list(wanted)))
        kept = frame["commune"].n_unique()
        ctx.notes.append(f"{fr_int(kept)} commune(s) gardée(s) sur {fr_int(total)} (communes du plan)")
        missing = sorted(wanted - set(frame["commune"].to_list()))
        if missing and kept:
            ctx.notes.append("communes du plan absentes du fichier : " + ", ".join(missing))
    if check_cog and ctx.cog is not None:
        unknown = frame.filter(~pl.col("commune").is_in(list(ctx.cog)))
        for line, code in unknown.select(LINE_COL, "commune").iter_rows():
            rejected.append(
                (
                    line,
                    "commune",
                    "insee_unknown",
                    code,
                    f"Code INSEE « {code} » inconnu du Code officiel géographique chargé : "
                    "commune fusionnée, supprimée ou code erroné ; la ligne n'est pas rattachée.",
                )
            )
        frame = frame.filter(pl.col("commune").is_in(list(ctx.cog)))
    exprs = [
        pl.lit(source).alias("source"),
        pl.format("{}/{}/{}", pl.lit(source), pl.col("commune"), pl.col("year")).alias("source_id"),
        pl.col("commune"),
        pl.col("year").cast(pl.String),
    ]
    for c in COLUMNS:
        exprs.append(pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c))
    out = frame.select(*exprs, pl.col(LINE_COL))
    return [Mapped(DATASET, source, out, tuple(rejected))]


def _has(raw: RawTable, *names: str) -> bool:
    found = {norm(h) for h in raw.header}
    return all(norm(n) in found for n in names)


class _Territory:
    streamable = False  # the plan's communes are counted over the whole file

    def signature(self) -> list[str]:
        return list(self.columns)


class InseeCog(_Territory):
    name = "INSEE — Code officiel géographique (liste des communes)"
    source = "insee-cog"
    columns = (
        "TYPECOM",
        "COM",
        "REG",
        "DEP",
        "CTCD",
        "ARR",
        "TNCC",
        "NCC",
        "NCCENR",
        "LIBELLE",
        "CAN",
        "COMPARENT",
    )

    def matches(self, raw: RawTable) -> bool:
        return _has(raw, "TYPECOM", "COM") and (_has(raw, "LIBELLE") or _has(raw, "NCCENR"))

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        h = raw.header
        kind = pl.col(find_column(h, "TYPECOM")).str.strip_chars().str.to_uppercase()
        name = find_column(h, "LIBELLE") or find_column(h, "NCCENR")
        frame = raw.frame
        counts = dict(frame.group_by(kind.alias("k")).len().iter_rows())
        skipped = {k: n for k, n in counts.items() if k in ("COMA", "COMD")}
        if skipped:
            detail = ", ".join(f"{k} : {fr_int(n)}" for k, n in sorted(skipped.items()))
            ctx.notes.append(
                f"{fr_int(sum(skipped.values()))} commune(s) associée(s) ou déléguée(s) écartée(s) "
                f"({detail}) : elles ne sont pas des communes à part entière"
            )
        if counts.get("ARM"):
            ctx.notes.append(f"{fr_int(counts['ARM'])} arrondissement(s) municipal(aux) gardé(s) (ARM)")
        frame = frame.filter(~kind.is_in(["COMA", "COMD"]).fill_null(False))
        frame = frame.select(
            pl.col(find_column(h, "COM")).alias("code"),
            pl.col(name).str.strip_chars().alias("name"),
            pl.lit(_year(raw, ctx)).alias("year"),
            pl.col(LINE_COL),
        )
        return finish(raw, frame, ctx, self.source, check_cog=False)


class InseePopulations(_Territory):
    name = "INSEE — populations légales des communes"
    source = "insee-populations"
    columns = ("CODREG", "REG", "CODDEP", "CODARR", "CODCAN", "CODCOM", "COM", "PMUN", "PCAP", "PTOT")

    # the CSV's codes, or the workbook's labels (« Code département », « Code commune »…)
    DEP = ("CODDEP", "Code département")
    COM_CODE = ("CODCOM", "Code commune")
    PMUN = ("PMUN", "Population municipale")
    NAME = ("COM", "Nom de la commune")

    def matches(self, raw: RawTable) -> bool:
        h = raw.header
        found = all(find_column(h, *names) for names in (self.DEP, self.COM_CODE, self.PMUN))
        return found and not InseeDensity().matches(raw)  # the density grid may show populations too

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        h = raw.header
        dep = pl.col(find_column(h, *self.DEP)).str.strip_chars().str.to_uppercase()
        com = pl.col(find_column(h, *self.COM_CODE)).str.strip_chars()
        # a spreadsheet drops leading zeros: « 1 » is département 01, « 1 » commune 001 (separate
        # columns: the padding is unambiguous); overseas départements (971…) give their first two
        # digits, the commune number carrying the third (971 + 101 → 97101)
        dep2 = pl.when(dep.str.contains(r"^\d$")).then(pl.lit("0") + dep).otherwise(dep)
        com3 = pl.when(com.str.contains(r"^\d{1,2}$")).then(com.str.zfill(3)).otherwise(com)
        code = pl.when(dep2.str.contains(r"^97\d$")).then(dep2.str.slice(0, 2) + com3).otherwise(dep2 + com3)
        padded = raw.frame.select(
            ((dep.str.len_chars() == 1) | (com.str.len_chars() < 3)).fill_null(False).sum()
        ).item()
        name = find_column(h, *self.NAME)
        frame = raw.frame.select(
            code.alias("code"),
            (pl.col(name).str.strip_chars() if name else pl.lit(None, pl.String)).alias("name"),
            pl.col(find_column(h, *self.PMUN)).str.replace_all(r"[\s\u00a0\u202f]", "").alias("population"),
            pl.lit(_year(raw, ctx)).alias("year"),
            pl.col(LINE_COL),
        )
        return finish(raw, frame, ctx, self.source, repaired=int(padded or 0))


class InseeDensity(_Territory):
    name = "INSEE — grille communale de densité"
    source = "insee-densite"
    columns = ("Code Commune", "Libellé des communes", "Typo degré de Densité", "Degré de densité (libellé)")

    @staticmethod
    def _code(raw: RawTable) -> str | None:
        return find_column(raw.header, "Code Commune", "Code commune", "CODGEO", "Code géographique")

    @staticmethod
    def _levels(raw: RawTable) -> tuple[str | None, str | None]:
        h = raw.header
        label = find_like(h, "densite (libelle)", "libelle degre", "libelle de densite", "libelle densite")
        level = find_like(
            h, "typo degre de densite", "degre de densite", "niveau de densite", exclude=[label]
        )
        if level is None:  # INSEE's coded release: only its 7-level column says which grid it is
            level = find_column(h, "DENS7")
        return level, label

    def matches(self, raw: RawTable) -> bool:
        level, label = self._levels(raw)
        return self._code(raw) is not None and (level is not None or label is not None)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        level, label = self._levels(raw)
        name = find_column(raw.header, "Libellé des communes", "Libellé commune", "LIBGEO", "Libellé")
        frame = raw.frame
        density = pl.col(label).str.strip_chars() if label else pl.lit(None, pl.String)
        if level:
            numbers = frame[level].drop_nulls().str.strip_chars().str.replace(r"\.0$", "")
            seven = (
                "7" in norm(level)
                or "7" in raw.name
                or (raw.sheet is not None and "7" in raw.sheet)
                or numbers.is_in(["5", "6", "7"]).any()
            )
            grid = DENSITY_7 if seven else DENSITY_4
            by_number = (
                pl.col(level)
                .str.strip_chars()
                .str.replace(r"\.0$", "")
                .replace_strict(grid, default=None, return_dtype=pl.String)
            )
            density = pl.coalesce(density, by_number)
            if not label:
                ctx.notes.append(
                    f"catégories de densité lues comme la grille à {'7' if seven else '4'} niveaux"
                )
        frame = frame.select(
            pl.col(self._code(raw)).alias("code"),
            (pl.col(name).str.strip_chars() if name else pl.lit(None, pl.String)).alias("name"),
            density.alias("density_class"),
            pl.lit(_year(raw, ctx)).alias("year"),
            pl.col(LINE_COL),
        )
        return finish(raw, frame, ctx, self.source)


class MednumIfn(_Territory):
    name = "MedNum — indice de fragilité numérique (par commune)"
    source = "mednum-ifn"
    columns = ("Code Com", "Nom Com", "SCORE GLOBAL region", "SCORE GLOBAL departement")

    @staticmethod
    def _score(raw: RawTable) -> str | None:
        # the national reference when given, else the regional one (100 = average of the reference)
        return find_like(
            raw.header, "score global france", "score global national", "score global region", "score global"
        )

    @staticmethod
    def _code(raw: RawTable) -> str | None:
        return find_column(
            raw.header, "Code Com", "Code commune", "Code INSEE", "CODGEO", "Code Iris", "code_insee", "com"
        )

    def matches(self, raw: RawTable) -> bool:
        return self._score(raw) is not None and self._code(raw) is not None

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        code, score = self._code(raw), self._score(raw)
        frame = raw.frame
        # header lines repeated inside the file (files put end to end): not data
        repeated = pl.col(code).str.strip_chars().eq(code.strip()).fill_null(False)
        n_repeated = frame.select(repeated.sum()).item()
        if n_repeated:
            ctx.notes.append(f"{n_repeated} ligne(s) d'en-tête répétée(s) dans le fichier ignorée(s)")
        frame = frame.filter(~repeated)
        values = frame[code].drop_nulls().str.strip_chars()
        if values.len() and values.str.contains(r"^[0-9AB]{9}$").mean() > 0.5:
            raise FileRefused(
                "Indice de fragilité numérique reconnu, mais publié par IRIS (quartier), pas par commune : "
                "l'indice d'une commune n'est pas la moyenne de ses IRIS. Déposez le fichier de l'indice "
                "par commune (export « Communes » de la MedNum)."
            )
        name = find_column(raw.header, "Nom Com", "Libcom", "Nom commune", "Libellé commune")
        ctx.notes.append(f"indice lu dans la colonne « {score.strip()} »")
        frame = frame.select(
            pl.col(code).alias("code"),
            (pl.col(name).str.strip_chars() if name else pl.lit(None, pl.String)).alias("name"),
            pl.col(score).str.strip_chars().str.replace(",", ".", literal=True).alias("fragility_index"),
            pl.lit(_year(raw, ctx)).alias("year"),
            pl.col(LINE_COL),
        )
        return finish(raw, frame, ctx, self.source)


BANDS_30 = ("elig_thd30", "elig_thd100", "elig_thd1g")


class ArcepEligibility(_Territory):
    name = "Arcep — Ma connexion internet (éligibilité par commune)"
    source = "arcep"
    columns = (
        "code_insee", "nom_com", "code_dep", "code_reg", "nbr", "type", "inel_hd", "elig_hd05",
        "elig_hd3", "elig_hd8", "elig_thd30", "elig_thd100", "elig_thd1g", "date",
    )  # fmt: skip

    def matches(self, raw: RawTable) -> bool:
        return _has(raw, "code_insee", "nbr", *BANDS_30)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        h = raw.header
        frame = raw.frame

        def number(name: str) -> pl.Expr:
            text = pl.col(find_column(h, name)).str.replace_all(r"[\s\u00a0\u202f]", "")
            return text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)

        kind = find_column(h, "type")
        if kind:
            kinds = frame[kind].drop_nulls().str.strip_chars().str.to_lowercase()
            total = [k for k in kinds.unique().to_list() if norm(k) in ("total", "tous", "ensemble", "tout")]
            if total:
                frame = frame.filter(pl.col(kind).str.strip_chars().str.to_lowercase().is_in(total))
            elif kinds.n_unique() > 1:
                ctx.notes.append("locaux de tous les types additionnés par commune (colonne « type »)")
        date = find_column(h, "date")
        year_from_file = year_of(raw.name)
        if date:  # the file's own date (« 2024-12-31 », « 2024T4 »), else its name's, else this year
            fallback = year_from_file if year_from_file is not None else dt.date.today().year
            year = pl.col(date).str.extract(r"(19\d\d|20\d\d)", 1).fill_null(str(fallback))
        else:
            year = pl.lit(str(_year(raw, ctx)))
        code = find_column(h, "code_insee")
        name = find_column(h, "nom_com")
        frame = frame.select(
            pl.col(code).alias("code"),
            (pl.col(name).str.strip_chars() if name else pl.lit(None, pl.String)).alias("name"),
            year.alias("year"),
            number("nbr").alias("_all"),
            pl.sum_horizontal(*[number(b) for b in BANDS_30]).alias("_thd"),
            pl.col(LINE_COL),
        )
        # several rows of one commune (one per premises type): summed, first line kept for reports
        frame = (
            frame.with_columns(repaired_code(pl.col("code")).alias("_key"))
            .group_by("_key", "year", maintain_order=True)
            .agg(
                pl.col("code").first(),
                pl.col("name").first(),
                pl.col("_all").sum(),
                pl.col("_thd").sum(),
                pl.col(LINE_COL).first(),
            )
            .with_columns(
                pl.when(pl.col("_all") > 0)
                .then((pl.col("_thd") / pl.col("_all")).round(6))
                .otherwise(None)
                .cast(pl.String)
                .alias("thd_coverage")
            )
            .drop("_key", "_all", "_thd")
        )
        return finish(raw, frame, ctx, self.source)


TERRITORY_ADAPTERS = [InseeCog(), InseePopulations(), InseeDensity(), MednumIfn(), ArcepEligibility()]
