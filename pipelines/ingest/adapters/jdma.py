"""« Je donne mon avis » (JDMA) exports → ``survey_responses``.

Four header families:

- current exporter (since June 2026): ``Date de l'avis, Nom du formulaire, Lien d'intégration,
  Identifiant Avis, <question labels>``; timestamps are UTC;
- April–June 2026 variant: ``Review ID, Review Created At, <labels>``; UTC;
- legacy Python exporter (June 2024 – April 2026): ``Review ID, Form ID, Product ID, Button ID,
  XWiki ID, Review Created At, <labels>``, CRLF; its timestamps are the database's UTC time plus
  2 hours hard-coded, i.e. a fixed ``+02:00`` offset: we read them as such (minus 2 h → UTC) and
  convert to Paris time (so winter times come out one hour earlier than written). Above a size the
  tool zips one ``Avis_<year>.csv`` per year: archives are read member by member;
- older XWiki JDMA (up to 2023): ``doc.creationDate, demarche, modalite, score, vote, facile,
  comprehensible, difficultes, aide``; ``score`` 1 = Pas bien, 2 = Moyen, 3 = Très bien; times are
  the server's (Paris) time.

Question labels are matched loosely on their normal form (``’`` → ``'``, accents, case): the
satisfaction question (« De façon générale, comment ça s'est passé ? », « Comment s'est passée
cette démarche pour vous ? »), clarity (« … des informations et des instructions fournies ? »,
« … du langage utilisé ? ») and the free comment (« Souhaitez-vous nous en dire plus ? »).

Scores follow the Observatoire: Très bien / Moyen / Pas bien = 10 / 5 / 0 on a 0–10 scale
(``score_raw`` = ``score_10``), satisfied = score_10 ≥ 7.5; clarity 1–5 gives (x − 1) ÷ 4 × 10
(a smiley answer gives 10 / 5 / 0). ``complete`` = the satisfaction question is answered. Channel:
the button sits at the end of an online démarche, so ``online``; in the XWiki export
``modalite`` en-ligne-entièrement → ``online``, en-ligne-partiellement → ``other`` (part online,
part another way: neither fully online nor helped by a person, so not counted as online), autrement
→ ``other``.

Ids: ``Identifiant Avis``/``Review ID`` is the last 7 hex digits of the database id, so not unique;
``source_id`` = id + the UTC second of the review (``9001cc7-20250303T074112Z``), the same whichever
exporter wrote the file. XWiki rows have no id: a hash of the row's content. The service is the
product name in the file name ``Avis_<product>_<date>.csv`` (``_`` for non-word characters),
resolved through the catalogue aliases; for an archive member without it, the archive's name. The
contact e-mail column is never selected; the comment keeps its words with e-mails and phone
numbers masked.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.ingest.adapters.base import (
    MapContext,
    Mapped,
    col,
    find_column,
    norm,
    split_rejected,
    stable_row_ids,
    translate,
    vocabulary,
    with_offset,
)
from pipelines.ingest.adapters.vocabulary import SMILEYS
from pipelines.ingest.coerce import parse_number
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL, RawTable

SOURCE = "jdma"
LEGACY_IDS = ("Form ID", "Product ID", "Button ID", "XWiki ID")
XWIKI = ("doc.creationDate", "demarche", "modalite", "score")
SATISFACTION = ("comment ca s'est passe", "s'est passee cette demarche", "satisfaction")
CLARITY = (
    "informations et des instructions",
    "langage utilise",
    "langage employe",
    "clarte",
    "comprehension",
)
COMMENT = ("en dire plus", "verbatim", "commentaire")
FILE_NAME = re.compile(
    r"^Avis_(?P<product>.+?)_\d{4}-\d{2}-\d{2}(?:_\d{2}-\d{2}(?:-\d{2})?)?(?:[_.]|$)", re.IGNORECASE
)
XWIKI_SCORES = vocabulary({"0": ["1", "Pas bien"], "5": ["2", "Moyen"], "10": ["3", "Très bien"]})
XWIKI_CHANNELS = vocabulary(
    {
        "online": ["en-ligne-entierement", "en ligne entierement"],
        "other": ["en-ligne-partiellement", "en ligne partiellement", "autrement"],
    }
)


def _family(raw: RawTable) -> str | None:
    h = raw.header
    if find_column(h, "Date de l'avis") and find_column(h, "Identifiant Avis"):
        return "current"
    if find_column(h, "Review ID") and find_column(h, "Review Created At"):
        return "legacy" if any(find_column(h, x) for x in LEGACY_IDS) else "variant"
    if all(find_column(h, x) for x in XWIKI):
        return "xwiki"
    return None


class JeDonneMonAvis:
    name = "« Je donne mon avis » (export des avis)"
    source = SOURCE

    def signature(self) -> list[str]:
        return [
            "Date de l'avis",
            "Nom du formulaire",
            "Lien d'intégration",
            "Identifiant Avis",
            "Review ID",
            "Review Created At",
        ]

    def matches(self, raw: RawTable) -> bool:
        return _family(raw) is not None

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        family = _family(raw)
        service = ctx.service_hint or product_from_name(raw.name) or product_from_name(raw.container or "")
        if service is None:
            ctx.notes.append(
                f"service inconnu pour « {raw.name} » (nom attendu « Avis_<démarche>_<date>.csv ») : avis chargés sans service"
            )
        if family == "xwiki":
            frame, rejected = _xwiki(raw, service, ctx.salt)
        else:
            frame, rejected = _jdma(raw, family, service)
        return [Mapped("survey", SOURCE, frame, tuple(rejected))]


def product_from_name(name: str) -> str | None:
    """``Avis_Demande_d_acte_de_naissance_2026-06-15_07-12-03.csv`` → ``Demande d acte de naissance``."""
    m = FILE_NAME.match(name)
    return m.group("product").replace("_", " ").strip() if m else None


def _question(header: list[str], phrases: tuple[str, ...], exclude: tuple[str, ...] = ()) -> str | None:
    for phrase in phrases:
        for h in header:
            n = norm(h)
            if (phrase in n or n == phrase) and not any(x in n for x in exclude):
                return h
    return None


def _jdma(raw: RawTable, family: str, service: str | None) -> tuple[pl.DataFrame, list]:
    h, f = raw.header, raw.frame
    if family == "current":
        ident, when, offset = find_column(h, "Identifiant Avis"), find_column(h, "Date de l'avis"), "+0000"
    else:
        ident, when = find_column(h, "Review ID"), find_column(h, "Review Created At")
        offset = "+0200" if family == "legacy" else "+0000"
    satisfaction = _question(h, SATISFACTION, exclude=("echange", "aide"))
    clarity = _question(h, CLARITY)
    comment = _question(h, COMMENT)
    stamped = with_offset(pl.col(when), offset)
    score = translate(f, satisfaction, SMILEYS)
    frame = f.select(
        pl.lit(SOURCE).alias("source"),
        _source_id(pl.col(ident), stamped).alias("source_id"),
        stamped.alias("responded_at"),
        pl.lit(service, pl.String).alias("service"),
        pl.lit("online").alias("channel"),
        score.alias("score_raw"),
        pl.lit("0").alias("scale_min"),
        pl.lit("10").alias("scale_max"),
        col(f, clarity).alias("_clarity"),
        mask_free_text(col(f, comment)).alias("comment"),
        pl.col(LINE_COL),
    )
    return _scores(frame, satisfaction, clarity)


def _scores(frame: pl.DataFrame, satisfaction: str | None, clarity: str | None) -> tuple[pl.DataFrame, list]:
    """score_10, satisfied, clarity_10 and complete from the translated answers; off-scale rows refused."""
    score = parse_number(pl.col("score_raw"))
    c_text = pl.col("_clarity").str.strip_chars()
    c_num = parse_number(c_text)
    c_smiley = translate(frame, "_clarity", SMILEYS, keep_unknown=False)
    clarity_10 = pl.when(c_num.is_not_null()).then((c_num - 1) / 4 * 10).otherwise(parse_number(c_smiley))
    frame = frame.with_columns(
        score.alias("score_10"),
        (score >= 7.5).alias("satisfied"),
        clarity_10.alias("clarity_10"),
        pl.col("score_raw").is_not_null().alias("complete"),
    )
    rejected: list = []
    frame, bad = split_rejected(
        frame,
        c_text.is_not_null()
        & ((c_num.is_not_null() & ((c_num < 1) | (c_num > 5))) | (c_num.is_null() & c_smiley.is_null())),
        clarity or "clarity_10",
        "clarity_scale",
        c_text,
        pl.format("Réponse de clarté « {} » hors de l'échelle 1 à 5.", c_text),
    )
    rejected += bad
    if satisfaction:
        frame, bad = split_rejected(
            frame,
            pl.col("score_raw").is_not_null() & score.is_null(),
            satisfaction,
            "isin",
            pl.col("score_raw"),
            pl.format(
                "Réponse de satisfaction « {} » inconnue (attendu : Très bien, Moyen ou Pas bien).",
                pl.col("score_raw"),
            ),
        )
        rejected += bad
    return frame.drop("_clarity"), rejected


def _source_id(ident: pl.Expr, stamped: pl.Expr) -> pl.Expr:
    """``<id>-<UTC instant>``: the 7-hex id alone is not unique."""
    utc = stamped.str.to_datetime("%Y-%m-%d %H:%M:%S %z", strict=False, time_zone="UTC", time_unit="us")
    key = utc.dt.strftime("%Y%m%dT%H%M%SZ")
    return pl.format(
        "{}-{}", ident.str.strip_chars(), pl.coalesce(key, stamped.str.strip_chars(), pl.lit("?"))
    )


def _xwiki(raw: RawTable, service_hint: str | None, salt: bytes = b"") -> tuple[pl.DataFrame, list]:
    h, f = raw.header, raw.frame
    created, demarche, modalite, score_col = (find_column(h, x) for x in XWIKI)
    understood = find_column(h, "comprehensible")
    ids = stable_row_ids(f, h, prefix="xwiki-", salt=salt)
    frame = f.select(
        pl.lit(SOURCE).alias("source"),
        ids.alias("source_id"),
        pl.col(created).alias("responded_at"),
        pl.coalesce(pl.col(demarche), pl.lit(service_hint, pl.String)).alias("service"),
        translate(f, modalite, XWIKI_CHANNELS).alias("channel"),
        translate(f, score_col, XWIKI_SCORES).alias("score_raw"),
        pl.lit("0").alias("scale_min"),
        pl.lit("10").alias("scale_max"),
        translate(
            f,
            understood,
            vocabulary({"1": ["1", "Pas bien"], "3": ["2", "Moyen"], "5": ["3", "Très bien"]}),
            keep_unknown=False,
        ).alias("_clarity"),
        pl.lit(None, pl.String).alias("comment"),
        pl.col(LINE_COL),
    )
    return _scores(frame, score_col, None)
