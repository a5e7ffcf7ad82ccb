"""The timeline store: reads a cooperative's events as typed entries, keeps its folded
timeline cached by the cooperative's last position, judges decided facts into it, and
maps them to ledger envelopes (the only place the domain and the ledger meet).

Cache: one `Timeline` per cooperative and engine, tagged with the (position, hash) of
the cooperative's last event. Every load, inside the write transaction and under the
append lock, reads that pair (one indexed query): equal → the cached fold is used as is;
the cached pair still in the ledger → only the events after it are read and folded;
a cached pair that is the ledger's own head needs no query at all (a batch's second
command, or the next command after this cooperative's);
anything else (a rolled-back write, another process) → the timeline is rebuilt. The hash
chain makes a stale tag impossible to mistake for a fresh one. A batch loads once and
decides every command against the evolving timeline.
"""

from __future__ import annotations

import bisect
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from ledger import NewEvent, RecordedEvent
from ledger.schema import events as events_table
from ledger.store import WriteSession
from scic.domain import members, shares
from scic.domain.cooperative import CoopRegistered, StatutesAmended
from scic.domain.esus import EsusApproved, EsusInvested
from scic.domain.facts import Fact
from scic.domain.fiscal_years import FiscalYearClosed
from scic.domain.funders import FunderRegistered
from scic.domain.grants import GrantAmended, GrantAwarded, GrantClosed, GrantFlow
from scic.domain.members import MemberAdmitted, MemberCategoryChanged, PartyErased
from scic.domain.shares import (
    MemberWithdrew,
    OwedCallPaid,
    ReimbursementPaidOut,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.domain.state import CoopState, MemberState, SubscriptionState
from scic.domain.timeline import Entry, Fold, Timeline, Violation, sort_key
from scic.domain.titles import TitlesIssued, TitlesRedeemed, TitlesRemunerated
from scic.errors import NotFound, refused_by_history
from scic.events import EVENT_TYPES

# -- mapping ---------------------------------------------------------------------------


def envelope(entry: Entry) -> NewEvent:
    """A decided entry as the ledger stores it: type, payload, promoted columns."""
    assert entry.event is not None
    subject, amount = _promoted(entry.event)
    return NewEvent(
        entry.type,
        entry.event.model_dump(mode="json"),
        entry.on,
        subject_id=subject,
        amount_cents=amount,
        reverses=entry.reverses,
        event_id=entry.event_id,
    )


def _promoted(e: BaseModel) -> tuple[str | None, int | None]:
    match e:
        case CoopRegistered() | StatutesAmended():
            return e.coop_id, None
        case MemberAdmitted() | MemberCategoryChanged():
            return e.member_id, None
        case SharesSubscribed():
            return e.member_id, e.subscribed_cents
        case (
            SharesCalled()
            | SharesPaid()
            | SharesReimbursed()
            | ReimbursementPaidOut()
            | OwedCallPaid()
        ):
            return e.member_id, e.amount_cents
        case MemberWithdrew():
            return e.member_id, e.paid_cents
        case SharesTransferred():
            return e.from_member_id, e.subscribed_cents
        case PartyErased():
            return e.party_id, None
    return _promoted_funding(e)


def _promoted_funding(e: BaseModel) -> tuple[str | None, int | None]:
    """R11/R12/R14 events: the funder, grant or issue they concern, and their amount."""
    match e:
        case FunderRegistered():
            return e.funder_id, None
        case GrantAwarded():
            return e.funder_id, e.amount_cents
        case GrantAmended():
            return e.grant_id, e.amount_cents - e.previous_cents
        case GrantClosed():
            return e.grant_id, None
        case GrantFlow():
            return e.grant_id, e.amount_cents
        case TitlesIssued():
            return e.holder_id, e.count * e.nominal_cents
        case TitlesRedeemed():
            return e.issue_id, e.amount_cents
        case TitlesRemunerated():
            return e.issue_id, e.fixed_cents + e.variable_cents
        case EsusApproved():
            return e.approval_id, None
        case EsusInvested():
            return e.investor_id, e.amount_cents
    return None, getattr(e, "amount_cents", None)


def entries_of(facts: Sequence[Fact], session: WriteSession, write_id: str) -> list[Entry]:
    """Facts about to be appended, as the entries they will be (positions follow head)."""
    return [
        Entry(
            session.head + i,
            str(uuid.uuid4()),
            f.on,
            f.event,
            type(f.event).__name__,
            f.reverses,
            write_id,
        )
        for i, f in enumerate(facts, start=1)
    ]


def typed(row: Any, session_or_registry: Any) -> Entry:
    """An events row read back as a typed entry."""
    registry = getattr(session_or_registry, "registry", session_or_registry)
    _, data = registry.upcast(row["type"], row["schema_version"], row["data"])
    model = EVENT_TYPES.get(row["type"])
    return Entry(
        row["position"],
        row["event_id"],
        row["effective_date"],
        model.model_validate(data) if model else None,
        row["type"],
        row["reverses"],
        row["correlation_id"],
    )


# -- loading and caching ---------------------------------------------------------------


@dataclass
class Cached:
    """`closed_until`: the end of the last fiscal year closed in the entries folded (R16),
    so the pipeline need not ask the closings table."""

    timeline: Timeline
    tag: tuple[int, str]  # (position, hash) of the coop's last event folded
    deciding: bool = False  # set while a decision is in flight: not trusted until appended
    closed_until: date | None = None

    def closings(self, entries: Sequence[Entry]) -> None:
        for entry in entries:
            if isinstance(entry.event, FiscalYearClosed):
                self.closed_until = max(self.closed_until or entry.event.end, entry.event.end)


_CACHE: weakref.WeakKeyDictionary[sa.Engine, dict[str, Cached]] = weakref.WeakKeyDictionary()
_COLUMNS = [
    events_table.c[name]
    for name in (
        "position",
        "event_id",
        "type",
        "schema_version",
        "data",
        "effective_date",
        "reverses",
        "correlation_id",
        "hash",
    )
]


def load(session: WriteSession, coop_id: str) -> Cached:
    """The cooperative's timeline, folded to the last event in the ledger."""
    e = events_table.c
    conn = session.conn
    cache = _CACHE.setdefault(conn.engine, {})
    found = cache.get(coop_id)
    if found is not None and not found.deciding and found.tag == session.tip[:2]:
        return found  # its last event is the ledger's: nothing newer, no query needed
    session.flush()  # what follows reads the events
    last = conn.execute(
        sa.select(e.position, e.hash)
        .where(e.tenant_id == coop_id)
        .order_by(e.position.desc())
        .limit(1)
    ).first()
    if last is None:
        cache.pop(coop_id, None)
        raise NotFound("cooperative", coop_id)
    tag = (last.position, last.hash)
    if found is not None and not found.deciding:
        if found.tag == tag:
            return found
        if found.tag[0] < tag[0] and _still_there(conn, found.tag):
            _learn(found, _read(session, coop_id, after=found.tag[0]), tag)
            return found
    rows = _read(session, coop_id, after=0)
    if not rows or rows[0].type != "CoopRegistered":
        raise NotFound("cooperative", coop_id)
    cached = Cached(Timeline.of(rows), tag)
    cached.closings(rows)
    cache[coop_id] = cached
    return cached


def refold(engine: sa.Engine, registry: Any, coop_id: str) -> None:
    """After a dry run (rolled back on purpose): the cooperative's timeline folded afresh
    from what the ledger holds, read on a connection of its own, outside the write lock.
    The dry run's decisions are in the cached timeline, tagged with events never
    committed: `load` would see that and fold the whole history again, under the write
    lock, at the next command (every cooperative's writes waiting). A write that lands
    meanwhile is learnt from the tag by `load`, as any other; a cache put there by a
    command meanwhile is replaced by one as good (its tag is checked all the same)."""
    e = events_table.c
    with engine.connect() as conn:
        rows = (
            conn.execute(sa.select(*_COLUMNS).where(e.tenant_id == coop_id).order_by(e.position))
            .mappings()
            .all()
        )
    cache = _CACHE.setdefault(engine, {})
    if not rows or rows[0]["type"] != "CoopRegistered":
        cache.pop(coop_id, None)
        return
    entries = [typed(row, registry) for row in rows]
    cached = Cached(Timeline.of(entries), (rows[-1]["position"], rows[-1]["hash"]))
    cached.closings(entries)
    cache[coop_id] = cached


# Event types the fold neither judges nor applies (scic.domain.timeline): a notice of the
# scheduler, a closing (known to the pipeline through `closed_until`), an erasure. A
# history learns them in its order without being refolded, whatever their date.
INERT = frozenset({"ReminderDue", "FiscalYearClosed", "PartyErased"})


def _learn(found: Cached, newer: list[Entry], tag: tuple[int, str]) -> None:
    """Fold events appended after the cached tag: in place when they are inert (a
    reminder dated last month would otherwise refold the whole history), else inserted
    as any back-dated event is."""
    if all(entry.type in INERT for entry in newer):
        timeline = found.timeline
        for entry in newer:
            bisect.insort(timeline.entries, entry, key=sort_key)
            timeline.state.on = max(timeline.state.on, entry.on)
    else:
        found.timeline.insert(newer, tolerate={"structural", "R3", "R5", "R14"})
    found.tag = tag
    found.closings(newer)


def noted(session: WriteSession, recorded: Sequence[RecordedEvent]) -> None:
    """Tell the cached timelines of events appended without a command's decision (the
    scheduler's notices, a closing, an erasure): each cooperative's cache that was
    current just before them learns them, so the next command neither reads nor refolds
    its history for them. A cache that was not current is left to `load`."""
    cache = _CACHE.get(session.conn.engine)
    if not cache:
        return
    by_coop: dict[str, list[RecordedEvent]] = {}
    for event in recorded:
        if event.tenant_id is not None and event.tenant_id in cache:
            by_coop.setdefault(event.tenant_id, []).append(event)
    if not by_coop:
        return
    session.flush()  # the query below reads the events
    e = events_table.c
    for coop_id, events in by_coop.items():
        found = cache[coop_id]
        before = session.conn.execute(
            sa.select(e.position, e.hash)
            .where(e.tenant_id == coop_id, e.position < events[0].position)
            .order_by(e.position.desc())
            .limit(1)
        ).first()
        if found.deciding or before is None or found.tag != tuple(before):
            continue
        entries = [_entry_of(event, session.store.registry) for event in events]
        _learn(found, entries, (events[-1].position, events[-1].hash))


def _entry_of(event: RecordedEvent, registry: Any) -> Entry:
    """A recorded event as the entry `_read` would give (see `_COLUMNS`)."""
    return typed({column.name: getattr(event, column.name) for column in _COLUMNS}, registry)


def _still_there(conn: sa.Connection, tag: tuple[int, str]) -> bool:
    e = events_table.c
    found = conn.execute(sa.select(e.hash).where(e.position == tag[0])).scalar()
    return found == tag[1]


def _read(session: WriteSession, coop_id: str, after: int) -> list[Entry]:
    e = events_table.c
    rows = session.conn.execute(
        sa.select(*_COLUMNS).where(e.tenant_id == coop_id, e.position > after).order_by(e.position)
    ).mappings()
    return [typed(row, session.store.registry) for row in rows]


def read_entries(conn: sa.Connection, registry: Any, coop_id: str) -> list[Entry]:
    """Every entry of a cooperative, for read-side folds (compliance)."""
    e = events_table.c
    rows = conn.execute(
        sa.select(*_COLUMNS).where(e.tenant_id == coop_id).order_by(e.position)
    ).mappings()
    return [typed(row, registry) for row in rows]


def decide_into(cached: Cached, new: Sequence[Entry], **options: Any) -> None:
    """Insert decided entries into the timeline, refusing on the first event of the new
    history that has become unlawful. Marks the cache in flight until `appended`."""
    cached.deciding = True
    violations = cached.timeline.insert(new, **options)
    tolerated = options.get("tolerate") or set()
    refused = [v for v in violations if v.kind not in tolerated]
    if refused:
        cached.deciding = False  # a refused insert leaves the timeline as it was
        raise as_refusal(refused[0], new)


def appended(cached: Cached, position: int, hash_: str) -> None:
    cached.tag = (position, hash_)
    cached.deciding = False


def as_refusal(v: Violation, new: Sequence[Entry]) -> Exception:
    """A violation of the new history as the refusal of the command that caused it: the
    command's own event keeps its slug; a later event it made unlawful says so."""
    own = any(n.event_id == v.event_id for n in new)
    detail = v.detail if own else f"{v.detail} (an event of {v.on} already in the ledger)"
    return refused_by_history(v.slug, detail, v.rule)


# -- what a handler hands the pipeline -------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """What a handler decided. `timeline`: the cooperative's cached timeline the events
    were judged into (told once they are appended)."""

    id: str
    events: list[NewEvent]
    extra: dict[str, Any] = field(default_factory=dict)
    timeline: Cached | None = None


def judged(
    session: WriteSession,
    cached: Cached,
    write_id: str,
    facts: list[Fact],
    extra: dict[str, Any] | None = None,
) -> Decided:
    """Insert the decided facts into the timeline (refusing if a later event becomes
    unlawful) and hand their envelopes to the pipeline."""
    entries = entries_of(facts, session, write_id)
    decide_into(cached, entries)
    return Decided(write_id, [envelope(e) for e in entries], extra or {}, cached)


def unjudged(session: WriteSession, write_id: str, facts: list[Fact]) -> Decided:
    """Facts outside any cooperative's timeline (a registration, an erasure)."""
    return Decided(write_id, [envelope(e) for e in entries_of(facts, session, write_id)])


# -- the state as at a command's date --------------------------------------------------


def as_at(session: WriteSession, coop_id: str, on: date) -> tuple[Cached, Fold, CoopState]:
    """The cooperative's timeline (`load`), the timeline as at `on` and the cooperative's
    state then (`coop_at`): what a handler decides on."""
    cached = load(session, coop_id)
    return (cached, *coop_at(cached, on))


def coop_at(cached: Cached, on: date) -> tuple[Fold, CoopState]:
    """The timeline as at `on`, and the cooperative's state then."""
    state = cached.timeline.at(on)
    if state.coop is None:
        live = cached.timeline.state.coop
        assert live is not None
        members.check_date(live, on)  # refuses: `on` is before the incorporation
    assert state.coop is not None
    return state, state.coop


def member_at(cached: Cached, state: Fold, member_id: str, on: date) -> MemberState:
    """The member as at `on`; one admitted later is a date error, not an unknown member."""
    return members.require_active(known_member(cached, state, member_id), on, member_id)


def known_member(cached: Cached, state: Fold, member_id: str) -> MemberState | None:
    """The member as `state` knows it, present or gone (None: admitted later); one the
    cooperative never admitted is not found."""
    found = state.members.get(member_id)
    if found is None and member_id not in cached.timeline.state.members:
        raise NotFound("member", member_id)
    return found


def subscription_at(cached: Cached, state: Fold, sub_id: str, on: date) -> SubscriptionState:
    """The subscription as at `on`; one made later is a date error (R7), not an unknown
    subscription."""
    found = state.subscriptions.get(sub_id)
    if found is None and sub_id not in cached.timeline.state.subscriptions:
        raise NotFound("subscription", sub_id)
    return shares.require_subscription(found, sub_id, on)
