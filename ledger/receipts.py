"""Signed head receipts: the chain's head (position, hash) at a moment, signed with a key
kept outside the database.

The hash chain alone proves that the stored rows agree with each other; whoever owns the
database can still delete the tail or rewrite every row from a position on and recompute
the hashes. A receipt kept anywhere else (printed, exported, delivered to a funder, or in
`head_receipts` where the signature makes a forged one useless) pins what the chain was:
`verify` against receipts detects truncation and rewriting back to any receipt (each
pins every position up to its own, through the chain).
It cannot detect a change made after the newest receipt, nor receipts deleted from the
database and kept nowhere else."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ledger import schema
from ledger.chain import format_timestamp


@dataclass(frozen=True)
class Receipt:
    position: int
    hash: str
    issued_at: datetime
    reason: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "hash": self.hash,
            "issued_at": format_timestamp(self.issued_at),
            "reason": self.reason,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Receipt:
        return cls(
            position=int(data["position"]),
            hash=str(data["hash"]),
            issued_at=datetime.fromisoformat(str(data["issued_at"]).replace("Z", "+00:00")),
            reason=str(data.get("reason", "")),
            signature=str(data["signature"]),
        )


def _message(position: int, head_hash: str, issued_at: datetime, reason: str) -> bytes:
    return f"v1.{position}.{head_hash}.{format_timestamp(issued_at)}.{reason}".encode()


def sign(key: bytes, position: int, head_hash: str, issued_at: datetime, reason: str) -> Receipt:
    mac = hmac.new(key, _message(position, head_hash, issued_at, reason), hashlib.sha256)
    return Receipt(position, head_hash, issued_at, reason, "v1," + mac.hexdigest())


def authentic(key: bytes, receipt: Receipt) -> bool:
    expected = sign(key, receipt.position, receipt.hash, receipt.issued_at, receipt.reason)
    # Bytes, not str: compare_digest refuses non-ASCII text, and a receipt edited to hold
    # some must read as forged, not stop the verification.
    given = receipt.signature.encode("utf-8", "backslashreplace")
    return hmac.compare_digest(expected.signature.encode(), given)


def record(
    conn: sa.Connection,
    key: bytes,
    position: int,
    head_hash: str,
    issued_at: datetime,
    reason: str,
) -> Receipt:
    """Sign (position, hash) and keep the receipt in `head_receipts`, in `conn`'s
    transaction: a caller that commits its own work with it never has one without the
    other."""
    receipt = sign(key, position, head_hash, issued_at, reason[:200])
    conn.execute(
        schema.head_receipts.insert().values(
            position=receipt.position,
            hash=receipt.hash,
            issued_at=receipt.issued_at,
            reason=receipt.reason,
            signature=receipt.signature,
        )
    )
    return receipt
