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
from pydantic import BaseModel

from ledger import RecordedEvent
from ledger.rows import add_to_rows, insert_rows
from scic.domain.corrections import EventReversed
from scic.domain.members import MemberAdmitted, MemberCategoryChanged
from scic.domain.shares import (
    MovingShares,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.events import typed
from scic.projections.tables import (
    MIX_TABLES,
    mix_categories,
    mix_marks,
    mix_members,
    movements,
)

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")
AMOUNT_COLUMNS = tuple(mix_members.c[k] for k in AMOUNTS)
MEMBER_COLUMNS = ("member_id", "coop_id", "category", "category_from", *AMOUNTS)
FOLDED = (
    MemberAdmitted,
    MemberCategoryChanged,
    SharesSubscribed,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesTransferred,
    EventReversed,
)


class TotalsProjector:
    """Folds a batch of events in memory, then writes each table once (executemany).
    Runs after the capital projector (scic.service.projectors): a reversal negates the
    `share_movements` rows of the event it reverses, as the capital projector does."""

    name = "mix"
    tables = MIX_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        folded = [
            (e, ev)
            for e in events
            if e.tenant_id is not None and isinstance(ev := typed(e), FOLDED)
        ]
        if folded:
            fold = _Fold(conn, folded)
            for e, ev in folded:
                fold.event(conn, e, ev)
            fold.write(conn)


class _Fold:
    """The members and categories a batch touches, read once and written once."""

    def __init__(self, conn: sa.Connection, events: Sequence[tuple[RecordedEvent, Any]]) -> None:
        m, c = mix_members.c, mix_categories.c
        ids = sorted({mid for _, ev in events for mid in _members_of(ev)})
        self.members: dict[str, list[Any]] = {}
        query = sa.select(m.member_id, m.coop_id, m.category, m.category_from, *AMOUNT_COLUMNS)
        for first in range(0, len(ids), 500):
            for row in conn.execute(query.where(m.member_id.in_(ids[first : first + 500]))):
                self.members[row[0]] = list(row[1:])
        self.stored = set(self.members)
        self.dirty: set[str] = set()
        coops = sorted({str(e.tenant_id) for e, _ in events})
        rows = conn.execute(sa.select(c.coop_id, c.category).where(c.coop_id.in_(coops)))
        self.known_categories = {(r.coop_id, r.category) for r in rows}
        self.categories: dict[tuple[str, str], list[int]] = {}
        self.marks: dict[str, tuple[date, datetime]] = {}

    def event(self, conn: sa.Connection, e: RecordedEvent, ev: BaseModel) -> None:
        match ev:
            case MemberAdmitted():
                row: list[Any] = [e.tenant_id, ev.category, e.effective_date, 0, 0, 0, 0]
                self.members[ev.member_id] = row
                self._category(row[0], row[1])
                self.dirty.add(ev.member_id)
            case MemberCategoryChanged():
                self._recategorise(e, ev.member_id, ev.category)
            case (
                SharesSubscribed()
                | SharesCalled()
                | SharesPaid()
                | SharesReimbursed()
                | SharesTransferred()
            ):
                self._moves(ev)
            case EventReversed():
                m = movements.c
                negated = conn.execute(
                    sa.select(m.member_id, *(m[k] for k in AMOUNTS))
                    .where(m.event_id == ev.reversed_event_id)
                    .order_by(m.member_id)
                ).all()
                for member_id, *amounts in negated:
                    self._load(conn, member_id)
                    self._move(member_id, [-v for v in amounts])
        coop_id = str(e.tenant_id)
        seen = self.marks.get(coop_id)
        self.marks[coop_id] = (
            (e.effective_date, e.recorded_at)
            if seen is None
            else (max(seen[0], e.effective_date), max(seen[1], e.recorded_at))
        )

    def _load(self, conn: sa.Connection, member_id: str) -> None:
        if member_id not in self.members:
            m = mix_members.c
            row = conn.execute(
                sa.select(m.coop_id, m.category, m.category_from, *AMOUNT_COLUMNS).where(
                    m.member_id == member_id
                )
            ).one()
            self.members[member_id] = list(row)
            self.stored.add(member_id)

    def _category(self, coop_id: str, category: str) -> list[int]:
        found = self.categories.get((coop_id, category))
        if found is None:
            found = self.categories[(coop_id, category)] = [0, 0, 0, 0]
        return found

    def _moves(self, ev: MovingShares) -> None:
        """The event's capital moves, as its home says (scic/domain/shares.py)."""
        for move in ev.moves():
            self._move(move.member_id, list(move.amounts.as_row().values()))

    def _move(self, member_id: str, amounts: list[int]) -> None:
        row = self.members[member_id]
        totals = self._category(row[0], row[1])
        for k, v in enumerate(amounts):
            row[3 + k] += v
            totals[k] += v
        self.dirty.add(member_id)

    def _recategorise(self, e: RecordedEvent, member_id: str, category: str) -> None:
        row = self.members[member_id]
        # The timeline orders by (effective date, position): a change dated before the
        # member's latest one is history, not the category a view after both shows.
        if e.effective_date < row[2]:
            return
        old, new = self._category(row[0], row[1]), self._category(row[0], category)
        for k, v in enumerate(row[3:]):
            old[k] -= v
            new[k] += v
        row[1], row[2] = category, e.effective_date
        self.dirty.add(member_id)

    def write(self, conn: sa.Connection) -> None:
        m = mix_members.c
        rows = [
            dict(zip(MEMBER_COLUMNS, (mid, *self.members[mid]), strict=True))
            for mid in sorted(self.dirty)
        ]
        insert_rows(conn, mix_members, [r for r in rows if r["member_id"] not in self.stored])
        old = [{**r, "mid": r["member_id"]} for r in rows if r["member_id"] in self.stored]
        if old:
            conn.execute(
                mix_members.update()
                .where(m.member_id == sa.bindparam("mid"))
                .values({k: sa.bindparam(k) for k in MEMBER_COLUMNS[2:]}),
                old,
            )
        fresh, deltas = [], {}
        for (coop_id, category), totals in sorted(self.categories.items()):
            if (coop_id, category) in self.known_categories:
                deltas[coop_id, category] = totals
            else:
                amounts = dict(zip(AMOUNTS, totals, strict=True))
                fresh.append({"coop_id": coop_id, "category": category, **amounts})
        insert_rows(conn, mix_categories, fresh)
        add_to_rows(conn, mix_categories, ("coop_id", "category"), deltas, AMOUNTS)
        for coop_id, (last_effective, last_recorded) in self.marks.items():
            _mark(conn, coop_id, last_effective, last_recorded)


def _members_of(ev: BaseModel) -> list[str]:
    match ev:
        case MemberAdmitted() | MemberCategoryChanged():
            return [ev.member_id]
        case (
            SharesSubscribed()
            | SharesCalled()
            | SharesPaid()
            | SharesReimbursed()
            | SharesTransferred()
        ):
            return [move.member_id for move in ev.moves()]
    return []  # a reversal: loaded with the movements it negates


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
