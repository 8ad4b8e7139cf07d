"""Turkish text: case folding for search, collation for sorting, on SQLite and PostgreSQL alike.

Python's ``str.lower()`` maps "I" to "i" and "İ" to "i̇" (i + combining dot): wrong for Turkish.
Here "I" folds to "ı" and "İ" to "i", so "ismail" finds "İSMAİL" and "ışık" finds "IŞIK".
"""

from __future__ import annotations

import unicodedata

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

_UPPER_TO_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_LOWER_TO_UPPER = str.maketrans({"i": "İ", "ı": "I"})

# The Turkish alphabet, with the Latin letters Turkish lacks (q, w, x) where Turkish
# dictionaries put them. Letters not listed sort after, by code point.
ALPHABET = "aâbcçdefgğhıiîjklmnoöpqrsştuûüvwxyz"
_RANK = {ch: i for i, ch in enumerate(ALPHABET)}

POSTGRES_COLLATION = "tr-TR-x-icu"
SQLITE_COLLATION = "turkish"


def fold(text: str | None) -> str:
    """Lower-case the Turkish way and normalize, for search keys."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_UPPER_TO_LOWER).lower()
    # "İ".lower() in Python would leave a combining dot; the translate above prevents it, and a
    # decomposed input (i + U+0307) is recomposed here.
    return text.replace("i̇", "i")


def upper(text: str | None) -> str:
    """Upper-case the Turkish way (ismail → İSMAİL, ışık → IŞIK)."""
    return (text or "").translate(_LOWER_TO_UPPER).upper()


def sort_key(text: str | None) -> tuple:
    """A key that sorts Turkish words in dictionary order (c < ç < d, ı < i, o < ö, s < ş, u < ü)."""
    folded = fold(text)
    return tuple(_RANK.get(ch, len(ALPHABET) + ord(ch)) for ch in folded), text or ""


def sqlite_collation(a: str, b: str) -> int:
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """connection_created receiver: teach every SQLite connection the Turkish collation and the
    fold() function (used by Turkish-aware search on computed columns)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, sqlite_collation)
        connection.connection.create_function("tr_fold", 1, fold, deterministic=True)


def collation_name() -> str:
    return POSTGRES_COLLATION if connection.vendor == "postgresql" else SQLITE_COLLATION


def collate(field: str):
    """An expression ordering ``field`` in Turkish alphabetical order on the current database."""
    return Collate(F(field), collation_name())


def order_by_turkish(queryset, *fields: str):
    """Order a queryset by text fields in Turkish order; a leading '-' sorts descending."""
    expressions = []
    for name in fields:
        desc = name.startswith("-")
        expr = collate(name.lstrip("-"))
        expressions.append(expr.desc() if desc else expr.asc())
    return queryset.order_by(*expressions)
