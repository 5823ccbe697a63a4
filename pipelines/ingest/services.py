"""Service catalogue: reconcile the service names of different tools onto one slug.

The catalogue comes from the plan's ``[[services]]`` (or ``data/services.toml`` with the same
``[[services]]`` tables): ``slug``, ``label`` and ``aliases``. A name matches on its normal form
(case, accents and apostrophes ignored), then with every punctuation ignored (file names write
``_`` for it). Unknown names are kept, slugified, and listed as unknown
in the ingest report so the analyst can add an alias.

The plan's ``[authority] communes`` ride along (``Catalogue.communes``): national files
(INSEE, MedNum, Arcep, ANCT's lists) keep only those communes (``MapContext.communes``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.ingest.adapters.base import norm, slugify


@dataclass
class Catalogue:
    labels: dict[str, str] = field(default_factory=dict)  # slug → label
    lookup: dict[str, str] = field(default_factory=dict)  # normal form of slug/label/alias → slug
    # punctuation-free key → slug: « Demande_d_acte_de_naissance » (JDMA file names) finds « Demande d'acte de naissance »
    loose: dict[str, str] = field(default_factory=dict)
    # the plan's communes (``[authority] communes``): what national territory files are cut to
    communes: tuple[str, ...] = ()
    # the maturity referential in use (or the PlanError that stopped loading it), set by ``ingest``
    # and handed to the adapters through ``MapContext.referential``
    maturity_referential: object | None = None

    @classmethod
    def from_entries(cls, entries: list[dict]) -> Catalogue:
        cat = cls()
        for e in entries:
            slug = str(e.get("slug", "")).strip()
            if not slug:
                continue
            label = str(e.get("label", slug))
            cat.labels[slug] = label
            for name in [slug, label, *e.get("aliases", [])]:
                cat.lookup[norm(str(name))] = slug
                cat.loose.setdefault(slugify(str(name)), slug)
        return cat

    @classmethod
    def load(cls, plan_path: Path | None, data_dir: Path | None) -> Catalogue:
        entries: list[dict] = []
        communes: tuple[str, ...] = ()
        for path in (data_dir / "services.toml" if data_dir else None, plan_path):
            if path and path.exists():
                try:
                    doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    continue  # the plan's own validation reports it; ingest goes on without a catalogue
                entries += doc.get("services", [])
                if path == plan_path:
                    communes = tuple(dict.fromkeys(_plan_communes(doc)))
        cat = cls.from_entries(entries)
        cat.communes = communes
        return cat

    def resolve(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
        """Map ``service`` (a slug, label or alias) onto catalogue slugs; fill ``service_label``.

        Returns the frame and the sorted list of service names not in the catalogue.
        """
        if "service" not in frame.columns or frame.height == 0:
            return frame, []
        names = frame.select(pl.col("service").drop_nulls().unique()).to_series().to_list()
        mapping, unknown = {}, []
        for name in names:
            slug = self.lookup.get(norm(name)) or self.loose.get(slugify(name))
            if slug is None:
                slug = slugify(name)
                if slug not in self.labels:
                    unknown.append(name)
            mapping[name] = slug
        known = {name: self.labels.get(slug) for name, slug in mapping.items()}
        fallbacks = [pl.col("service_label")] if "service_label" in frame.columns else []
        exprs = []
        # (a large file's columns are rewritten only when that changes something)
        if any(v is not None for v in known.values()) or not fallbacks or frame["service_label"].null_count():
            label = pl.coalesce(
                pl.col("service").replace_strict(known, default=None, return_dtype=pl.String),
                *fallbacks,
                pl.col("service"),
            )
            exprs.append(label.alias("service_label"))
        if any(name != slug for name, slug in mapping.items()):
            exprs.append(
                pl.col("service")
                .replace_strict(mapping, default=None, return_dtype=pl.String)
                .alias("service")
            )
        return (frame.with_columns(exprs) if exprs else frame), sorted(unknown)

    def slug_of(self, name: str | None) -> str | None:
        """The catalogue slug a name (slug, label or alias) designates, or None."""
        if name is None or not str(name).strip():
            return None
        return self.lookup.get(norm(name)) or self.loose.get(slugify(name))

    def known_only(self, frame: pl.DataFrame, fallback: str = "_service_alt") -> pl.DataFrame:
        """``service`` (a free label: a consultation's item) → the catalogue slug it names, else null.

        Unlike :meth:`resolve`, a name the catalogue does not know is not a service: it stays null
        and is not reported as unknown. When ``service`` names nothing, ``fallback`` (a column the
        adapter may add, e.g. a Decidim proposal's category, dropped here) then ``item`` are tried.
        Without any catalogue (no plan, no ``services.toml``) a value already written as a slug is kept.
        """
        if "service" not in frame.columns:
            return frame
        tried = [c for c in ("service", fallback, "item") if c in frame.columns]
        names: set[str] = set()
        for c in tried:
            names |= set(frame.get_column(c).drop_nulls().unique().to_list())

        def slug(name: str) -> str | None:
            found = self.slug_of(name)
            if found is None and not self.labels and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name.strip()):
                return name.strip()
            return found

        mapping = {n: slug(n) for n in names}
        exprs = [pl.col(c).replace_strict(mapping, default=None, return_dtype=pl.String) for c in tried]
        if not self.labels:  # no catalogue: only an explicit slug in ``service`` is kept
            exprs = exprs[:1]
        out = frame.with_columns(pl.coalesce(exprs).alias("service"))
        return out.drop(fallback) if fallback in out.columns else out


def _plan_communes(doc: dict) -> list[str]:
    """The plan's ``[authority] communes`` as INSEE codes (a four-digit code gets its leading zero back);
    an invalid list is the plan's own validation's to report: none here."""
    authority = doc.get("authority")
    values = authority.get("communes") if isinstance(authority, dict) else None
    if not isinstance(values, list):
        return []
    out = []
    for v in values:
        text = str(v).strip().upper()
        out.append("0" + text if text.isdigit() and len(text) == 4 else text)
    return out
