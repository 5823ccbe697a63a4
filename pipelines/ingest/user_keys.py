"""The user's pseudonymous key (``usage_events.user_key``): a salted hash of an account or e-mail.

Some exports name the user of each request (Démarches Simplifiées: the usager's e-mail; a
canonical CSV: a ``user_key``, ``user`` or ``email`` column). The FEDER indicator RCR11 counts
unique users per year, so the ingest keeps a key that tells two requests of the same person apart
without saying who she is: BLAKE2b keyed with the warehouse's secret salt (``load.row_id_salt``,
the key of the content ids and of the maturity respondents), over the identity trimmed and
lower-cased (``Camille@Example.org`` and ``camille@example.org`` are one user). Without the salt
(a warehouse that predates it) SHA-1 of the same text, as ``stable_row_ids`` does. The identity
itself never reaches the warehouse: every adapter that reads one hashes it here, in ``map``.
"""

from __future__ import annotations

import hashlib

import polars as pl

COLUMN = "user_key"
# canonical CSV: the columns that may hold the user's identity, in order of preference
CANONICAL_COLUMNS = ("user_key", "user", "email", "e-mail", "courriel")
PREFIX = "u"
KEY_PATTERN = r"^u[0-9a-f]{20}$"


def user_key(identity: str | None, salt: bytes) -> str | None:
    """The key of one identity (None for a missing or blank one)."""
    if identity is None or not str(identity).strip():
        return None
    raw = str(identity).strip().lower().encode("utf-8")
    digest = hashlib.blake2b(raw, key=salt, digest_size=20) if salt else hashlib.sha1(raw)
    return PREFIX + digest.hexdigest()[:20]


def hash_user_keys(frame: pl.DataFrame, salt: bytes, column: str = COLUMN) -> pl.DataFrame:
    """``frame`` with its ``column`` (identities as text) replaced by their keys, hashed once per
    distinct value; a frame without the column is returned as it is."""
    if column not in frame.columns:
        return frame
    values = frame.get_column(column).cast(pl.String)
    distinct = values.drop_nulls().unique().to_list()
    keys = {v: user_key(v, salt) for v in distinct}
    hashed = values.replace_strict(keys, default=None, return_dtype=pl.String) if keys else values
    return frame.with_columns(hashed.alias(column))


def canonical_identity(frame: pl.DataFrame) -> str | None:
    """The column of a canonical usage CSV that names the user (see :data:`CANONICAL_COLUMNS`)."""
    by_lower = {c.lower(): c for c in frame.columns}
    return next((by_lower[c] for c in CANONICAL_COLUMNS if c in by_lower), None)
