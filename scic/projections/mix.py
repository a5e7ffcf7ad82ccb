"""The totals projector: each member's holding and category, the same per category, and
how far in business time they reach, so that a capital table or funding mix as at a date
after every movement reads a few rows instead of summing every holding.

A view as at an earlier date (or as known at an earlier time) cannot use these totals:
it sums `share_movements` as before (scic.projections.views)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.projections.tables import (
    MIX_TABLES,
    mix_categories,
    mix_marks,
    mix_members,
    movements,
)

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")
FOLDED = {
    "MemberAdmitted",
    "MemberCategoryChanged",
    "SharesSubscribed",
    "SharesCalled",
    "SharesPaid",
    "SharesReimbursed",
    "SharesTransferred",
    "EventReversed",
}


class TotalsProjector:
    """Runs after the capital projector (scic.service.projectors): a reversal negates the
    `share_movements` rows of the event it reverses, as the capital projector does."""

    name = "mix"
    tables = MIX_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        marks: dict[str, tuple[date, datetime]] = {}
        for e in events:
            if e.type not in FOLDED or e.tenant_id is None:
                continue
            getattr(self, f"_on_{e.type}")(conn, e, e.data)
            seen = marks.get(e.tenant_id)
            marks[e.tenant_id] = (
                (e.effective_date, e.recorded_at)
                if seen is None
                else (max(seen[0], e.effective_date), max(seen[1], e.recorded_at))
            )
        for coop_id, (last_effective, last_recorded) in marks.items():
            _mark(conn, coop_id, last_effective, last_recorded)

    def _on_MemberAdmitted(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            mix_members.insert().values(
                member_id=d["member_id"],
                coop_id=e.tenant_id,
                category=d["category"],
                category_from=e.effective_date,
                **dict.fromkeys(AMOUNTS, 0),
            )
        )
        _ensure_category(conn, e.tenant_id, d["category"])

    def _on_MemberCategoryChanged(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        m = mix_members.c
        row = conn.execute(
            sa.select(m.category, m.category_from, *(m[k] for k in AMOUNTS)).where(
                m.member_id == d["member_id"]
            )
        ).one()
        # The timeline orders by (effective date, position): a change dated before the
        # member's latest one is history, not the category a view after both shows.
        if e.effective_date < row.category_from:
            return
        conn.execute(
            mix_members.update()
            .where(m.member_id == d["member_id"])
            .values(category=d["category"], category_from=e.effective_date)
        )
        held = {k: getattr(row, k) for k in AMOUNTS}
        _add_category(conn, e.tenant_id, row.category, {k: -v for k, v in held.items()})
        _ensure_category(conn, e.tenant_id, d["category"])
        _add_category(conn, e.tenant_id, d["category"], held)

    def _on_SharesSubscribed(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        _move(conn, d["member_id"], {k: d[k] for k in AMOUNTS})

    def _on_SharesCalled(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        _move(conn, d["member_id"], _amounts(called_cents=d["amount_cents"]))

    def _on_SharesPaid(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        _move(
            conn,
            d["member_id"],
            _amounts(called_cents=d["called_cents"], paid_cents=d["amount_cents"]),
        )

    def _on_SharesReimbursed(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        _move(conn, d["member_id"], {k: -d[k] for k in AMOUNTS})

    def _on_SharesTransferred(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        _move(conn, d["from_member_id"], {k: -d[k] for k in AMOUNTS})
        _move(conn, d["to_member_id"], {k: d[k] for k in AMOUNTS})

    def _on_EventReversed(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        m = movements.c
        rows = conn.execute(
            sa.select(m.member_id, *(m[k] for k in AMOUNTS))
            .where(m.event_id == d["reversed_event_id"])
            .order_by(m.member_id)
        ).all()
        for row in rows:
            _move(conn, row.member_id, {k: -getattr(row, k) for k in AMOUNTS})


def _amounts(**given: int) -> dict[str, int]:
    return {k: given.get(k, 0) for k in AMOUNTS}


def _move(conn: sa.Connection, member_id: str, amounts: dict[str, int]) -> None:
    m = mix_members.c
    coop_id, category = conn.execute(
        mix_members.update()
        .where(m.member_id == member_id)
        .values(**{k: m[k] + v for k, v in amounts.items()})
        .returning(m.coop_id, m.category)
    ).one()
    _add_category(conn, coop_id, category, amounts)


def _ensure_category(conn: sa.Connection, coop_id: str | None, category: str) -> None:
    c = mix_categories.c
    found = conn.execute(
        sa.select(c.category).where(c.coop_id == coop_id, c.category == category)
    ).first()
    if found is None:
        conn.execute(
            mix_categories.insert().values(
                coop_id=coop_id, category=category, **dict.fromkeys(AMOUNTS, 0)
            )
        )


def _add_category(
    conn: sa.Connection, coop_id: str | None, category: str, amounts: dict[str, int]
) -> None:
    c = mix_categories.c
    conn.execute(
        mix_categories.update()
        .where(c.coop_id == coop_id, c.category == category)
        .values(**{k: c[k] + v for k, v in amounts.items()})
    )


def _mark(conn: sa.Connection, coop_id: str, last_effective: date, last_recorded: datetime) -> None:
    k = mix_marks.c
    row = conn.execute(
        sa.select(k.last_effective, k.last_recorded).where(k.coop_id == coop_id)
    ).first()
    if row is None:
        conn.execute(
            mix_marks.insert().values(
                coop_id=coop_id, last_effective=last_effective, last_recorded=last_recorded
            )
        )
    elif row.last_effective < last_effective or row.last_recorded < last_recorded:
        conn.execute(
            mix_marks.update()
            .where(k.coop_id == coop_id)
            .values(
                last_effective=max(row.last_effective, last_effective),
                last_recorded=max(row.last_recorded, last_recorded),
            )
        )


# -- reading ---------------------------------------------------------------------------


def usable(conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None) -> bool:
    """Whether a view as at `as_of`, as known at `known_at`, equals the running totals:
    no folded event is dated after it, and none was recorded after `known_at`."""
    k = mix_marks.c
    row = conn.execute(
        sa.select(k.last_effective, k.last_recorded).where(k.coop_id == coop_id)
    ).first()
    if row is None:
        return False
    return as_of >= row.last_effective and (known_at is None or known_at >= row.last_recorded)


def category_totals(conn: sa.Connection, coop_id: str) -> dict[str, dict[str, int]]:
    c = mix_categories.c
    query = sa.select(c.category, *(c[k] for k in AMOUNTS)).where(c.coop_id == coop_id)
    return {row[0]: dict(zip(AMOUNTS, row[1:], strict=True)) for row in conn.execute(query)}
