"""One-time links (invitations, password resets): `<prefix>_<id>_<secret>`, where the id
is 16 hex digits and the secret 43 URL-safe characters. Only a hash of the secret is
kept, so a stolen table opens nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

import sqlalchemy as sa

from scic.errors import NotFound


def hashed(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make(prefix: str) -> tuple[str, str, str]:
    """A new link's id, the hash of its secret (to keep) and its token (shown once)."""
    link_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return link_id, hashed(secret), f"{prefix}_{link_id}_{secret}"


def row(conn: sa.Connection, key: sa.Column[Any], kind: str, prefix: str, token: str) -> Any:
    """The row of `key`'s table whose id and secret the token holds; NotFound (`kind`)
    for a malformed token, an unknown id or a wrong secret alike."""
    match = re.fullmatch(prefix + r"_([0-9a-f]{16})_([A-Za-z0-9_-]{43})", token)
    if match is None:
        raise NotFound(kind, token[:24])
    found = conn.execute(sa.select(key.table).where(key == match[1])).first()
    if found is None or not hmac.compare_digest(found.secret_hash, hashed(match[2])):
        raise NotFound(kind, match[1])
    return found
