"""The inventory of equipment and platforms (``equipment``): the authority's own register and the
national lists of ANCT (lieux de médiation numérique, France Services).

Three layouts, each recognised by its headers:

- :class:`EquipmentRegister`, the authority's register (CSV in French Excel or XLSX), French headers
  matched on their normal form: « Identifiant », « Type » / « Nature », « Nom » / « Libellé »,
  « Commune » (INSEE code), « État » / « Statut », « Date de mise en service », « Date de retrait »,
  « Taux de conformité RGAA », « Date de la déclaration d'accessibilité », « FranceConnect ». It is
  taken when it has a kind and a name column and either a column only an inventory has (mise en
  service, RGAA, déclaration d'accessibilité, FranceConnect) or kind values that are
  mostly known kinds (so that a case log with a « Type » column is never taken for an inventory).
  French kinds (« Wi-Fi public », « raccordement fibre », « portail famille », « GNAU », « TNI »…)
  and statuses (« en service », « prévu », « dégradé », « hors service »…) go through the
  vocabularies below (then key words). A missing status is inferred: retired when a retirement
  date is given, else operational. Columns not listed (référent, téléphone, adresse…) are never read.
- :class:`MediationPlaces`, ANCT's « lieux de médiation numérique » data schema (columns ``id,
  pivot, nom, commune, code_postal, code_insee, adresse, …, date_maj``): kind ``mediation_place``,
  or ``france_services`` when the place holds the France Services label (``labels_nationaux`` in
  the schema's first versions, ``dispositif_programmes_nationaux`` since, or the typology
  ``RFS``); status operational; no dates (``date_maj`` is the record's update, not an opening).
- :class:`FranceServicesList`, the France Services list as ANCT publishes it (``id_fs, lib_fs,
  insee_com, lib_com, adresse, code_postal, latitude, longitude, telephone, mail, labellisation,
  h_lundi…``: the source layout ANCT's cartography importer reads, ``mednum-cli``'s
  ``france-services.config.json``): kind ``france_services``, status operational, commissioning =
  the labelling date.

Decisions:

- the national lists keep only the authority's communes (``MapContext.communes``, from the plan's
  ``[authority] communes``; every row when no plan says) and the ingest report says how many rows
  were kept; rows dropped this way are not rejected rows (they are not the authority's);
- personal data (telephone, courriels, mail, adresse, horaires, texts) are never read, so never stored;
  an e-mail or phone typed in a name is masked (``privacy.mask_free_text``);
- a commune must be given as an INSEE code (a four-digit code gets its leading zero back): a name
  is a rejected row with a French reason (names are not matched to codes here: the territory table
  may not be loaded yet, and two communes may share a name);
- rejected rows, with French reasons: unknown kind or status, RGAA rate outside 0–100 %, an
  accessibility statement dated in the future, a retirement before commissioning, a malformed
  INSEE code; an unreadable date is refused by ``coerce`` with its own reason;
- RGAA rates: « 75 % » and « 75 » are percentages, « 0,75 » a fraction (a number up to 1 without
  « % » is read as a fraction); stored as a fraction 0–1;
- ``source_id`` is the register's identifier (a content hash when the register has none), so a
  later register updates the same assets; the national lists' ids likewise.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from pipelines.ingest.adapters.base import (
    MapContext,
    Mapped,
    Rejection,
    col,
    find_like,
    norm,
    replace_values,
    split_rejected,
    stable_row_ids,
    vocabulary,
)
from pipelines.ingest.adapters.vocabulary import commune_code
from pipelines.ingest.privacy import mask_free_text
from pipelines.ingest.read import LINE_COL, RawTable

REGISTER_SOURCE = "inventaire"
MEDIATION_SOURCE = "anct-lieux-mediation-numerique"
FRANCE_SERVICES_SOURCE = "anct-france-services"

KIND_LABELS = {
    "public_wifi": "Wi-Fi public",
    "network_link": "réseau ou raccordement (fibre)",
    "online_platform": "plateforme en ligne",
    "mediation_place": "lieu de médiation numérique",
    "france_services": "France Services",
    "school_equipment": "équipement numérique des écoles",
    "other": "autre",
}
STATUS_LABELS = {
    "operational": "en service",
    "planned": "prévu",
    "degraded": "dégradé",
    "retired": "retiré",
}

KINDS = vocabulary(
    {
        "public_wifi": [
            "Wi-Fi public",
            "WiFi public",
            "Wifi public",
            "Wi-Fi",
            "WiFi",
            "Borne wifi",
            "Borne Wi-Fi",
            "Point d'accès Wi-Fi",
            "Point d'accès wifi",
            "Point wifi",
            "Point Wi-Fi",
            "Hotspot",
            "Hotspot wifi",
            "WiFi4EU",
            "Accès Wi-Fi",
        ],
        "network_link": [
            "Raccordement fibre",
            "Raccordement",
            "Fibre",
            "Fibre optique",
            "Réseau",
            "Réseau local",
            "Réseau informatique",
            "Lien réseau",
            "Liaison fibre",
            "Liaison",
            "Accès internet",
            "Connexion internet",
            "Très haut débit",
            "THD",
            "FTTO",
            "FTTH",
            "Réseau fibre",
        ],
        "online_platform": [
            "Portail citoyen",
            "Portail famille",
            "Portail usagers",
            "Portail",
            "GNAU",
            "Guichet numérique des autorisations d'urbanisme",
            "Guichet numérique",
            "Site internet",
            "Site web",
            "Site de la commune",
            "Site de la mairie",
            "Plateforme",
            "Plateforme en ligne",
            "Téléservice",
            "Espace citoyen",
            "Application mobile",
            "Prise de rendez-vous en ligne",
        ],
        "mediation_place": [
            "Lieu de médiation numérique",
            "Médiation numérique",
            "Espace public numérique",
            "EPN",
            "Point numérique",
            "Tiers-lieu numérique",
            "Conseiller numérique",
            "Permanence numérique",
        ],
        "france_services": [
            "France Services",
            "Espace France Services",
            "Maison France Services",
            "Bus France Services",
            "MSAP",
            "Maison de services au public",
        ],
        "school_equipment": [
            "Tablettes école",
            "Tablettes",
            "Classe mobile",
            "ENI",
            "École numérique",
            "Ecole numérique",
            "TNI",
            "Tableau numérique interactif",
            "Écran numérique interactif",
            "VPI",
            "Vidéoprojecteur interactif",
            "Équipement scolaire",
            "Ordinateurs école",
        ],
        "other": ["Autre", "Divers"],
    }
)
# when no synonym matches a whole value (« Borne Wi-Fi de la salle des fêtes »): key words, first match wins
KIND_WORDS = (
    ("france services", "france_services"),
    ("mediation", "mediation_place"),
    ("wi-fi", "public_wifi"),
    ("wifi", "public_wifi"),
    ("portail", "online_platform"),
    ("gnau", "online_platform"),
    ("site internet", "online_platform"),
    ("site web", "online_platform"),
    ("teleservice", "online_platform"),
    ("fibre", "network_link"),
    ("raccordement", "network_link"),
    ("reseau", "network_link"),
    ("tablette", "school_equipment"),
    ("ecole", "school_equipment"),
    ("scolaire", "school_equipment"),
    ("tni", "school_equipment"),
    ("eni", "school_equipment"),
)

STATUSES = vocabulary(
    {
        "operational": [
            "En service",
            "Opérationnel",
            "Opérationnelle",
            "Actif",
            "Active",
            "En fonctionnement",
            "Fonctionnel",
            "Fonctionnelle",
            "Ouvert",
            "Ouverte",
            "Installé",
            "Installée",
            "Déployé",
            "Déployée",
            "En ligne",
            "OK",
        ],
        "planned": [
            "Prévu",
            "Prévue",
            "En projet",
            "Projet",
            "Planifié",
            "Planifiée",
            "Programmé",
            "Programmée",
            "À venir",
            "A venir",
            "En cours de déploiement",
            "En cours d'installation",
            "À déployer",
            "En commande",
        ],
        "degraded": [
            "Dégradé",
            "Dégradée",
            "En panne",
            "Panne",
            "En panne partielle",
            "Partiellement fonctionnel",
            "Dysfonctionnement",
            "En dysfonctionnement",
            "En maintenance",
            "Instable",
            "À réparer",
        ],
        "retired": [
            "Retiré",
            "Retirée",
            "Hors service",
            "HS",
            "Supprimé",
            "Supprimée",
            "Désinstallé",
            "Désinstallée",
            "Fermé",
            "Fermée",
            "Arrêté",
            "Arrêtée",
            "Démonté",
            "Démontée",
            "Désactivé",
            "Désactivée",
            "Abandonné",
            "Abandonnée",
        ],
    }
)

# the register's headers: canonical column → exact synonyms (normal forms), then key words
HEADERS = {
    "asset_id": [
        "Identifiant",
        "Identifiant de l'équipement",
        "Identifiant équipement",
        "ID",
        "Id",
        "Référence",
        "Code équipement",
        "Code",
        "N°",
        "Numéro",
        "N° d'inventaire",
        "Numéro d'inventaire",
    ],
    "kind": [
        "Type",
        "Nature",
        "Type d'équipement",
        "Nature de l'équipement",
        "Type d'équipement ou de plateforme",
        "Type de plateforme",
        "Catégorie",
        "Famille",
    ],
    "label": ["Nom", "Libellé", "Désignation", "Intitulé", "Nom de l'équipement", "Libellé de l'équipement"],
    "commune": [
        "Code INSEE",
        "Commune (code INSEE)",
        "Code commune",
        "Code INSEE commune",
        "Code INSEE de la commune",
        "INSEE",
        "Commune",
    ],
    "status": ["État", "Etat", "Statut", "Situation", "État de l'équipement", "Statut de l'équipement"],
    "since": [
        "Date de mise en service",
        "Mise en service",
        "Date de mise en ligne",
        "Mise en ligne",
        "Date d'installation",
        "Date d'ouverture",
        "En service depuis",
    ],
    "until": [
        "Date de retrait",
        "Retrait",
        "Date de mise hors service",
        "Date de fermeture",
        "Date de fin",
        "Date de désinstallation",
    ],
    "rgaa_rate": [
        "Taux de conformité RGAA",
        "Conformité RGAA",
        "Taux RGAA",
        "RGAA",
        "Taux de conformité",
        "Taux de conformité RGAA (%)",
    ],
    "accessibility_statement_date": [
        "Date de la déclaration d'accessibilité",
        "Date de déclaration d'accessibilité",
        "Déclaration d'accessibilité",
        "Date déclaration d'accessibilité",
        "Date de la déclaration",
    ],
    "franceconnect": ["FranceConnect", "France Connect", "Connexion FranceConnect", "FranceConnect ?"],
}
HEADER_WORDS = {
    "since": ["mise en service", "mise en ligne", "installation"],
    "until": ["retrait", "hors service", "fermeture"],
    "rgaa_rate": ["rgaa"],
    "accessibility_statement_date": ["declaration d'accessibilite"],
    "franceconnect": ["franceconnect", "france connect"],
}
# columns only an inventory has: one of them is enough to take the file as a register (not the
# retirement date: « Date de fin » is also a case log's decision date)
SPECIFIC = ("since", "rgaa_rate", "accessibility_statement_date", "franceconnect")

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def register_columns(header: list[str]) -> dict[str, str]:
    """canonical column → the register's header (exact synonyms first, then key words)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for canonical, synonyms in HEADERS.items():
        found = next((h for s in synonyms for h in header if h not in used and norm(h) == norm(s)), None)
        if found:
            out[canonical] = found
            used.add(found)
    for canonical, words in HEADER_WORDS.items():
        if canonical not in out:
            found = find_like(header, *words, exclude=used)
            if found:
                out[canonical] = found
                used.add(found)
    return out


def kind_of(value: str) -> str | None:
    """The kind code a French word names (vocabulary, then key words), or None."""
    key = norm(value)
    if key in KINDS:
        return KINDS[key]
    words = set(re.split(r"[^a-z0-9-]+", key))
    for word, kind in KIND_WORDS:
        if (word in words) if len(word) <= 4 else (word in key):
            return kind
    return None


def status_of(value: str) -> str | None:
    return STATUSES.get(norm(value))


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Text → date (dd/mm/yyyy day first, ISO, with or without a time); null when unreadable."""
    text = expr.str.strip_chars().str.replace(r"^(\S+)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "$1")
    return pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in _DATE_FORMATS])


def iso_or_text(expr: pl.Expr) -> pl.Expr:
    """A readable date as ISO text, unreadable text as written (``coerce`` then refuses it with its reason)."""
    parsed = parse_date(expr)
    text = expr.str.strip_chars()
    return (
        pl.when(text.is_null() | (text == ""))
        .then(None)
        .otherwise(pl.coalesce(parsed.dt.to_string("%Y-%m-%d"), text))
    )


def rgaa_fraction(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(rate as a fraction, whether it is outside 0–100 %) from « 75 % », « 0,75 », « 75 »."""
    text = expr.str.strip_chars()
    percent = text.str.contains("%")
    number = (
        text.str.replace_all(r"[%\s\u00a0\u202f]", "")
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False)
    )
    fraction = pl.when(percent | (number > 1)).then(number / 100).otherwise(number)
    outside = number.is_not_null() & ((number < 0) | (fraction > 1))
    return fraction, outside


def commune_checks(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Rejection]]:
    """Normalise ``commune`` to an INSEE code; a name or a malformed code becomes a rejected row."""
    values = frame.get_column("commune").drop_nulls().unique().to_list()
    mapping = {v: (commune_code(v) if v.strip() else None) for v in values}
    written = pl.col("_commune_written")
    frame = frame.with_columns(pl.col("commune").alias("_commune_written"))
    if mapping:
        frame = frame.with_columns(replace_values("commune", mapping).alias("commune"))
    c = pl.col("commune")
    is_code = c.str.contains(_INSEE.pattern)
    looks_name = c.str.contains(r"[A-Za-zÀ-ÿ]{3,}")
    frame, by_name = split_rejected(
        frame,
        c.is_not_null() & ~is_code & looks_name,
        "commune",
        "commune_name",
        written,
        pl.format(
            "Commune « {} » : indiquez son code INSEE (5 caractères, par exemple 39901 ou 2A004) et non son nom ; "
            "les noms de communes ne sont pas rapprochés des codes.",
            written,
        ),
    )
    frame, malformed = split_rejected(
        frame,
        c.is_not_null() & ~c.str.contains(_INSEE.pattern),
        "commune",
        "insee_malformed",
        written,
        pl.format(
            "Code INSEE « {} » mal formé : 5 caractères sont attendus, des chiffres (01001) ou 2A/2B suivis "
            "de 3 chiffres pour la Corse (2A004).",
            written,
        ),
    )
    return frame.drop("_commune_written"), by_name + malformed


def keep_communes(frame: pl.DataFrame, ctx: MapContext, what: str) -> pl.DataFrame:
    """The rows of the authority's communes (all rows when the plan names none); a note says how many."""
    total = frame.height
    if not ctx.communes:
        ctx.notes.append(f"{what} : {total} ligne(s) gardée(s) (aucune liste de communes dans le plan)")
        return frame
    kept = frame.filter(pl.col("commune").is_in(sorted(ctx.communes)))
    ctx.notes.append(
        f"{what} : {kept.height} ligne(s) gardée(s) sur {total}, celles des {len(ctx.communes)} communes du plan"
    )
    return kept


def _ids(frame: pl.DataFrame, column: str, ctx: MapContext, prefix: str) -> pl.DataFrame:
    """``source_id`` and ``asset_id`` from the file's identifier, or a content hash when it has none."""
    hashed = stable_row_ids(frame, [c for c in frame.columns if c != LINE_COL], prefix, salt=ctx.salt)
    ident = pl.col(column).str.strip_chars()
    ident = pl.when(ident == "").then(None).otherwise(ident)
    return frame.with_columns(pl.coalesce(ident, pl.lit(hashed)).alias("source_id")).with_columns(
        pl.col("source_id").alias("asset_id")
    )


def _rule_checks(out: pl.DataFrame) -> tuple[pl.DataFrame, list[Rejection]]:
    """Rejected rows on RGAA outside 0–100 %, a statement in the future, a retirement before commissioning."""
    rejected: list[Rejection] = []
    raw_rate = pl.col("rgaa_rate")
    fraction, outside = rgaa_fraction(raw_rate)
    out, rej = split_rejected(
        out,
        outside,
        "rgaa_rate",
        "rgaa_outside",
        raw_rate,
        pl.format("Taux de conformité RGAA « {} » hors de l'intervalle 0 à 100 %.", raw_rate),
    )
    rejected += rej
    out = out.with_columns(
        pl.when(fraction.is_not_null())
        .then(fraction.round(6).cast(pl.String))
        .otherwise(raw_rate)
        .alias("rgaa_rate")
    )
    statement = parse_date(pl.col("accessibility_statement_date"))
    today = dt.date.today()
    out, rej = split_rejected(
        out,
        statement > pl.lit(today),
        "accessibility_statement_date",
        "statement_in_future",
        pl.col("accessibility_statement_date"),
        pl.format(
            "Déclaration d'accessibilité datée du {}, dans le futur (aujourd'hui : {}) : corrigez la date.",
            statement.dt.to_string("%d/%m/%Y"),
            pl.lit(today.strftime("%d/%m/%Y")),
        ),
    )
    rejected += rej
    since, until = parse_date(pl.col("since")), parse_date(pl.col("until"))
    out, rej = split_rejected(
        out,
        until < since,
        "until",
        "until_before_since",
        pl.col("until"),
        pl.format(
            "Date de retrait ({}) antérieure à la mise en service ({}) : l'une des deux dates est fausse.",
            until.dt.to_string("%d/%m/%Y"),
            since.dt.to_string("%d/%m/%Y"),
        ),
    )
    rejected += rej
    out = out.with_columns(
        iso_or_text(pl.col("since")).alias("since"),
        iso_or_text(pl.col("until")).alias("until"),
        iso_or_text(pl.col("accessibility_statement_date")).alias("accessibility_statement_date"),
    )
    return out, rejected


def _translated(frame: pl.DataFrame, column: str, fn) -> pl.Expr:
    values = frame.get_column(column).drop_nulls().unique().to_list()
    mapping = {v: (fn(v) if v.strip() else None) for v in values}
    if not mapping:
        return pl.lit(None, pl.String)
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


class EquipmentRegister:
    """The authority's register of equipment and platforms (French headers, CSV or XLSX)."""

    name = "inventaire des équipements et plateformes numériques (tableur)"
    source = REGISTER_SOURCE

    def signature(self) -> list[str]:
        return [
            "Identifiant",
            "Type",
            "Nom",
            "Commune",
            "État",
            "Date de mise en service",
            "Date de retrait",
            "Taux de conformité RGAA",
            "Date de la déclaration d'accessibilité",
            "FranceConnect",
        ]

    def affinity(self, raw: RawTable) -> float:
        return len(register_columns(raw.header)) / len(HEADERS)

    def matches(self, raw: RawTable) -> bool:
        found = register_columns(raw.header)
        if "kind" not in found or "label" not in found:
            return False
        if any(c in found for c in SPECIFIC):
            return True
        values = raw.frame.get_column(found["kind"]).drop_nulls().unique().to_list()[:200]
        values = [v for v in values if v.strip()]
        return bool(values) and sum(kind_of(v) is not None for v in values) >= 0.8 * len(values)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        frame = raw.frame
        found = register_columns(raw.header)
        kind_col, status_col = found["kind"], found.get("status")
        out = frame.select(
            col(frame, found.get("asset_id")).alias("_ident"),
            col(frame, kind_col).str.strip_chars().alias("_kind_raw"),
            _translated(frame, kind_col, kind_of).alias("kind"),
            col(frame, found.get("label")).str.strip_chars().pipe(mask_free_text).alias("label"),
            col(frame, found.get("commune")).str.strip_chars().alias("commune"),
            col(frame, status_col).str.strip_chars().alias("_status_raw"),
            (_translated(frame, status_col, status_of) if status_col else pl.lit(None, pl.String)).alias(
                "status"
            ),
            *(
                col(frame, found.get(c)).alias(c)
                for c in ("since", "until", "rgaa_rate", "accessibility_statement_date", "franceconnect")
            ),
            pl.col(LINE_COL),
        )
        known_kinds = ", ".join(f"« {v} »" for v in KIND_LABELS.values())
        out, rej_kind = split_rejected(
            out,
            pl.col("kind").is_null() & pl.col("_kind_raw").is_not_null() & (pl.col("_kind_raw") != ""),
            "kind",
            "kind_unknown",
            pl.col("_kind_raw"),
            pl.format(
                "Type d'équipement « {} » inconnu. Types reconnus : {} (par exemple « borne wifi », "
                "« raccordement fibre », « portail famille », « GNAU », « TNI »).",
                pl.col("_kind_raw"),
                pl.lit(known_kinds),
            ),
        )
        out, rej_no_kind = split_rejected(
            out,
            pl.col("kind").is_null(),
            "kind",
            "kind_missing",
            pl.col("_kind_raw"),
            pl.lit("Type d'équipement manquant : indiquez la nature de l'équipement ou de la plateforme."),
        )
        known_statuses = ", ".join(f"« {v} »" for v in STATUS_LABELS.values())
        raw_status = pl.col("_status_raw")
        out, rej_status = split_rejected(
            out,
            pl.col("status").is_null() & raw_status.is_not_null() & (raw_status != ""),
            "status",
            "status_unknown",
            raw_status,
            pl.format(
                "État « {} » inconnu. États reconnus : {} (et « hors service », « en projet », « en panne »…).",
                raw_status,
                pl.lit(known_statuses),
            ),
        )
        # no status written: retired when a retirement date is given, else operational
        until_given = pl.col("until").is_not_null() & (pl.col("until").str.strip_chars() != "")
        out = out.with_columns(
            pl.coalesce(
                pl.col("status"),
                pl.when(until_given).then(pl.lit("retired")).otherwise(pl.lit("operational")),
            )
        )
        out, rej_commune = commune_checks(out)
        out, rej_rules = _rule_checks(out)
        out = _ids(out, "_ident", ctx, "e").with_columns(pl.lit(REGISTER_SOURCE).alias("source"))
        out = out.drop("_ident", "_kind_raw", "_status_raw")
        rejected = rej_kind + rej_no_kind + rej_status + rej_commune + rej_rules
        return [Mapped("equipment", REGISTER_SOURCE, out, tuple(rejected))]


def _has_label(frame: pl.DataFrame, columns: list[str], label: str) -> pl.Expr:
    """Whether any of the list columns holds ``label`` (normal forms, any separator)."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return pl.lit(False)
    wanted = norm(label)
    checks = []
    for c in present:
        values = frame.get_column(c).drop_nulls().unique().to_list()
        hits = [v for v in values if wanted in norm(v)]
        checks.append(pl.col(c).is_in(hits).fill_null(False))
    return pl.any_horizontal(checks)


class MediationPlaces:
    """ANCT's national list of « lieux de médiation numérique » (its data schema)."""

    name = "lieux de médiation numérique (schéma de données de l'ANCT)"
    source = MEDIATION_SOURCE
    REQUIRED = ("id", "nom", "commune", "code_postal", "adresse")
    # columns of this schema only (data·inclusion's structures share the others, not these)
    ANY_OF = ("pivot", "dispositif_programmes_nationaux", "modalites_accompagnement")

    def signature(self) -> list[str]:
        return [
            "id",
            "pivot",
            "nom",
            "commune",
            "code_postal",
            "code_insee",
            "adresse",
            "services",
            "date_maj",
            "labels_nationaux",
        ]

    def matches(self, raw: RawTable) -> bool:
        header = set(raw.header)
        return all(c in header for c in self.REQUIRED) and any(c in header for c in self.ANY_OF)

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        frame = raw.frame
        france_services = _has_label(
            frame, ["labels_nationaux", "dispositif_programmes_nationaux"], "France Services"
        ) | (
            col(frame, "typologie")
            .str.to_uppercase()
            .str.contains(r"(^|[^A-Z])RFS([^A-Z]|$)")
            .fill_null(False)
            if "typologie" in frame.columns
            else pl.lit(False)
        )
        out = frame.select(
            col(frame, "id").alias("_ident"),
            pl.when(france_services)
            .then(pl.lit("france_services"))
            .otherwise(pl.lit("mediation_place"))
            .alias("kind"),
            col(frame, "nom").str.strip_chars().pipe(mask_free_text).alias("label"),
            col(frame, "code_insee").str.strip_chars().alias("commune"),
            pl.lit("operational").alias("status"),
            pl.col(LINE_COL),
        )
        out, rejected = commune_checks(out)
        out = keep_communes(out, ctx, "lieux de médiation numérique (liste nationale)")
        out = (
            _ids(out, "_ident", ctx, "m")
            .with_columns(pl.lit(MEDIATION_SOURCE).alias("source"))
            .drop("_ident")
        )
        return [Mapped("equipment", MEDIATION_SOURCE, out, tuple(rejected))]


class FranceServicesList:
    """ANCT's list of France Services (``id_fs``, ``lib_fs``, ``insee_com``…)."""

    name = "liste des France Services (ANCT)"
    source = FRANCE_SERVICES_SOURCE

    def signature(self) -> list[str]:
        return ["id_fs", "lib_fs", "insee_com", "lib_com", "code_postal", "adresse", "labellisation"]

    def matches(self, raw: RawTable) -> bool:
        header = {norm(h) for h in raw.header}
        return {"id_fs", "lib_fs", "insee_com"} <= header

    def map(self, raw: RawTable, ctx: MapContext) -> list[Mapped]:
        frame = raw.frame
        names = {norm(h): h for h in raw.header}
        out = frame.select(
            col(frame, names.get("id_fs")).alias("_ident"),
            pl.lit("france_services").alias("kind"),
            col(frame, names.get("lib_fs")).str.strip_chars().pipe(mask_free_text).alias("label"),
            col(frame, names.get("insee_com")).str.strip_chars().alias("commune"),
            pl.lit("operational").alias("status"),
            iso_or_text(col(frame, names.get("labellisation"))).alias("since"),
            pl.col(LINE_COL),
        )
        out, rejected = commune_checks(out)
        out = keep_communes(out, ctx, "France Services (liste nationale)")
        out = (
            _ids(out, "_ident", ctx, "f")
            .with_columns(pl.lit(FRANCE_SERVICES_SOURCE).alias("source"))
            .drop("_ident")
        )
        return [Mapped("equipment", FRANCE_SERVICES_SOURCE, out, tuple(rejected))]
