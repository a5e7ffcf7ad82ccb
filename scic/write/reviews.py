"""The cooperative review (R10): a review done is an event on the cooperative's own
timeline, dated the day its report was made available to the members."""

from __future__ import annotations

from ledger.store import WriteSession
from scic.domain import reviews
from scic.write import store
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Decided


def review(session: WriteSession, ctx: Context, body: reviews.RecordReview) -> Decided:
    cached = store.load(session, ctx.cooperative())
    live = cached.timeline.state.coop
    assert live is not None
    if body.report_made_available_on >= live.incorporated_on:
        _, state = store.coop_at(cached, body.report_made_available_on)
    else:
        state = live
    review_id = new_id("rev")
    facts = reviews.record(state, body, review_id, ctx.today)
    return store.judged(session, cached, review_id, facts)


REVIEWS = Command("reviews", review, reviews.RecordReview)
