"""The feed's event object (what GET …/events lists, webhooks deliver and the SSE stream
sends) and the Server-Sent Events stream of a cooperative's events."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import anyio.to_thread
import sqlalchemy as sa

from ledger.chain import format_timestamp
from ledger.envelope import RecordedEvent
from ledger.store import EventStore
from scic.access.tokens import FUNDER, MEMBER, Principal
from scic.projections.tables import funders, grants, members, title_issues

_PAGE = 100


def event_object(e: RecordedEvent) -> dict[str, Any]:
    """One event as the feed shows it (the items of GET /v1/coops/{coop}/events)."""
    return {
        "position": e.position,
        "event_id": e.event_id,
        "type": e.type,
        "stream_id": e.stream_id,
        "stream_version": e.stream_version,
        "effective_date": e.effective_date.isoformat(),
        "recorded_at": format_timestamp(e.recorded_at),
        "actor": e.actor,
        "reverses": e.reverses,
        "data": e.data,
    }


def event_body(e: RecordedEvent) -> bytes:
    return json.dumps(event_object(e), ensure_ascii=False, separators=(",", ":")).encode()


async def sse_stream(
    store: EventStore,
    coop_id: str,
    after: int,
    *,
    poll: float,
    keepalive: float,
    timeout: float,
    subjects: Callable[[], set[str] | None] = lambda: None,
    still_allowed: Callable[[], bool] = lambda: True,
    revoked_here: Callable[[], bool] = lambda: False,
    monotonic: Callable[[], float] = time.monotonic,
) -> AsyncIterator[bytes]:
    """`id:` is the position (what EventSource sends back as Last-Event-ID), `data:` the
    event object. Ends after `timeout` seconds; clients reconnect and resume. `subjects`
    narrows the stream (subjects_of), asked again for each new page of events.

    An async generator: between two looks at the ledger it holds no thread (the reads
    run in the thread pool, one page at a time). The token is checked again before each
    page (`still_allowed`, in the database) and before each event (`revoked_here`, a
    revocation made in this process): a revoked token's stream ends at once."""
    started = last_sent = monotonic()
    yield f"retry: {max(int(poll * 1000), 100)}\n: stream of {coop_id} after {after}\n\n".encode()
    while True:
        page = await anyio.to_thread.run_sync(_page, store, coop_id, after)
        checking = bool(page) or monotonic() - last_sent >= keepalive
        if checking and not await anyio.to_thread.run_sync(still_allowed):
            yield b"event: revoked\ndata: the token was revoked or has expired\n\n"
            return
        allowed = await anyio.to_thread.run_sync(subjects) if page else None
        for event in page:
            if revoked_here():
                yield b"event: revoked\ndata: the token was revoked\n\n"
                return
            after = event.position
            if allowed is None or event.subject_id in allowed:
                yield b"id: %d\ndata: %s\n\n" % (event.position, event_body(event))
                last_sent = monotonic()
        if len(page) == _PAGE:
            continue
        now = monotonic()
        if now - started >= timeout:
            return
        if now - last_sent >= keepalive:
            yield b": keep-alive\n\n"
            last_sent = now
        await anyio.sleep(min(poll, max(timeout - (now - started), 0)))


def _page(store: EventStore, coop_id: str, after: int) -> list[RecordedEvent]:
    return store.read_all(after, _PAGE, tenant_id=coop_id)


def subjects_of(conn: sa.Connection, coop_id: str, who: Principal) -> set[str] | None:
    """The event subjects a token may follow: None for every event (manager, accountant,
    admin); a member its member ids; a funder its funder ids, grants and title issues."""
    if who.role not in (FUNDER, MEMBER):
        return None
    if who.party_id is None:
        return set()
    if who.role == MEMBER:
        m = members.c
        query = sa.select(m.member_id).where(m.coop_id == coop_id, m.party_id == who.party_id)
        return set(conn.execute(query).scalars())
    f = funders.c
    own = set(
        conn.execute(
            sa.select(f.funder_id).where(f.coop_id == coop_id, f.party_id == who.party_id)
        ).scalars()
    )
    if not own:
        return own
    own |= set(
        conn.execute(sa.select(grants.c.grant_id).where(grants.c.funder_id.in_(own))).scalars()
    )
    own |= set(
        conn.execute(
            sa.select(title_issues.c.issue_id).where(title_issues.c.holder_id.in_(own))
        ).scalars()
    )
    return own
