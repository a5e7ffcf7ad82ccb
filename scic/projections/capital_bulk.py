"""The capital projector's set-wise form for the common events: a run of admissions,
subscriptions, calls, payments and transfers is folded in memory and written with one
statement per table (executemany), whatever the run's length.

It gives exactly the rows `CapitalProjector`'s per-event handlers give (the projection
tests and `scic verify --projections` compare both): the same movement rows, the same
member and subscription sums, and `coop_capital` moved once per cooperative, its
highest capital (R5) taken after each movement in position order as the per-event
UPDATE does. What it reads, it reads once per run: the categories of the members
moved, the statutes of the cooperatives (R3: which categories are public at each
movement's date), the cooperatives' capital.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from ledger import RecordedEvent
from ledger.rows import add_to_rows, insert_rows
from scic.domain.members import MemberAdmitted
from scic.domain.shares import (
    MovingShares,
    SharesCalled,
    SharesPaid,
    SharesSubscribed,
    SharesTransferred,
)
from scic.events import typed
from scic.projections.tables import (
    calls,
    coop_capital,
    member_categories,
    members,
    movements,
    statutes,
    subscriptions,
)

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")
# Events whose effect is only inserts and additions: a run of them is folded set-wise.
BULK = (MemberAdmitted, SharesSubscribed, SharesCalled, SharesPaid, SharesTransferred)

_m, _c = members.c, coop_capital.c
_ADD_TO_COOP = (
    coop_capital.update()
    .where(_c.coop_id == sa.bindparam("b_id"))
    .values(
        **{k: _c[k] + sa.bindparam(f"d_{k}") for k in AMOUNTS},
        public_subscribed_cents=_c.public_subscribed_cents + sa.bindparam("d_public"),
        highest_subscribed_cents=sa.bindparam("b_highest"),
    )
)


_s_doc = statutes.c
# Prebuilt (compiled once, cached by SQLAlchemy): the `ids` list expands at execution.
_CATEGORIES = sa.select(_m.member_id, _m.category).where(
    _m.member_id.in_(sa.bindparam("ids", expanding=True))
)
_STATUTES = sa.select(_s_doc.coop_id, _s_doc.valid_from, _s_doc.position, _s_doc.doc).where(
    _s_doc.coop_id.in_(sa.bindparam("ids", expanding=True))
)
_CAPITAL = sa.select(_c.coop_id, _c.subscribed_cents, _c.highest_subscribed_cents).where(
    _c.coop_id.in_(sa.bindparam("ids", expanding=True))
)


def _ids(ids: Iterable[str]) -> dict[str, list[str]]:
    return {"ids": sorted(set(ids))}


class Run:
    """One run of `BULK` events, folded then written."""

    def __init__(self) -> None:
        self.new_members: dict[str, dict[str, Any]] = {}
        self.new_subscriptions: dict[str, dict[str, Any]] = {}
        self.category_rows: list[dict[str, Any]] = []
        self.call_rows: list[dict[str, Any]] = []
        self.moves: list[dict[str, Any]] = []

    def fold(self, e: RecordedEvent, ev: BaseModel) -> None:
        match ev:
            case MemberAdmitted():
                self.new_members[ev.member_id] = {
                    "member_id": ev.member_id,
                    "coop_id": e.tenant_id,
                    "party_id": ev.party_id,
                    "kind": ev.kind,
                    "category": ev.category,
                    "admitted_on": e.effective_date,
                    "admitted_at": e.recorded_at,
                    "status": "active",
                    "exited_on": None,
                    "number": ev.number,
                    **dict.fromkeys(AMOUNTS, 0),
                    **{f"pending_{k}": 0 for k in AMOUNTS},
                }
                self.category_rows.append(
                    {
                        "member_id": ev.member_id,
                        "position": e.position,
                        "coop_id": e.tenant_id,
                        "category": ev.category,
                        "effective_date": e.effective_date,
                        "recorded_at": e.recorded_at,
                    }
                )
            case SharesSubscribed():
                self.new_subscriptions[ev.subscription_id] = {
                    "subscription_id": ev.subscription_id,
                    "coop_id": e.tenant_id,
                    "member_id": ev.member_id,
                    "subscribed_on": e.effective_date,
                    **dict.fromkeys(AMOUNTS, 0),
                }
                self._moves(e, ev)
            case SharesCalled():
                self.call_rows.append(
                    {
                        "call_id": ev.call_id,
                        "coop_id": e.tenant_id,
                        "subscription_id": ev.subscription_id,
                        "member_id": ev.member_id,
                        "amount_cents": ev.amount_cents,
                        "called_on": e.effective_date,
                        "due_date": ev.due_date,
                        "reversed": False,
                    }
                )
                self._moves(e, ev)
            case SharesPaid() | SharesTransferred():
                self._moves(e, ev)

    def _moves(self, e: RecordedEvent, ev: MovingShares) -> None:
        """The event's capital moves, as its home says (scic/domain/shares.py)."""
        for move in ev.moves():
            self.moves.append(
                {
                    "event_id": e.event_id,
                    "member_id": move.member_id,
                    "coop_id": e.tenant_id,
                    "subscription_id": move.subscription_id,
                    "kind": move.kind,
                    "position": e.position,
                    "effective_date": e.effective_date,
                    "recorded_at": e.recorded_at,
                    **move.amounts.as_row(),
                }
            )

    def write(self, conn: sa.Connection) -> None:
        member_deltas: dict[str, list[int]] = {}
        subscription_deltas: dict[str, list[int]] = {}
        for move in self.moves:
            amounts = [move[k] for k in AMOUNTS]
            _add(self.new_members, member_deltas, move["member_id"], amounts)
            if move["subscription_id"] is not None:
                _add(self.new_subscriptions, subscription_deltas, move["subscription_id"], amounts)
        coop_rows = self._coop_rows(conn)
        for table, rows in (
            (members, list(self.new_members.values())),
            (member_categories, self.category_rows),
            (subscriptions, list(self.new_subscriptions.values())),
            (calls, self.call_rows),
            (movements, self.moves),
        ):
            insert_rows(conn, table, rows)
        add_to_rows(conn, members, "member_id", member_deltas, AMOUNTS)
        add_to_rows(conn, subscriptions, "subscription_id", subscription_deltas, AMOUNTS)
        if coop_rows:
            conn.execute(_ADD_TO_COOP, coop_rows)

    def _coop_rows(self, conn: sa.Connection) -> list[dict[str, Any]]:
        """Each cooperative's capital moved by the run: the sums, the public part (R3, by
        the statutes in force at each movement's date), the highest capital (R5) after
        each movement."""
        if not self.moves:
            return []
        coop_ids = {move["coop_id"] for move in self.moves}
        categories = {m["member_id"]: m["category"] for m in self.new_members.values()}
        known = {move["member_id"] for move in self.moves} - categories.keys()
        if known:
            categories.update(conn.execute(_CATEGORIES, _ids(known)).all())
        public = _PublicCategories(conn, coop_ids)
        capital = {row.coop_id: row for row in conn.execute(_CAPITAL, _ids(coop_ids))}
        rows: dict[str, dict[str, Any]] = {}
        for move in self.moves:
            coop_id = move["coop_id"]
            row = rows.get(coop_id)
            if row is None:
                found = capital[coop_id]
                row = rows[coop_id] = {
                    "b_id": coop_id,
                    **{f"d_{k}": 0 for k in AMOUNTS},
                    "d_public": 0,
                    "subscribed": found.subscribed_cents,
                    "b_highest": found.highest_subscribed_cents,
                }
            for k in AMOUNTS:
                row[f"d_{k}"] += move[k]
            if categories[move["member_id"]] in public.at(coop_id, move["effective_date"]):
                row["d_public"] += move["subscribed_cents"]
            row["subscribed"] += move["subscribed_cents"]
            row["b_highest"] = max(row["b_highest"], row["subscribed"])
        for row in rows.values():
            del row["subscribed"]
        return list(rows.values())


def _add(
    new: dict[str, dict[str, Any]], deltas: dict[str, list[int]], key: str, amounts: list[int]
) -> None:
    """Into the row inserted by this run, or as a delta onto the stored row."""
    row = new.get(key)
    if row is not None:
        for k, v in zip(AMOUNTS, amounts, strict=True):
            row[k] += v
        return
    total = deltas.setdefault(key, [0, 0, 0, 0])
    for i, v in enumerate(amounts):
        total[i] += v


class _PublicCategories:
    """`capital.public_categories` for many dates, from one read of the statutes."""

    def __init__(self, conn: sa.Connection, coop_ids: set[str]) -> None:
        self.versions: dict[str, list[tuple[date, int, set[str]]]] = {}
        for row in conn.execute(_STATUTES, _ids(coop_ids)):
            codes = {c["code"] for c in row.doc["categories"] if c.get("public_body")}
            self.versions.setdefault(row.coop_id, []).append((row.valid_from, row.position, codes))
        for versions in self.versions.values():
            versions.sort(key=lambda v: (v[0], v[1]))
        self._memo: dict[tuple[str, date], set[str]] = {}

    def at(self, coop_id: str, on: date) -> set[str]:
        key = (coop_id, on)
        if key not in self._memo:
            versions = self.versions[coop_id]
            in_force = [v for v in versions if v[0] <= on]
            # before the first statutes: the founding ones
            self._memo[key] = (in_force[-1] if in_force else versions[0])[2]
        return self._memo[key]


def apply_runs(
    conn: sa.Connection,
    events: Sequence[RecordedEvent],
    handled: tuple[type[BaseModel], ...],
    handle: Callable[[RecordedEvent, BaseModel], None],
) -> None:
    """Fold runs of `BULK` events set-wise; hand every other event of the `handled` types
    to `handle` (the others are ignored), after writing the run before it, so the order of
    effects is kept."""
    run: Run | None = None
    for event in events:
        ev = typed(event)
        if isinstance(ev, BULK):
            run = run or Run()
            run.fold(event, ev)
            continue
        if not isinstance(ev, handled):
            continue  # an event this projector ignores does not break a run
        if run is not None:
            run.write(conn)
            run = None
        handle(event, ev)
    if run is not None:
        run.write(conn)
