"""Decidim proposals, as its exporter writes them (open-data export of a participatory space, or the
admin's « Exporter les propositions » in CSV): one ``consultation_items`` row per proposal.

Decidim's ``ProposalSerializer`` flattens nested keys with ``/`` and translated fields per language:
``id, category/id, category/name/fr, scope/id, scope/name/fr, participatory_space/id,
participatory_space/url, component/id, title/fr, body/fr, address, latitude, longitude, state,
reference, answer/fr, supports, endorsements/total_count, comments, attachments, followers,
published_at, url, meeting_urls, related_proposals, is_amend, original_proposal/title,
original_proposal/url, withdrawn…``. The published variants are handled:

- the vote count is ``votes`` (Decidim 0.27 and later) or ``supports`` (earlier versions); without
  either (votes disabled, recent open-data exports) the endorsements (``endorsements/total_count``,
  ``endorsements``) or likes (``likes/total_count``) are taken, and the report says so;
- title and body are ``title/<lang>`` (French first, then the first language found, machine
  translations last) or a plain ``title`` / ``body`` column;
- ``;`` or ``,`` as delimiter (the reader finds it).

Rules: ``consultation`` = ``decidim-`` + the participatory space's slug (last segment of
``participatory_space/url``, else ``espace-<id>``); ``consultation_label`` = « Espace participatif
<slug> (Decidim) »; ``closed_on`` is not in the export (empty); ``item`` = the title;
``supports`` = votes; ``participants`` unknown (empty: a proposal's share of participants cannot be
computed); ``comment`` = the body, HTML tags removed, e-mails and phones masked; ``service`` = the
title through the catalogue's aliases, else the category's name; ``source_id`` = consultation /
proposal id. A withdrawn proposal (``withdrawn`` true, or state ``withdrawn``) is a rejected row
with its reason. Authors' names, nicknames and e-mails (admin exports) are never read.
A mapping file ``[target] format = "decidim"`` may give in ``[constants]`` what the export does not
say: ``consultation_label``, ``closed_on``, ``participants`` (see ``from_mapping``).
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.adapters.base import MapContext, Mapped, find_column, split_rejected
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL, RawTable

VOTES = ("votes", "supports", "proposal_votes_count")
FALLBACK_VOTES = ("endorsements/total_count", "endorsements", "likes/total_count")
SPACE = ("participatory_space/id", "participatory_space/url")
SOURCE = "decidim"


def _translated(header: list[str], field: str) -> str | None:
    """``field/fr``, else ``field``, else the first ``field/<lang>`` (machine translations last)."""
    plain = find_column(header, f"{field}/fr", field)
    if plain:
        return plain
    prefix = f"{field}/"
    candidates = [h for h in header if h.startswith(prefix) and "machine_translations" not in h]
    candidates += [h for h in header if h.startswith(prefix) and h not in candidates]
    return candidates[0] if candidates else None


def is_decidim(raw: RawTable) -> bool:
    h = raw.header
    return bool(
        find_column(h, "id")
        and find_column(h, "reference")
        and find_column(h, *SPACE)
        and find_column(h, "component/id", "feature/id")
        and _translated(h, "title")
    )


class DecidimProposals:
    name = "Decidim (export des propositions)"
    source = SOURCE

    def signature(self) -> list[str]:
        return [
            "id",
            "participatory_space/id",
            "participatory_space/url",
            "component/id",
            "title/fr",
            "reference",
        ]

    def matches(self, raw: RawTable) -> bool:
        return is_decidim(raw)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        h, f = raw.header, raw.frame
        votes = find_column(h, *VOTES)
        if votes is None:
            votes = find_column(h, *FALLBACK_VOTES)
            if votes is not None:
                ctx.notes.append(
                    f"pas de nombre de votes dans cet export : soutiens = « {votes} » (adhésions / j'aime)"
                )
        title, body = _translated(h, "title"), _translated(h, "body")
        category = _translated(h, "category/name")
        space_id, space_url = (
            find_column(h, "participatory_space/id"),
            find_column(h, "participatory_space/url"),
        )
        state, withdrawn = find_column(h, "state"), find_column(h, "withdrawn")

        def text(name: str | None) -> pl.Expr:
            return pl.col(name).str.strip_chars() if name else pl.lit(None, pl.String)

        slug = text(space_url).str.replace(r"[?#].*$", "").str.replace(r"/+$", "").str.extract(r"([^/]+)$", 1)
        slug = pl.coalesce(slug, pl.format("espace-{}", text(space_id)), pl.lit("espace-inconnu"))
        consultation = pl.format("decidim-{}", slug)
        body_text = (
            text(body)
            .str.replace_all(r"<[^>]*>", " ")
            .str.replace_all("&nbsp;", " ")
            .str.replace_all("&amp;", "&")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
        )
        out = f.select(
            pl.lit(SOURCE).alias("source"),
            pl.format("{}/{}", consultation, text("id")).alias("source_id"),
            consultation.alias("consultation"),
            pl.format("Espace participatif {} (Decidim)", slug).alias("consultation_label"),
            pl.lit(None, pl.String).alias("closed_on"),
            text(title).alias("item"),
            text(title).alias("service"),
            text(category).alias("_service_alt"),
            text(votes).alias("supports"),
            pl.lit(None, pl.String).alias("participants"),
            pl.when(body_text == "").then(None).otherwise(mask_free_text(body_text)).alias("comment"),
            text(state).alias("_state"),
            text(withdrawn).alias("_withdrawn"),
            pl.col(LINE_COL),
        )
        out, rejected = split_rejected(
            out,
            (pl.col("_state").str.to_lowercase() == "withdrawn")
            | pl.col("_withdrawn").str.to_lowercase().is_in(["true", "vrai", "oui", "1"]),
            withdrawn or state or "state",
            "proposal_withdrawn",
            pl.col("item"),
            pl.format(
                "Proposition « {} » retirée par son auteur : non comptée dans la consultation.",
                pl.col("item"),
            ),
        )
        if votes is None:
            ctx.notes.append("aucune colonne de votes (votes, supports) ni d'adhésions : soutiens absents")
        return [Mapped("consultation", SOURCE, out.drop("_state", "_withdrawn"), tuple(rejected))]
