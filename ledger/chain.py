"""The hash chain: each event's hash covers its canonical envelope and the previous hash,
so editing or deleting any stored row breaks every hash after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

GENESIS = "0" * 64

# The envelope fields covered by the hash, in a fixed order. Adding a field is a new chain
# version, never a silent change.
HASHED_FIELDS = (
    "position",
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "data",
    "tenant_id",
    "subject_id",
    "amount_cents",
    "effective_date",
    "recorded_at",
    "actor",
    "correlation_id",
    "causation_id",
    "idempotency_key",
    "reverses",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_json(text: str | bytes) -> Any:
    """JSON as the ledger reads it: orjson, and Python's `json` for what orjson refuses
    and Python reads (integers beyond 64 bits, NaN); invalid JSON raises
    `json.JSONDecodeError`."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def format_timestamp(moment: datetime) -> str:
    """UTC, microseconds, trailing Z: the one textual form used in hashes and at the edge."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_DATED = ("effective_date", "recorded_at")  # the only fields a row holds as date objects


def event_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    envelope = {name: row[name] for name in HASHED_FIELDS}
    for name in _DATED:
        envelope[name] = _canonical_value(envelope[name])
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(canonical_json(envelope).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_broken_position: int | None = None
    reason: str | None = None


def verify_rows(rows: Iterable[Mapping[str, Any]]) -> VerifyReport:
    """Check gapless positions, links and hashes; stop at the first broken position."""
    prev_hash, expected_position, checked = GENESIS, 1, 0
    for row in rows:
        position = row["position"]
        if position != expected_position:
            return VerifyReport(False, checked, expected_position, "missing position")
        if row["prev_hash"] != prev_hash:
            return VerifyReport(False, checked, position, "prev_hash does not link")
        if event_hash(prev_hash, row) != row["hash"]:
            return VerifyReport(False, checked, position, "hash does not match content")
        prev_hash, expected_position, checked = row["hash"], position + 1, checked + 1
    return VerifyReport(True, checked)
