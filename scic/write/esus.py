"""Writes about the ESUS approval and solidarity investments (R12)."""

from __future__ import annotations

from ledger.store import WriteSession
from scic.domain import esus
from scic.errors import refuse
from scic.write import store
from scic.write.funders import resolve_funder
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Decided
from scic.write.titles import issue_at


def approve(session: WriteSession, ctx: Context, body: esus.ApproveEsus) -> Decided:
    cached = store.load(session, ctx.cooperative())
    coop = cached.timeline.state.coop
    assert coop is not None
    approval_id = new_id("esus")
    facts = esus.approve(body, coop.incorporated_on, approval_id)
    return store.judged(session, cached, approval_id, facts)


ESUS_APPROVALS = Command("esus-approvals", approve, esus.ApproveEsus)


def invest(session: WriteSession, ctx: Context, body: esus.Invest) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    if (body.investor is None) == (body.investor_id is None):
        raise refuse("investor-required", "give either investor {name, type} or investor_id")
    if body.subscription_id is not None:
        store.subscription_at(cached, fold, body.subscription_id, on)
    if body.title_issue_id is not None:
        issue_at(cached, fold, body.title_issue_id, on)
    investor_id, _, registered = resolve_funder(
        session, state.coop_id, body.investor, body.investor_id, on
    )
    investment_id = new_id("inv")
    in_force = fold.funding.approval_in_force(on)  # R12 — at the investment's date
    invested, warnings = esus.invest(body, investment_id, investor_id, on, in_force)
    extra = {"investor_id": investor_id, "warnings": warnings}
    return store.judged(session, cached, investment_id, [*registered, *invested], extra)


ESUS_INVESTMENTS = Command("esus-investments", invest, esus.Invest)
