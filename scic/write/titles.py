"""Writes about titres participatifs (R11): issues, redemptions, remunerations."""

from __future__ import annotations

from datetime import date

from ledger.store import WriteSession
from scic.domain import titles
from scic.domain.timeline import Fold
from scic.errors import NotFound, refuse
from scic.money import format_cents
from scic.write import store
from scic.write.funders import resolve_funder
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Cached, Decided


def issue(session: WriteSession, ctx: Context, body: titles.IssueTitles) -> Decided:
    on = body.issued_on or ctx.today
    cached, _, state = store.as_at(session, ctx.cooperative(), on)
    if (body.holder is None) == (body.holder_id is None):
        raise refuse("holder-required", "give either holder {name, type} or holder_id")
    holder_id, _, registered = resolve_funder(
        session, state.coop_id, body.holder, body.holder_id, on
    )
    issue_id = new_id("tp")
    legal_form = state.statutes_at(on).legal_form
    issued, warnings = titles.issue(body, legal_form, issue_id, holder_id, on)
    extra = {"holder_id": holder_id, "warnings": warnings}
    return store.judged(session, cached, issue_id, [*registered, *issued], extra)


PARTICIPATIVE_TITLES = Command("participative-titles", issue, titles.IssueTitles)


def issue_at(cached: Cached, fold: Fold, issue_id: str, on: date) -> titles.IssueState:
    """R11 — the issue as at `on`; nothing is redeemed, paid or invested before it."""
    found = fold.funding.issues.get(issue_id)
    if found is None and issue_id not in cached.timeline.state.funding.issues:
        raise NotFound("title-issue", issue_id)
    return titles.require_issued(found, issue_id, on)


class RedeemFor(titles.Redeem):
    issue_id: str


class RemunerateFor(titles.Remunerate):
    issue_id: str


def redeem(session: WriteSession, ctx: Context, body: RedeemFor) -> Decided:
    on = ctx.on(body)
    cached, fold, _ = store.as_at(session, ctx.cooperative(), on)
    found = issue_at(cached, fold, body.issue_id, on)
    return store.judged(session, cached, new_id("red"), titles.redeem(found, body, on))


PARTICIPATIVE_TITLE_REDEMPTIONS = Command(
    "participative-title-redemptions",
    redeem,
    RedeemFor,
    "participative-titles/{issue_id}/redemptions",
    titles.Redeem,
)


def remunerate(session: WriteSession, ctx: Context, body: RemunerateFor) -> Decided:
    on = ctx.on(body)
    cached, fold, _ = store.as_at(session, ctx.cooperative(), on)
    found = issue_at(cached, fold, body.issue_id, on)
    facts = titles.remunerate(found, body, on)
    data = facts[0].event
    assert isinstance(data, titles.TitlesRemunerated)
    extra = {"fixed": format_cents(data.fixed_cents), "variable": format_cents(data.variable_cents)}
    return store.judged(session, cached, new_id("rem"), facts, extra)


PARTICIPATIVE_TITLE_REMUNERATIONS = Command(
    "participative-title-remunerations",
    remunerate,
    RemunerateFor,
    "participative-titles/{issue_id}/remunerations",
    titles.Remunerate,
)
