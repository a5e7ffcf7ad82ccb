"""Signed head receipts recorded on their own at the moments that matter: a fiscal-year
closing, a batch of webhook deliveries, the daily verification (ledger/receipts.py).

The key comes from SCIC_RECEIPT_KEY and never enters the database. Without it (the demo
and development default) nothing is signed: a receipt signed with a made-up key would
look like protection and be none. Each moment that would have had one logs a warning
instead, and `scic verify` says that no receipt holds the chain."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from ledger import receipts, schema
from scic.settings import get_settings

log = logging.getLogger("scic.receipts")
_warned: set[str] = set()


def configured_key() -> bytes | None:
    key = get_settings().receipt_key
    return key.encode() if key else None


def record(
    conn: sa.Connection,
    position: int,
    head_hash: str,
    issued_at: datetime,
    reason: str,
    warn_once: bool = False,
) -> receipts.Receipt | None:
    """Sign (position, hash) in `conn`'s transaction; None, with a warning, without a key.
    `warn_once`: warn only the first time for this kind of moment (the text of `reason`
    before its first colon) in this process, for moments that come often."""
    key = configured_key()
    if key is None:
        moment = reason.partition(":")[0]
        if not (warn_once and moment in _warned):
            _warned.add(moment)
            log.warning("no head receipt for %s: SCIC_RECEIPT_KEY is not set", reason)
        return None
    return receipts.record(conn, key, position, head_hash, issued_at, reason)


def newest_position(conn: sa.Connection) -> int:
    """The highest position a stored receipt pins (0: none)."""
    found = conn.execute(sa.select(sa.func.max(schema.head_receipts.c.position)))
    return found.scalar() or 0
