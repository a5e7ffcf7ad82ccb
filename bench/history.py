"""A cooperative's history for the benches: real event types and payloads (the shapes the
command layer writes), as JSON Lines for `ledger.bulk.import_jsonl`, plus the parties
rows the names come from. Member i subscribes 1 + i % 10 shares (every 50th member a
public body); a tenth subscribe 10 shares and pay half (what the write benches pay in
instalments), a twentieth transfer a paid share on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scic.projections.tables import parties
from tests.api.conftest import TIERS_LIEU

NOMINAL = 5000
START = date(2019, 3, 1)  # incorporation and admissions (over 500 days)
# subscriptions: recent enough that a payment today still calls within 5 years (R7)
SUBSCRIBED = date(2024, 1, 1)
PRIVATE = ("salaries", "usagers", "soutiens")


def coop_id(tag: str) -> str:
    return f"coop_bench{tag}"


def member_id(tag: str, i: int) -> str:
    return f"mbr_{tag}_{i:07d}"


def _statutes() -> dict[str, Any]:
    t = TIERS_LIEU
    return {
        "legal_form": t["legal_form"],
        "share_nominal_cents": NOMINAL,
        "statutory_floor_cents": 0,
        "categories": [{"public_body": False, **c} for c in t["categories"]],
        "colleges": t["colleges"],
        "reimbursement_delay_years": 5,
        "fiscal_year_end": "12-31",
    }


def _line(coop: str, type_: str, data: dict[str, Any], on: date, subject: str) -> str:
    return json.dumps(
        {
            "stream_id": f"coop:{coop}",
            "type": type_,
            "data": data,
            "effective_date": on.isoformat(),
            "tenant_id": coop,
            "subject_id": subject,
            "actor": "bench",
        },
        ensure_ascii=False,
    )


def lines(tag: str, members: int, events: int) -> Iterator[str]:
    """About `events` lines: the cooperative, `members` admissions, then subscriptions,
    payments and transfers over the members in turn until `events` is reached."""
    coop = coop_id(tag)
    yield _line(
        coop,
        "CoopRegistered",
        {
            "coop_id": coop,
            "name": "Coopérative de banc d'essai",
            "siren": "732829320",
            "incorporated_on": START.isoformat(),
            "statutes": _statutes(),
        },
        START,
        coop,
    )
    for i in range(members):
        public = i % 50 == 49
        yield _line(
            coop,
            "MemberAdmitted",
            {
                "member_id": member_id(tag, i),
                "party_id": f"pty_{tag}_{i:07d}",
                "kind": "organisation" if public else "person",
                "category": "collectivites" if public else PRIVATE[i % 3],
            },
            START + timedelta(days=i % 500),
            member_id(tag, i),
        )
    written = 1 + members
    rounds = 0
    while written < events:
        for i in range(members):
            if written >= events:
                return
            for line in _member_round(tag, coop, i, rounds):
                yield line
                written += 1
        rounds += 1


def _member_round(tag: str, coop: str, i: int, rounds: int) -> Iterator[str]:
    mid = member_id(tag, i)
    sub = f"sub_{tag}_{i:07d}_{rounds}"
    shares = 10 - i % 10
    on = SUBSCRIBED + timedelta(days=rounds * 3 + i % 300)
    cents = shares * NOMINAL
    first = cents // 2 if i % 10 == 0 else cents
    yield _line(
        coop,
        "SharesSubscribed",
        {
            "subscription_id": sub,
            "member_id": mid,
            "shares": shares,
            "subscribed_cents": cents,
            "called_cents": first,
            "paid_cents": first,
        },
        on,
        mid,
    )
    if first < cents and rounds > 0:
        yield _line(
            coop,
            "SharesPaid",
            {
                "payment_id": f"pay_{tag}_{i:07d}_{rounds}",
                "subscription_id": sub,
                "member_id": mid,
                "amount_cents": cents - first,
                "called_cents": cents - first,
            },
            on + timedelta(days=30),
            mid,
        )
    if i % 20 == 1:
        yield _line(
            coop,
            "SharesTransferred",
            {
                "transfer_id": f"trf_{tag}_{i:07d}_{rounds}",
                "from_member_id": mid,
                "to_member_id": member_id(tag, i - 1),
                "shares": 1,
                "subscribed_cents": NOMINAL,
                "called_cents": NOMINAL,
                "paid_cents": NOMINAL,
            },
            on + timedelta(days=60),
            mid,
        )


def write(path: Path, tag: str, members: int, events: int) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in lines(tag, members, events):
            out.write(line + "\n")
            count += 1
    return count


def add_parties(engine: sa.Engine, tag: str, members: int) -> None:
    """The names the capital table shows (parties live outside events)."""
    rows = [
        {
            "party_id": f"pty_{tag}_{i:07d}",
            "coop_id": coop_id(tag),
            "kind": "organisation" if i % 50 == 49 else "person",
            "name": f"Membre {i:06d}",
        }
        for i in range(members)
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(parties.insert(), rows[start : start + 5000])
