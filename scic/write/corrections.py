"""Corrections: a write that reverses earlier events (corrections never edit), re-judges
the corrected history and compensates what only the mistake let go (R5, R16)."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from ledger import NewEvent
from ledger.schema import events as events_table
from ledger.store import WriteSession
from scic.accounting.fiscal_years import as_prior_period_adjustments
from scic.domain import corrections, shares
from scic.domain.timeline import Entry
from scic.write import store
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Decided


def correct(session: WriteSession, ctx: Context, body: corrections.Correct) -> Decided:
    cached = store.load(session, ctx.cooperative())
    timeline = cached.timeline
    targets = corrections.targets(timeline, body.reverses)
    cor_id = new_id("cor")
    facts = corrections.reverse(timeline, targets, body.reason)
    # Re-judge the corrected history: reimbursements that only the mistake let go are
    # compensated (R5); an R3 breach is recorded and reported, never a reason to keep a
    # false record; anything else (a later payment on a reversed subscription) refuses.
    while True:
        entries = store.entries_of(facts, session, cor_id)
        violations = timeline.insert(entries, tolerate={"R3", "R5"}, dry_run=True)
        blocking = [v for v in violations if v.kind == "structural"]
        if blocking:
            raise corrections.later_events_first(blocking[0])
        unfloored = [v for v in violations if v.kind == "R5"]
        if not unfloored:
            break
        facts = [*facts, corrections.compensate(timeline, unfloored[0], cor_id)]
    store.decide_into(cached, entries, tolerate={"R3"})
    envelopes = [_reversal_envelope(session, e) for e in entries]
    # R5 — a reversed withdrawal at the head of the queue, or a lower highest capital,
    # may let waiting reimbursements go now.
    _, after = store.coop_at(cached, ctx.today)
    released = store.entries_of(shares.release_pending(after, ctx.today, 0), session, cor_id)
    if released:
        store.decide_into(cached, released)
        envelopes += [store.envelope(e) for e in released]
    adjusted = as_prior_period_adjustments(session.conn, ctx.cooperative(), envelopes, ctx.today)
    # R16 — a prior-period adjustment is stored in the open year, not where it was
    # judged: leave the cached fold in flight so the next command refolds it.
    return Decided(cor_id, adjusted, {}, cached if adjusted == envelopes else None)


CORRECTIONS = Command("corrections", correct, corrections.Correct)


def _reversal_envelope(session: WriteSession, entry: Entry) -> NewEvent:
    """A reversal keeps the promoted columns of the event it reverses."""
    e = events_table.c
    original = session.conn.execute(
        sa.select(e.subject_id, e.amount_cents).where(e.event_id == entry.reverses)
    ).one()
    return replace(
        store.envelope(entry),
        subject_id=original.subject_id,
        amount_cents=original.amount_cents,
    )
