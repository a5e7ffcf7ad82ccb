"""The cooperative review (R10): a review done is an event on the cooperative's own
timeline, dated the day its report was made available to the members."""

from __future__ import annotations

from ledger.store import WriteSession
from scic.commands import Context, Decided, _coop_at, _judged, _timeline, command, new_id
from scic.domain import reviews


@command(
    "reviews",
    reviews.RecordReview,
    "Record a cooperative review: the next periodic one is due five years later (R10)",
)
def _review(session: WriteSession, ctx: Context, body: reviews.RecordReview) -> Decided:
    cached = _timeline(session, ctx)
    live = cached.timeline.state.coop
    assert live is not None
    if body.report_made_available_on >= live.incorporated_on:
        _, state = _coop_at(cached, body.report_made_available_on)
    else:
        state = live
    review_id = new_id("rev")
    facts = reviews.record(state, body, review_id, ctx.today)
    return _judged(session, cached, review_id, facts)
