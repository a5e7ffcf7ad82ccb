"""Search keys for people's names: the same key for "Éloïse Lefèvre", "eloise LEFEVRE"
and "Eloise  Lefevre", so a search is accent-, case- and spacing-insensitive on SQLite and
PostgreSQL alike (a plain LIKE on the key; no unaccent extension, no collation)."""

from __future__ import annotations

import unicodedata

# Letters NFKD does not decompose, spelt as people type them without the key.
_SPELLED = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "’": "'"})


def search_key(name: str | None) -> str | None:
    """The key a name is found by (None for no name: an erased party is found by none)."""
    if name is None:
        return None
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_SPELLED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def like_pattern(query: str) -> str:
    """`%<key of query>%` with LIKE's wildcards escaped (escape character: backslash)."""
    key = search_key(query) or ""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
