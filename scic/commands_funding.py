"""Funding writes: grants (R14), titres participatifs (R11), ESUS (R12). Registered in
the same command table as membership, so the batch endpoint takes them too.

Decided like membership, on the cooperative's own timeline: the state as at the
command's date (scic/domain/funding_timeline.py), then every later event judged again at
its own date (`_judged`). Only funders are looked up in the projections: by name, an
identity, not a rule."""

from __future__ import annotations

from datetime import date
from typing import cast

import sqlalchemy as sa

from ledger.store import WriteSession
from scic.commands import (
    Context,
    Decided,
    _coop_at,
    _judged,
    _on,
    _subscription,
    _timeline,
    command,
    new_id,
)
from scic.domain import esus, grants, titles
from scic.domain.facts import Fact
from scic.domain.funders import FunderIn, FunderRegistered, FunderType
from scic.domain.funding_timeline import window_at
from scic.domain.timeline import Fold
from scic.errors import NotFound, refuse
from scic.money import format_cents
from scic.projections.tables import funders, parties
from scic.write_model import Cached


def resolve_funder(
    session: WriteSession, coop_id: str, funder: FunderIn | None, funder_id: str | None, on: date
) -> tuple[str, FunderType, list[Fact]]:
    """An existing funder by id, or by the same name and type; else a new one,
    registered on `on` (the date of what it funds)."""
    conn = session.conn
    if funder_id is not None:
        found = conn.execute(
            sa.select(funders.c.type).where(
                funders.c.funder_id == funder_id, funders.c.coop_id == coop_id
            )
        ).scalar()
        if found is None:
            raise NotFound("funder", funder_id)
        return funder_id, cast(FunderType, found), []
    assert funder is not None
    existing = conn.execute(
        sa.select(funders.c.funder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(
            funders.c.coop_id == coop_id,
            funders.c.type == funder.type,
            parties.c.name == funder.name,
        )
    ).scalar()
    if existing is not None:
        return existing, funder.type, []
    new_funder, party_id = new_id("fnd"), new_id("pty")
    conn.execute(
        parties.insert().values(party_id=party_id, coop_id=coop_id, kind="funder", name=funder.name)
    )
    data = FunderRegistered(funder_id=new_funder, party_id=party_id, type=funder.type)
    return new_funder, funder.type, [Fact(data, on)]


# -- grants ----------------------------------------------------------------------------


@command("grants", grants.AwardGrant, "Award a grant (R14: de minimis, agreement above 23 k€)")
def _award(session: WriteSession, ctx: Context, body: grants.AwardGrant) -> Decided:
    cached = _timeline(session, ctx)
    on = body.awarded_on or ctx.today
    fold, state = _coop_at(cached, on)
    funder_id, funder_type, registered = resolve_funder(
        session, state.coop_id, body.funder, body.funder_id, on
    )
    grant_id = new_id("grt")
    window = window_at(state, on, body.de_minimis_regime)
    awarded, warnings = grants.award(
        body,
        grant_id,
        funder_id,
        funder_type,
        on,
        window,
        fold.funding.de_minimis_within(window),
        fold.funding.authority_years(funder_id),
    )
    extra = {"funder_id": funder_id, "warnings": warnings}
    return _judged(session, cached, grant_id, [*registered, *awarded], extra)


def _grant(cached: Cached, fold: Fold, grant_id: str, on: date) -> grants.GrantState:
    """The grant as at `on`; one awarded later is a date error, not an unknown grant."""
    found = fold.funding.grants.get(grant_id)
    if found is not None:
        return found
    later = cached.timeline.state.funding.grants.get(grant_id)
    if later is not None:
        raise refuse(
            "date-before-award",
            f"{on} is before grant {grant_id} was awarded ({later.awarded_on})",
        )
    raise NotFound("grant", grant_id)


def _title_issue(cached: Cached, fold: Fold, issue_id: str, on: date) -> titles.IssueState:
    """R11 — the issue as at `on`; nothing is redeemed, paid or invested before it."""
    found = fold.funding.issues.get(issue_id)
    if found is not None:
        return found
    later = cached.timeline.state.funding.issues.get(issue_id)
    if later is not None:
        raise refuse(
            "date-before-issue",
            f"{on} is before titres participatifs {issue_id} were issued ({later.issued_on})",
        )
    raise NotFound("title-issue", issue_id)


class GrantAmountFor(grants.GrantAmount):
    grant_id: str


class InstalmentFor(grants.Instalment):
    grant_id: str


class ClawbackFor(grants.Clawback):
    grant_id: str


class AmendFor(grants.Amend):
    grant_id: str


class CloseFor(grants.Close):
    grant_id: str


@command(
    "grant-instalments",
    InstalmentFor,
    "Record an instalment received (R14)",
    route="grants/{grant_id}/instalments",
    body_model=grants.Instalment,
)
def _instalment(session: WriteSession, ctx: Context, body: InstalmentFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, _ = _coop_at(cached, on)
    grant = _grant(cached, fold, body.grant_id, on)
    return _judged(session, cached, new_id("ins"), grants.instalment(grant, body, on))


@command(
    "grant-justifications",
    GrantAmountFor,
    "File a justification of spending (R14)",
    route="grants/{grant_id}/justifications",
    body_model=grants.GrantAmount,
)
def _justify(session: WriteSession, ctx: Context, body: GrantAmountFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, _ = _coop_at(cached, on)
    grant = _grant(cached, fold, body.grant_id, on)
    return _judged(session, cached, new_id("jus"), grants.justification(grant, body, on))


@command(
    "grant-clawbacks",
    ClawbackFor,
    "Record a clawback (reversement) (R14)",
    route="grants/{grant_id}/clawbacks",
    body_model=grants.Clawback,
)
def _clawback(session: WriteSession, ctx: Context, body: ClawbackFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, _ = _coop_at(cached, on)
    grant = _grant(cached, fold, body.grant_id, on)
    return _judged(session, cached, new_id("clw"), grants.clawback(grant, body, on))


@command(
    "grant-amendments",
    AmendFor,
    "Amend the awarded amount (avenant)",
    route="grants/{grant_id}/amendments",
    body_model=grants.Amend,
)
def _amend(session: WriteSession, ctx: Context, body: AmendFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    grant = _grant(cached, fold, body.grant_id, on)
    window = window_at(state, on, grant.de_minimis_regime)
    amended, warnings = grants.amend(
        grant,
        body,
        on,
        window,
        fold.funding.de_minimis_within(window),
        fold.funding.authority_years(grant.funder_id, grant.grant_id),
    )
    return _judged(session, cached, new_id("amd"), amended, {"warnings": warnings})


@command(
    "grant-closures",
    CloseFor,
    "Close a grant",
    route="grants/{grant_id}/closure",
    body_model=grants.Close,
)
def _close(session: WriteSession, ctx: Context, body: CloseFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, _ = _coop_at(cached, on)
    grant = _grant(cached, fold, body.grant_id, on)
    return _judged(session, cached, body.grant_id, grants.close(grant, on))


# -- titres participatifs --------------------------------------------------------------


@command("participative-titles", titles.IssueTitles, "Issue titres participatifs (R11)")
def _issue(session: WriteSession, ctx: Context, body: titles.IssueTitles) -> Decided:
    cached = _timeline(session, ctx)
    on = body.issued_on or ctx.today
    _, state = _coop_at(cached, on)
    if (body.holder is None) == (body.holder_id is None):
        raise refuse("holder-required", "give either holder {name, type} or holder_id")
    holder_id, _, registered = resolve_funder(
        session, state.coop_id, body.holder, body.holder_id, on
    )
    issue_id = new_id("tp")
    legal_form = state.statutes_at(on).legal_form
    issued, warnings = titles.issue(body, legal_form, issue_id, holder_id, on)
    extra = {"holder_id": holder_id, "warnings": warnings}
    return _judged(session, cached, issue_id, [*registered, *issued], extra)


class RedeemFor(titles.Redeem):
    issue_id: str


class RemunerateFor(titles.Remunerate):
    issue_id: str


@command(
    "participative-title-redemptions",
    RedeemFor,
    "Redeem titres participatifs (R11: after 7 years, or at liquidation)",
    route="participative-titles/{issue_id}/redemptions",
    body_model=titles.Redeem,
)
def _redeem(session: WriteSession, ctx: Context, body: RedeemFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, _ = _coop_at(cached, on)
    issue = _title_issue(cached, fold, body.issue_id, on)
    return _judged(session, cached, new_id("red"), titles.redeem(issue, body, on))


@command(
    "participative-title-remunerations",
    RemunerateFor,
    "Compute and record a year's remuneration of titres participatifs (R11)",
    route="participative-titles/{issue_id}/remunerations",
    body_model=titles.Remunerate,
)
def _remunerate(session: WriteSession, ctx: Context, body: RemunerateFor) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, _ = _coop_at(cached, on)
    issue = _title_issue(cached, fold, body.issue_id, on)
    facts = titles.remunerate(issue, body, on)
    data = facts[0].event
    assert isinstance(data, titles.TitlesRemunerated)
    extra = {"fixed": format_cents(data.fixed_cents), "variable": format_cents(data.variable_cents)}
    return _judged(session, cached, new_id("rem"), facts, extra)


# -- ESUS ------------------------------------------------------------------------------


@command("esus-approvals", esus.ApproveEsus, "Record an ESUS approval (R12: 5 or 2 years)")
def _approve(session: WriteSession, ctx: Context, body: esus.ApproveEsus) -> Decided:
    cached = _timeline(session, ctx)
    coop = cached.timeline.state.coop
    assert coop is not None
    approval_id = new_id("esus")
    facts = esus.approve(body, coop.incorporated_on, approval_id)
    return _judged(session, cached, approval_id, facts)


@command("esus-investments", esus.Invest, "Record a solidarity investment (R12)")
def _invest(session: WriteSession, ctx: Context, body: esus.Invest) -> Decided:
    cached = _timeline(session, ctx)
    on = _on(body, ctx)
    fold, state = _coop_at(cached, on)
    if (body.investor is None) == (body.investor_id is None):
        raise refuse("investor-required", "give either investor {name, type} or investor_id")
    if body.subscription_id is not None:
        _subscription(cached, fold, body.subscription_id, on)
    if body.title_issue_id is not None:
        _title_issue(cached, fold, body.title_issue_id, on)
    investor_id, _, registered = resolve_funder(
        session, state.coop_id, body.investor, body.investor_id, on
    )
    investment_id = new_id("inv")
    in_force = fold.funding.approval_in_force(on)  # R12 — at the investment's date
    invested, warnings = esus.invest(body, investment_id, investor_id, on, in_force)
    extra = {"investor_id": investor_id, "warnings": warnings}
    return _judged(session, cached, investment_id, [*registered, *invested], extra)
