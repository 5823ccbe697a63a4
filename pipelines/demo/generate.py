"""Seeded generator of the demo authority (Communauté de communes du Val de Sorne, fictional).

Five years (2022-01-01 → 2026-10-31) of requests, instructed cases and survey answers that tell the
story of a digital transformation plan: online take-up rising after the 2024 pilot, delays falling on
most services but rising on planning permits (urbanisme), satisfaction improving. Everything is drawn
with vectorised numpy sampling from one ``numpy.random.default_rng(seed)``, so a seed and a scale give
byte-identical CSVs.
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo.diagnostic import write_diagnostic
from schemas.registry import DATASETS

DEMO_START = datetime.date(2022, 1, 1)
DEMO_END = datetime.date(2026, 10, 31)
PLAN_FILE = Path(__file__).with_name("plan.toml")
SOURCE = "demo"

N_DAYS = (DEMO_END - DEMO_START).days + 1
DAY = 86_400
END_SEC = N_DAYS * DAY - 1  # 2026-10-31 23:59:59, in seconds since DEMO_START
_START_US = int((datetime.datetime(2022, 1, 1) - datetime.datetime(1970, 1, 1)).total_seconds()) * 1_000_000

AUTHORITY = {"name": "Communauté de communes du Val de Sorne (démo)", "siren": "999390016"}

# (INSEE code, name, population): fictional communes with valid-format codes (Jura, 39).
COMMUNES: tuple[tuple[str, str, int], ...] = (
    ("39901", "Saint-Aubin-de-Sorne", 7400),
    ("39902", "Sorne-le-Château", 4100),
    ("39903", "Montrevel-la-Côte", 3300),
    ("39904", "Perrigny-Saint-Jean", 2600),
    ("39905", "Villers-en-Revermont", 1700),
    ("39906", "La Chapelle-Vaudrey", 1300),
    ("39907", "Chaumont-les-Vignes", 1050),
    ("39908", "Frontenay-le-Moutier", 900),
    ("39909", "Bois-d'Amont-sur-Sorne", 700),
    ("39910", "Les Granges-Basses", 520),
    ("39911", "Marigny-sous-Roche", 430),
    ("39912", "Écrille-la-Forêt", 310),
)
AGE_BANDS = ("<25", "25-39", "40-59", "60-74", "75+")
CHANNELS = ("online", "assisted", "counter", "phone", "mail", "email", "other")
OUTCOMES = ("completed", "abandoned", "rejected", "pending")
STATUSES = ("submitted", "in_review", "accepted", "rejected", "closed_without_decision")

# Monthly seasonality profiles (January → December); the mean is normalised away.
SEASONS = {
    "flat": (1.0, 1.0, 1.05, 1.0, 1.0, 1.0, 0.9, 0.6, 1.05, 1.05, 1.0, 0.85),
    "school": (0.35, 0.45, 0.8, 1.2, 2.3, 2.5, 1.7, 1.4, 1.6, 0.5, 0.35, 0.3),
    "canteen": (0.7, 0.7, 0.8, 0.9, 1.3, 1.6, 1.5, 1.6, 2.1, 0.9, 0.7, 0.6),
    "passport": (0.7, 0.9, 1.35, 1.55, 1.65, 1.6, 1.4, 0.75, 0.8, 0.7, 0.7, 0.6),
    "building": (0.7, 0.8, 1.2, 1.35, 1.3, 1.2, 1.0, 0.55, 1.0, 1.0, 0.9, 0.7),
    "winter": (1.3, 1.2, 1.1, 0.9, 0.9, 0.85, 0.8, 0.6, 0.95, 1.05, 1.15, 1.2),
    "moves": (1.3, 0.9, 0.9, 0.9, 1.0, 1.2, 1.3, 1.0, 1.3, 1.0, 0.8, 0.7),
    "spring": (1.4, 1.5, 1.5, 1.3, 1.0, 0.9, 0.7, 0.5, 0.9, 0.9, 0.8, 0.7),
    "events": (0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 0.9, 0.5, 1.5, 1.2, 0.9, 0.8),
    "toussaint": (0.9, 0.9, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.9, 1.5, 1.6, 0.9),
}
# Registration rush before elections (presidential 2022, European 2024, municipal 2026).
ELECTION_RUSH = {
    (2022, 2): 3.0,
    (2022, 3): 2.5,
    (2024, 4): 2.5,
    (2024, 5): 2.0,
    (2026, 1): 2.5,
    (2026, 2): 3.5,
}


@dataclass(frozen=True)
class Service:
    slug: str
    label: str
    share: float  # share of all requests
    season: str
    digital: float  # logit offset of the online share
    case_share: float = 0.0  # share of non-abandoned requests that become an instructed case
    deadline: float | None = None  # announced delay, days
    delay0: float = 0.0  # median delay in 2022 (days)
    delay1: float = 0.0  # median delay in late 2026 (days)
    sigma: float = 0.6  # lognormal spread of delays
    reject: float = 0.03  # rejection rate


# fmt: off
SERVICES: tuple[Service, ...] = (
    Service("etat-civil", "État civil", 0.22, "flat", 0.6, 0.36, 10, 6.0, 2.5, 0.65, 0.02),
    Service("cni-passeport", "Carte d'identité et passeport", 0.15, "passport", -0.3, 0.45, 60, 44, 20, 0.5, 0.02),
    Service("inscription-scolaire", "Inscription scolaire", 0.06, "school", 0.4, 0.40, 30, 14, 7, 0.6, 0.02),
    Service("cantine-periscolaire", "Cantine et périscolaire", 0.08, "canteen", 0.8),
    Service("urbanisme", "Urbanisme (permis et déclarations préalables)", 0.07, "building", 0.0, 0.36, 60, 36, 62, 0.45, 0.08),
    Service("stationnement-residentiel", "Stationnement résidentiel", 0.06, "spring", 0.5, 0.34, 15, 9, 4, 0.6, 0.04),
    Service("dechets-badges", "Badges de déchèterie", 0.04, "moves", 0.3),
    Service("eau-assainissement", "Eau et assainissement", 0.04, "moves", 0.2),
    Service("aide-sociale-ccas", "Aide sociale (CCAS)", 0.06, "winter", -1.0, 0.36, 60, 34, 24, 0.5, 0.12),
    Service("creche", "Accueil en crèche", 0.03, "spring", -0.2, 0.45, 90, 70, 55, 0.4, 0.15),
    Service("associations-salles", "Associations et prêt de salles", 0.06, "events", 0.0, 0.32, 30, 18, 10, 0.55, 0.05),
    Service("voirie-signalement", "Signalements voirie", 0.04, "winter", 0.3),
    Service("cimetiere", "Cimetière et concessions", 0.02, "toussaint", -1.2),
    Service("recensement-citoyen", "Recensement citoyen", 0.03, "flat", 0.0),
    Service("listes-electorales", "Inscription sur les listes électorales", 0.03, "flat", 0.5),
)
SERVICE_LABELS = {s.slug: s.label for s in SERVICES}

# Time knots (date, value), linearly interpolated.
DIGITAL_SHARE = [((2022, 1, 1), 0.28), ((2024, 1, 1), 0.32), ((2024, 6, 1), 0.35), ((2025, 6, 1), 0.50), ((2026, 10, 31), 0.67)]
ASSISTED_SHARE = [((2024, 1, 1), 0.0), ((2024, 3, 1), 0.03), ((2025, 6, 1), 0.08), ((2026, 10, 31), 0.11)]  # of digital
ONLINE_ABANDON = [((2022, 1, 1), 0.14), ((2024, 6, 1), 0.11), ((2026, 10, 31), 0.06)]
PROGRESS = [((2022, 1, 1), 0.0), ((2024, 1, 1), 0.12), ((2024, 6, 1), 0.2), ((2026, 10, 31), 1.0)]  # delays
SATISFACTION = [((2022, 1, 1), 0.0), ((2024, 1, 1), 0.1), ((2024, 6, 1), 0.2), ((2026, 1, 1), 0.85), ((2026, 10, 31), 1.0)]
SURVEY_VOLUME = [((2022, 1, 1), 0.6), ((2024, 5, 31), 0.6), ((2024, 6, 1), 1.3), ((2026, 10, 31), 1.4)]
# fmt: on

# Offline channels (counter, phone, mail, email, other) and survey score categories 1..5.
OFFLINE_SPLIT = np.array([0.55, 0.17, 0.10, 0.13, 0.05])
SCORES_BEFORE = np.array([0.09, 0.13, 0.25, 0.35, 0.18])
SCORES_AFTER = np.array([0.03, 0.06, 0.14, 0.42, 0.35])
AGES_DIGITAL = np.array([0.14, 0.36, 0.34, 0.12, 0.04])
AGES_OFFLINE = np.array([0.08, 0.22, 0.32, 0.23, 0.15])
WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.35, 0.12])  # Monday → Sunday
HOURS_ONLINE = np.array(
    [1, 0.5, 0, 0.2, 0.2, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 6, 6, 6, 5, 5, 4, 2], float
)
HOURS_OFFICE = np.array([0, 0, 0, 0, 0, 0, 0, 0.3, 4, 8, 9, 8, 3, 3, 8, 8, 7, 5, 1, 0, 0, 0, 0, 0], float)

COMMENTS = {
    "neg": (
        "Délai beaucoup trop long.",
        "Impossible de joindre le service par téléphone.",
        "Le formulaire bloque à la dernière étape.",
        "On m'a demandé deux fois les mêmes pièces.",
        "Pas de réponse à mon courriel.",
        "Trop compliqué pour les personnes âgées.",
    ),
    "mid": (
        "Correct dans l'ensemble.",
        "Un peu long mais le résultat est là.",
        "Le site pourrait être plus lisible sur téléphone.",
        "Il manque un suivi de l'avancement du dossier.",
    ),
    "pos": (
        "Très pratique, démarche rapide.",
        "Merci pour la réactivité du service.",
        "Formulaire clair et simple à remplir.",
        "Accueil très aimable à la mairie.",
        "Plus besoin de se déplacer, c'est parfait.",
        "Réponse obtenue en quelques jours.",
    ),
}


@dataclass(frozen=True)
class Profile:
    """What makes one authority's story: its communes (weights of the requests) and its trajectories
    (take-up, delays, satisfaction), as time knots. The defaults are the demo authority's; the
    territory demo (:mod:`pipelines.demo.territory`) gives each member its own."""

    communes: tuple[tuple[str, str, int], ...] = COMMUNES
    digital_share: tuple = tuple(DIGITAL_SHARE)
    progress: tuple = tuple(PROGRESS)  # of delays, from delay0 (0) to delay1 (1); negative: worse
    satisfaction: tuple = tuple(SATISFACTION)


DEMO_PROFILE = Profile()


@dataclass(frozen=True)
class DemoFiles:
    data_dir: Path
    plan: Path
    usage: Path
    processing: Path
    survey: Path


def _day(y: int, m: int, d: int) -> int:
    """Day index of a date, counted from DEMO_START."""
    return (datetime.date(y, m, d) - DEMO_START).days


def _curve(days: np.ndarray, knots: list) -> np.ndarray:
    """Piecewise-linear curve through (date, value) knots, flat outside them."""
    return np.interp(days, [_day(*k) for k, _ in knots], [v for _, v in knots])


_DAYS = np.arange(N_DAYS)
_DATES = np.datetime64("2022-01-01") + _DAYS
_MONTH = _DATES.astype("datetime64[M]").astype(int) % 12  # 0 = January
_YEAR = _DATES.astype("datetime64[Y]").astype(int) + 1970
_WEEKDAY = (_DAYS + DEMO_START.weekday()) % 7
# Days when Paris clocks jump from 02:00 to 03:00: no wall-clock time exists in that hour.
_DST_DAYS = np.array(
    [_day(y, 3, 31) - (datetime.date(y, 3, 31).weekday() + 1) % 7 for y in range(2022, 2027)]
)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return (u[:, None] >= cum[:, :-1]).sum(axis=1)


def _sample_days(rng: np.random.Generator, n: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw n (row, day) cells from a (k, N_DAYS) weight matrix; return (row index, day index)."""
    cells = rng.choice(weights.size, size=n, p=(weights / weights.sum()).ravel())
    return cells // N_DAYS, cells % N_DAYS


def _clock(rng: np.random.Generator, days: np.ndarray, office: np.ndarray) -> np.ndarray:
    """Seconds since DEMO_START: a day plus a time of day (office hours unless online)."""
    hour = np.where(
        office,
        rng.choice(24, size=len(days), p=HOURS_OFFICE / HOURS_OFFICE.sum()),
        rng.choice(24, size=len(days), p=HOURS_ONLINE / HOURS_ONLINE.sum()),
    )
    return days.astype(np.int64) * DAY + hour * 3600 + rng.integers(0, 3600, size=len(days))


def _wall_clock(secs: np.ndarray) -> np.ndarray:
    """Clamp times in the spring-forward gap (02:00–03:00) to 03:00 (monotone, so order is kept)."""
    gap = np.isin(secs // DAY, _DST_DAYS) & ((secs % DAY) // 3600 == 2)
    return np.where(gap, secs // DAY * DAY + 3 * 3600, secs)


def _timestamps(secs: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
    """Datetime series from seconds since DEMO_START (null where mask is False)."""
    us = pl.Series(_wall_clock(secs).astype(np.int64) * 1_000_000 + _START_US)
    if mask is not None:
        us = pl.select(pl.when(pl.Series(mask)).then(us)).to_series()
    return us.cast(pl.Datetime("us"))


def _gather(values, idx: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
    """values[idx] as a polars Series, null where mask is False."""
    out = pl.Series(list(values)).gather(pl.Series(idx, dtype=pl.UInt32))
    return out if mask is None else pl.select(pl.when(pl.Series(mask)).then(out)).to_series()


def _commune_age(
    rng: np.random.Generator,
    n: int,
    digital: np.ndarray,
    p_commune: float,
    p_age: float,
    communes: tuple = COMMUNES,
):
    """Commune (weighted by population) and age band (younger online) with their fill masks."""
    pop = np.array([c[2] for c in communes], float)
    commune = rng.choice(len(communes), size=n, p=pop / pop.sum())
    age = _categorical(rng, np.where(digital[:, None], AGES_DIGITAL, AGES_OFFLINE))
    return commune, rng.random(n) < p_commune, age, rng.random(n) < p_age


def _finish(name: str, prefix: str, time_col: str, columns: dict[str, pl.Series]) -> pl.DataFrame:
    """Sort by time, add lineage columns and cast to the canonical column order and types."""
    schema = DATASETS[name].polars_schema
    frame = pl.DataFrame(columns).sort(time_col, maintain_order=True, nulls_last=True)
    ids = pl.format(f"{prefix}{{}}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7))
    frame = frame.with_columns(pl.lit(SOURCE).alias("source"), ids.alias("source_id"))
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def _usage(rng: np.random.Generator, n: int, profile: Profile = DEMO_PROFILE) -> dict[str, np.ndarray]:
    """Requests: service and day by seasonality, channel by the take-up curve, outcome by recency."""
    season = np.array([SEASONS[s.season] for s in SERVICES])[:, _MONTH]
    season /= season.mean(axis=1, keepdims=True)
    rush = np.array([ELECTION_RUSH.get((y, m + 1), 1.0) for y, m in zip(_YEAR, _MONTH, strict=True)])
    season[[s.slug for s in SERVICES].index("listes-electorales")] *= rush
    shares = np.array([s.share for s in SERVICES])[:, None]
    weights = (
        season / season.sum(axis=1, keepdims=True) * shares * WEEKDAY[_WEEKDAY] * (1 + 0.03 * (_YEAR - 2022))
    )
    svc, day = _sample_days(rng, n, weights)

    base = _curve(day, profile.digital_share)
    logit = np.log(base / (1 - base)) + np.array([s.digital for s in SERVICES])[svc]
    digital = rng.random(n) < 1 / (1 + np.exp(-logit))
    assisted = rng.random(n) < _curve(day, ASSISTED_SHARE)
    offline = 2 + rng.choice(5, size=n, p=OFFLINE_SPLIT)
    channel = np.where(digital, np.where(assisted, 1, 0), offline)
    secs = _clock(rng, day, channel != 0)

    p_abandon = np.select([channel == 0, channel == 2], [_curve(day, ONLINE_ABANDON), 0.01], 0.03)
    p_reject = np.array([s.reject for s in SERVICES])[svc] * 0.6
    age_days = (END_SEC - secs) / DAY
    p_pending = 0.8 * np.exp(-age_days / 12)
    u = rng.random(n)
    outcome = np.select([u < p_abandon, u < p_abandon + p_reject, rng.random(n) < p_pending], [1, 2, 3], 0)
    commune, has_commune, age, has_age = _commune_age(rng, n, digital, 0.93, 0.70, profile.communes)
    return dict(
        svc=svc,
        secs=secs,
        channel=channel,
        outcome=outcome,
        commune=commune,
        has_commune=has_commune,
        age=age,
        has_age=has_age,
    )


def _processing(
    rng: np.random.Generator, usage: dict[str, np.ndarray], profile: Profile = DEMO_PROFILE
) -> dict[str, np.ndarray]:
    """Cases drawn from instructed requests, with lognormal delays and open cases at the cut-off."""
    case_share = np.array([s.case_share for s in SERVICES])
    pick = (usage["outcome"] != 1) & (rng.random(len(usage["svc"])) < case_share[usage["svc"]])
    svc, secs = usage["svc"][pick], usage["secs"][pick]
    n, day = len(svc), secs // DAY

    d0, d1 = (np.log([getattr(s, a) or 1.0 for s in SERVICES]) for a in ("delay0", "delay1"))
    season = np.array([SEASONS[s.season] for s in SERVICES])
    load = 1 + 0.25 * (season[svc, _MONTH[day]] / season.mean(axis=1)[svc] - 1)
    median = np.exp(d0[svc] + (d1 - d0)[svc] * _curve(day, profile.progress)) * load
    sigma = np.array([s.sigma for s in SERVICES])[svc]
    delay = np.maximum(median * np.exp(sigma * rng.standard_normal(n)), 0.02)
    decided = secs + np.round(delay * DAY).astype(np.int64)
    started = secs + np.round(delay * DAY * rng.beta(1.5, 6, size=n)).astype(np.int64)

    u = rng.random(n)
    reject = np.array([s.reject for s in SERVICES])[svc]
    status = np.select([u < reject, u < reject + 0.025], [3, 4], 2)
    backlog = (secs < _day(2026, 5, 1) * DAY) & (rng.random(n) < 0.002)  # old forgotten cases
    open_ = (decided > END_SEC) | backlog
    status = np.where(open_, np.where(started <= END_SEC, 1, 0), status)
    has_started = (status != 0) & (rng.random(n) < 0.88)
    deadline = np.array([s.deadline or np.nan for s in SERVICES])[svc]
    return dict(
        svc=svc,
        secs=secs,
        channel=usage["channel"][pick],
        commune=usage["commune"][pick],
        has_commune=usage["has_commune"][pick],
        started=started,
        has_started=has_started,
        decided=decided,
        open=open_,
        status=status,
        deadline=deadline,
    )


def _survey(rng: np.random.Generator, n: int, profile: Profile = DEMO_PROFILE) -> dict[str, np.ndarray]:
    """Survey answers on a 1–5 scale, better over time except for urbanisme; some partial answers."""
    shares = np.array([s.share for s in SERVICES])[:, None]
    weights = shares * (WEEKDAY[_WEEKDAY] * _curve(_DAYS, SURVEY_VOLUME))[None, :]
    svc, day = _sample_days(rng, n, weights)
    base = _curve(day, profile.digital_share)
    digital = rng.random(n) < 1 / (1 + np.exp(-(np.log(base / (1 - base)) + 0.4)))
    channel = np.where(
        digital,
        np.where(rng.random(n) < _curve(day, ASSISTED_SHARE), 1, 0),
        2 + rng.choice(5, size=n, p=OFFLINE_SPLIT),
    )
    secs = _clock(rng, day, channel != 0)

    w = _curve(day, profile.satisfaction) * np.where(
        svc == [s.slug for s in SERVICES].index("urbanisme"), 0.2, 1.0
    )
    raw = 1 + _categorical(rng, (1 - w)[:, None] * SCORES_BEFORE + w[:, None] * SCORES_AFTER)
    complete = rng.random(n) >= 0.08
    has_score = complete | (rng.random(n) < 0.4)
    score_10 = (raw - 1) / 4 * 10
    clarity = np.clip(np.rint(score_10 + rng.normal(0.3, 1.6, n)), 0, 10)
    nps = np.clip(np.rint(score_10 * 0.85 + 1.2 + rng.normal(0, 1.5, n)), 0, 10)
    mood = np.select([raw <= 2, raw == 3], [0, 1], 2)
    pools = [COMMENTS["neg"], COMMENTS["mid"], COMMENTS["pos"]]
    flat = [c for p in pools for c in p]
    offset = np.cumsum([0, *(len(p) for p in pools)])[mood]
    comment = offset + (rng.random(n) * np.array([len(p) for p in pools])[mood]).astype(int)
    commune, has_commune, age, has_age = _commune_age(rng, n, digital, 0.82, 0.65, profile.communes)
    return dict(
        svc=svc,
        has_svc=rng.random(n) < 0.92,
        secs=secs,
        has_time=rng.random(n) >= 0.003,
        channel=channel,
        has_channel=rng.random(n) < 0.85,
        raw=raw,
        has_score=has_score,
        score_10=score_10,
        clarity=clarity,
        has_clarity=complete & (rng.random(n) < 0.55),
        nps=nps,
        has_nps=complete & (rng.random(n) < 0.5),
        comments=flat,
        comment=comment,
        has_comment=complete & (rng.random(n) < 0.12),
        commune=commune,
        has_commune=has_commune,
        age=age,
        has_age=has_age,
        complete=complete,
    )


def _users(seed: int, channel: np.ndarray, scale: float) -> pl.Series:
    """The account (a fictitious e-mail) of each online or assisted request, as the portal's export
    gives it; none for the other channels. Drawn from a pool of 25 000 accounts (at scale 1) with
    its own generator, so that the other columns stay those of the same seed; hashed at import
    (``usage_events.user_key``), they give the FEDER indicator RCR11 its unique users."""
    rng = np.random.default_rng([seed, 17])
    pool = max(1, round(25_000 * scale))
    who = rng.integers(0, pool, size=len(channel))
    names = np.char.add(np.char.add("usager-", np.char.zfill(who.astype(str), 6)), "@demo.invalid")
    return pl.Series(np.where(channel <= 1, names, None).tolist(), dtype=pl.String)


def _float(values: np.ndarray, mask: np.ndarray) -> pl.Series:
    """Float64 series, null where mask is False."""
    return pl.Series(np.where(mask, values, np.nan).astype(float), nan_to_null=True)


def generate_frames(
    seed: int = 42, scale: float = 1.0, profile: Profile = DEMO_PROFILE
) -> dict[str, pl.DataFrame]:
    """Generate the three canonical tables of the demo authority ("usage", "processing", "survey"),
    or of another authority's ``profile`` (communes and trajectories)."""
    rng = np.random.default_rng(seed)
    slugs, labels = [s.slug for s in SERVICES], [s.label for s in SERVICES]
    codes = [c[0] for c in profile.communes]
    u = _usage(rng, max(0, round(200_000 * scale)), profile)
    p = _processing(rng, u, profile)
    s = _survey(rng, max(0, round(15_000 * scale)), profile)

    usage = _finish(
        "usage",
        "U",
        "submitted_at",
        {
            "submitted_at": _timestamps(u["secs"]),
            "service": _gather(slugs, u["svc"]),
            "service_label": _gather(labels, u["svc"]),
            "channel": _gather(CHANNELS, u["channel"]),
            "commune": _gather(codes, u["commune"], u["has_commune"]),
            "age_band": _gather(AGE_BANDS, u["age"], u["has_age"]),
            "outcome": _gather(OUTCOMES, u["outcome"]),
            "user_key": _users(seed, u["channel"], scale),
        },
    )
    processing = _finish(
        "processing",
        "D",
        "submitted_at",
        {
            "service": _gather(slugs, p["svc"]),
            "service_label": _gather(labels, p["svc"]),
            "channel": _gather(CHANNELS, p["channel"]),
            "submitted_at": _timestamps(p["secs"]),
            "started_at": _timestamps(p["started"], p["has_started"]),
            "decided_at": _timestamps(p["decided"], ~p["open"]),
            "status": _gather(STATUSES, p["status"]),
            "deadline_days": _float(p["deadline"], np.isfinite(p["deadline"])),
            "commune": _gather(codes, p["commune"], p["has_commune"]),
        },
    )
    scored = s["has_score"]
    survey = _finish(
        "survey",
        "S",
        "responded_at",
        {
            "responded_at": _timestamps(s["secs"], s["has_time"]),
            "service": _gather(slugs, s["svc"], s["has_svc"]),
            "service_label": _gather(labels, s["svc"], s["has_svc"]),
            "channel": _gather(CHANNELS, s["channel"], s["has_channel"]),
            "score_raw": _float(s["raw"], scored),
            "scale_min": _float(np.full(len(scored), 1.0), scored),
            "scale_max": _float(np.full(len(scored), 5.0), scored),
            "score_10": _float(s["score_10"], scored),
            "satisfied": pl.select(
                pl.when(pl.Series(scored)).then(pl.Series(s["score_10"] >= 7.5))
            ).to_series(),
            "clarity_10": _float(s["clarity"], s["has_clarity"]),
            "nps": _float(s["nps"], s["has_nps"]),
            "comment": _gather(s["comments"], s["comment"], s["has_comment"]),
            "age_band": _gather(AGE_BANDS, s["age"], s["has_age"]),
            "commune": _gather(codes, s["commune"], s["has_commune"]),
            "complete": pl.Series(s["complete"]),
        },
    )
    return {"usage": usage, "processing": processing, "survey": survey}


def write_frames(exports: Path, frames: dict[str, pl.DataFrame]) -> dict[str, Path]:
    """Write generated frames as the canonical CSVs under ``exports``; their paths by dataset name."""
    exports.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in frames.items():
        paths[name] = exports / f"{DATASETS[name].table}.csv"
        frame.write_csv(paths[name], datetime_format="%Y-%m-%d %H:%M:%S")
    return paths


def write_demo(data_dir: Path, seed: int = 42, scale: float = 1.0) -> DemoFiles:
    """Write the three canonical CSVs under data_dir/exports/ and copy the demo plan to data_dir/plan.toml."""
    data_dir = Path(data_dir)
    exports = data_dir / "exports"
    paths = write_frames(exports, generate_frames(seed=seed, scale=scale))
    write_diagnostic(exports)
    plan = data_dir / "plan.toml"
    shutil.copyfile(PLAN_FILE, plan)
    return DemoFiles(
        data_dir=data_dir,
        plan=plan,
        usage=paths["usage"],
        processing=paths["processing"],
        survey=paths["survey"],
    )
