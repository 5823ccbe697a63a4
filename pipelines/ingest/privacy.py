"""Personal data (RGPD): what never reaches the warehouse.

Adapters select only canonical columns, so names, e-mails, phones, addresses and instructor
columns of exports are dropped by construction. Free text (comments) keeps its words with e-mail
addresses and phone numbers masked. Identifiers of persons are stored only as salted hashes.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

EMAIL_RE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# French numbers (0X XX XX XX XX, +33 X XX…, with spaces, dots or dashes) and long digit runs
PHONE_RE = r"(?:\+33\s?|0033\s?|\b0)[1-9](?:[\s.\-]?\d{2}){4}\b"
EMAIL_MASK = "[e-mail masqué]"
PHONE_MASK = "[téléphone masqué]"


def mask_free_text(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(EMAIL_RE, EMAIL_MASK).str.replace_all(PHONE_RE, PHONE_MASK)


def mask_text(text: str) -> str:
    """Same masking on a Python string (messages that may quote a value)."""
    return re.sub(PHONE_RE, PHONE_MASK, re.sub(EMAIL_RE, EMAIL_MASK, text))


def salted_hash(value: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:24]
