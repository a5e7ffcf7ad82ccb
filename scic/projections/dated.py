"""The dated totals projector: each category's capital by day, month and year, so that a
view as at any date reads a few dozen rows a category instead of summing every holding.

A member's movement dated D counts in the category it holds at the end of D (its last
category change dated D or before, in timeline order) and moves with it at each later
change of category: the figures `views.holdings_by_member` and `views.categories_at`
give as at any date, summed by category. A batch of events adds what its movements
contribute; for a member whose categories the batch changes (a back-dated change
included), what all its movements contribute is computed again, before and after the
batch, and the difference added."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ledger import RecordedEvent
from ledger.db import is_sqlite
from scic.domain.corrections import EventReversed
from scic.domain.members import MemberAdmitted, MemberCategoryChanged
from scic.domain.shares import (
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.events import typed
from scic.projections.tables import DATED_TABLES, capital_dates, member_categories, movements

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")
COUNTS = ("entries", *AMOUNTS)
NO_CATEGORY = "?"  # a movement dated before the member's first category (as views say)
MOVING = (
    SharesSubscribed,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesTransferred,
    EventReversed,
)
CATEGORISING = (MemberAdmitted, MemberCategoryChanged)
CHUNK = 500

Key = tuple[str, str, date, str]  # coop, span, day, category
Move = tuple[date, int, tuple[int, ...]]  # effective date, position, (1, amounts…)
Spell = tuple[date, int, str]  # effective date, position, category


class DatedTotalsProjector:
    """Runs after the capital projector (scic.service.projectors): it reads the batch's
    `share_movements` and `member_categories` rows that projector wrote."""

    name = "capital_dates"
    tables = DATED_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        moving = [e.event_id for e in events if e.tenant_id and isinstance(typed(e), MOVING)]
        changed = {
            ev.member_id: str(e.tenant_id)
            for e in events
            if e.tenant_id and isinstance(ev := typed(e), CATEGORISING)
        }
        if not moving and not changed:
            return
        first = min(e.position for e in events)
        m = movements.c
        batch: dict[str, list[Move]] = defaultdict(list)
        coops: dict[str, str] = dict(changed)
        query = sa.select(m.member_id, m.coop_id, m.effective_date, m.position, *_amounts(m))
        for ids in _chunks(moving):
            for row in conn.execute(query.where(m.event_id.in_(ids))):
                if row.member_id not in changed:
                    batch[row.member_id].append(_move(row))
                    coops[row.member_id] = row.coop_id
        spells = _spells(conn, sorted(coops))
        deltas: dict[Key, list[int]] = {}
        for member_id, moves in batch.items():
            _spread(deltas, coops[member_id], moves, spells[member_id], +1)
        every: dict[str, list[Move]] = defaultdict(list)
        for ids in _chunks(sorted(changed)):
            for row in conn.execute(query.where(m.member_id.in_(ids))):
                every[row.member_id].append(_move(row))
        for member_id, coop_id in changed.items():
            moves, held = every[member_id], spells[member_id]
            _spread(deltas, coop_id, moves, held, +1)
            before = [s for s in held if s[1] < first]
            _spread(deltas, coop_id, [x for x in moves if x[1] < first], before, -1)
        _write(conn, deltas)


def _amounts(table_columns: Any) -> list[Any]:
    return [table_columns[k] for k in AMOUNTS]


def _move(row: Any) -> Move:
    return (row.effective_date, row.position, (1, *(int(row[4 + k]) for k in range(4))))


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _spells(conn: sa.Connection, member_ids: Sequence[str]) -> dict[str, list[Spell]]:
    c = member_categories.c
    found: dict[str, list[Spell]] = defaultdict(list)
    query = sa.select(c.member_id, c.effective_date, c.position, c.category)
    for ids in _chunks(member_ids):
        for row in conn.execute(query.where(c.member_id.in_(ids))):
            found[row.member_id].append((row.effective_date, row.position, row.category))
    for held in found.values():
        held.sort()
    return found


def _days(spells: Sequence[Spell]) -> list[tuple[date, str]]:
    """The days the member's category at the end of the day changes, and the new one."""
    ends: list[tuple[date, str]] = []
    for day, _, category in spells:  # in timeline order: the day's last one stands
        if ends and ends[-1][0] == day:
            ends[-1] = (day, category)
        else:
            ends.append((day, category))
    changes: list[tuple[date, str]] = []
    for day, category in ends:
        if (changes[-1][1] if changes else NO_CATEGORY) != category:
            changes.append((day, category))
    return changes


def _spread(
    deltas: dict[Key, list[int]],
    coop_id: str,
    moves: Sequence[Move],
    spells: Sequence[Spell],
    sign: int,
) -> None:
    """Add (`sign` +1) or take away (-1) what `moves` contribute to each category and
    date: in the category held at the end of their day, then moved at each change."""
    changes = _days(spells)
    for day, _, counts in moves:
        amounts = [sign * v for v in counts]
        held = NO_CATEGORY
        index = 0
        while index < len(changes) and changes[index][0] <= day:
            held = changes[index][1]
            index += 1
        _add(deltas, coop_id, day, held, amounts)
        for on, category in changes[index:]:
            _add(deltas, coop_id, on, held, [-v for v in amounts])
            _add(deltas, coop_id, on, category, amounts)
            held = category


def _add(
    deltas: dict[Key, list[int]], coop_id: str, day: date, category: str, v: list[int]
) -> None:
    for span, start in (
        ("y", date(day.year, 1, 1)),
        ("m", date(day.year, day.month, 1)),
        ("d", day),
    ):
        found = deltas.get((coop_id, span, start, category))
        if found is None:
            deltas[coop_id, span, start, category] = list(v)
        else:
            for k, x in enumerate(v):
                found[k] += x


def _write(conn: sa.Connection, deltas: dict[Key, list[int]]) -> None:
    """Each delta added to its row (made when missing); rows left at nothing deleted."""
    rows = [
        {"coop_id": c, "span": s, "day": d, "category": k, **dict(zip(COUNTS, v, strict=True))}
        for (c, s, d, k), v in sorted(deltas.items())
        if any(v)
    ]
    if not rows:
        return
    insert = (sqlite.insert if is_sqlite(conn) else postgresql.insert)(capital_dates)
    t = capital_dates.c
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["coop_id", "span", "day", "category"],
            set_={k: t[k] + insert.excluded[k] for k in COUNTS},
        ),
        rows,
    )
    keys = {"k_coop": "coop_id", "k_span": "span", "k_day": "day", "k_category": "category"}
    conn.execute(
        capital_dates.delete().where(
            *(t[column] == sa.bindparam(name) for name, column in keys.items()),
            *(t[k] == 0 for k in COUNTS),
        ),
        [{name: row[column] for name, column in keys.items()} for row in rows],
    )


# -- reading ---------------------------------------------------------------------------


def category_totals_at(conn: sa.Connection, coop_id: str, on: date) -> dict[str, dict[str, int]]:
    """Each category's capital as at `on` (as known now), for the categories some member
    holds then with a movement dated `on` or before; empty when none (or before the
    projector has caught up, after the migration that made its table)."""
    t = capital_dates.c
    year, month = date(on.year, 1, 1), date(on.year, on.month, 1)
    query = (
        sa.select(t.category, *(sa.func.sum(t[k]).label(k) for k in COUNTS))
        .where(  # the cooperative in each term: each is one range of the primary key
            sa.or_(
                sa.and_(t.coop_id == coop_id, t.span == "y", t.day < year),
                sa.and_(t.coop_id == coop_id, t.span == "m", t.day >= year, t.day < month),
                sa.and_(t.coop_id == coop_id, t.span == "d", t.day >= month, t.day <= on),
            ),
        )
        .group_by(t.category)
    )
    return {
        row.category: {k: int(row[k]) for k in AMOUNTS}
        for row in conn.execute(query).mappings()
        if row["entries"]
    }
