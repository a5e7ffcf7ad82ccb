"""Funding writes: grants (R14), titres participatifs (R11), ESUS (R12). Registered in
the same command table as membership, so the batch endpoint takes them too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

import sqlalchemy as sa

from ledger import NewEvent
from ledger.store import WriteSession
from scic.commands import Context, Decided, _coop, _on, command, new_id
from scic.domain import esus, grants, titles
from scic.domain.funders import FunderIn, FunderRegistered, FunderType
from scic.domain.members import check_date
from scic.domain.state import CoopState
from scic.errors import NotFound, refuse
from scic.money import format_cents
from scic.projections import snapshot
from scic.projections.tables import (
    coops,
    esus_approvals,
    funders,
    funding_movements,
    parties,
    title_issues,
)
from scic.projections.tables import grants as grants_table


def resolve_funder(
    session: WriteSession, coop_id: str, funder: FunderIn | None, funder_id: str | None, on: date
) -> tuple[str, FunderType, list[NewEvent]]:
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
    return (
        new_funder,
        funder.type,
        [NewEvent("FunderRegistered", data.model_dump(), on, subject_id=new_funder)],
    )


# -- grants ----------------------------------------------------------------------------


@command("grants", grants.AwardGrant, "Award a grant (R14: de minimis, agreement above 23 k€)")
def _award(session: WriteSession, ctx: Context, body: grants.AwardGrant) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    on = body.awarded_on or ctx.today
    check_date(state, on)
    funder_id, funder_type, registered = resolve_funder(
        session, state.coop_id, body.funder, body.funder_id, on
    )
    grant_id = new_id("grt")
    window = _de_minimis_window(state, on)
    awarded, warnings = grants.award(
        body,
        grant_id,
        funder_id,
        funder_type,
        on,
        window,
        _de_minimis_before(session, state.coop_id, window),
    )
    return Decided(
        grant_id, [*registered, *awarded], {"funder_id": funder_id, "warnings": warnings}
    )


def _de_minimis_window(state: CoopState, on: date) -> grants.DeMinimisWindow:
    """R14 — the cooperative's fiscal years are those of the accounts (scic/accounting:
    from incorporation to the first statutes' fiscal_year_end)."""
    fiscal_year_end = state.statutes_versions[0][1].fiscal_year_end
    return grants.de_minimis_window(on, state.incorporated_on, fiscal_year_end)


def _de_minimis_before(session: WriteSession, coop_id: str, window: grants.DeMinimisWindow) -> int:
    """De minimis aid awarded (amendments included, clawbacks not: the aid was granted)
    within the window."""
    start, end = window.start, window.end
    m, g = funding_movements.c, grants_table.c
    return int(
        session.conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(m.amount_cents), 0))
            .join(grants_table, g.grant_id == m.ref_id)
            .where(
                m.coop_id == coop_id,
                m.source == "grant",
                m.kind == "awarded",
                g.de_minimis.is_(True),
                m.effective_date >= start,
                m.effective_date <= end,
            )
        ).scalar_one()
    )


class GrantAmountFor(grants.GrantAmount):
    grant_id: str


class ClawbackFor(grants.Clawback):
    grant_id: str


class AmendFor(grants.Amend):
    grant_id: str


class CloseFor(grants.Close):
    grant_id: str


@command(
    "grant-instalments",
    GrantAmountFor,
    "Record an instalment received (R14)",
    route="grants/{grant_id}/instalments",
    body_model=grants.GrantAmount,
)
def _instalment(session: WriteSession, ctx: Context, body: GrantAmountFor) -> Decided:
    grant = snapshot.load_grant(session.conn, _coop(ctx), body.grant_id)
    return Decided(new_id("ins"), grants.instalment(grant, body, _on(body, ctx)))


@command(
    "grant-justifications",
    GrantAmountFor,
    "File a justification of spending (R14)",
    route="grants/{grant_id}/justifications",
    body_model=grants.GrantAmount,
)
def _justify(session: WriteSession, ctx: Context, body: GrantAmountFor) -> Decided:
    grant = snapshot.load_grant(session.conn, _coop(ctx), body.grant_id)
    return Decided(new_id("jus"), grants.justification(grant, body, _on(body, ctx)))


@command(
    "grant-clawbacks",
    ClawbackFor,
    "Record a clawback (reversement) (R14)",
    route="grants/{grant_id}/clawbacks",
    body_model=grants.Clawback,
)
def _clawback(session: WriteSession, ctx: Context, body: ClawbackFor) -> Decided:
    grant = snapshot.load_grant(session.conn, _coop(ctx), body.grant_id)
    return Decided(new_id("clw"), grants.clawback(grant, body, _on(body, ctx)))


@command(
    "grant-amendments",
    AmendFor,
    "Amend the awarded amount (avenant)",
    route="grants/{grant_id}/amendments",
    body_model=grants.Amend,
)
def _amend(session: WriteSession, ctx: Context, body: AmendFor) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    grant = snapshot.load_grant(session.conn, state.coop_id, body.grant_id)
    on = _on(body, ctx)
    window = _de_minimis_window(state, on)
    amended, warnings = grants.amend(
        grant, body, on, window, _de_minimis_before(session, state.coop_id, window)
    )
    return Decided(new_id("amd"), amended, {"warnings": warnings})


@command(
    "grant-closures",
    CloseFor,
    "Close a grant",
    route="grants/{grant_id}/closure",
    body_model=grants.Close,
)
def _close(session: WriteSession, ctx: Context, body: CloseFor) -> Decided:
    grant = snapshot.load_grant(session.conn, _coop(ctx), body.grant_id)
    return Decided(body.grant_id, grants.close(grant, _on(body, ctx)))


# -- titres participatifs --------------------------------------------------------------


@command("participative-titles", titles.IssueTitles, "Issue titres participatifs (R11)")
def _issue(session: WriteSession, ctx: Context, body: titles.IssueTitles) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    on = body.issued_on or ctx.today
    check_date(state, on)
    if (body.holder is None) == (body.holder_id is None):
        raise refuse("holder-required", "give either holder {name, type} or holder_id")
    holder_id, _, registered = resolve_funder(
        session, state.coop_id, body.holder, body.holder_id, on
    )
    issue_id = new_id("tp")
    legal_form = state.statutes_at(on).legal_form
    issued, warnings = titles.issue(body, legal_form, issue_id, holder_id, on)
    return Decided(issue_id, [*registered, *issued], {"holder_id": holder_id, "warnings": warnings})


def _issue_state(session: WriteSession, coop_id: str, issue_id: str) -> titles.IssueState:
    row = (
        session.conn.execute(
            sa.select(title_issues).where(
                title_issues.c.issue_id == issue_id, title_issues.c.coop_id == coop_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("title-issue", issue_id)
    doc = row["doc"]
    return titles.IssueState(
        issue_id,
        row["outstanding"],
        row["nominal_cents"],
        Decimal(doc["fixed_rate"]),
        Decimal(doc["variable_rate"]),
        Decimal(doc["variable_base"]),
        doc.get("reference_figure_cents"),
        row["issued_on"],
    )


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
    state = _issue_state(session, _coop(ctx), body.issue_id)
    return Decided(new_id("red"), titles.redeem(state, body, _on(body, ctx)))


@command(
    "participative-title-remunerations",
    RemunerateFor,
    "Compute and record a year's remuneration of titres participatifs (R11)",
    route="participative-titles/{issue_id}/remunerations",
    body_model=titles.Remunerate,
)
def _remunerate(session: WriteSession, ctx: Context, body: RemunerateFor) -> Decided:
    state = _issue_state(session, _coop(ctx), body.issue_id)
    events = titles.remunerate(state, body, _on(body, ctx))
    data = events[0].data
    return Decided(
        new_id("rem"),
        events,
        {
            "fixed": format_cents(data["fixed_cents"]),
            "variable": format_cents(data["variable_cents"]),
        },
    )


# -- ESUS ------------------------------------------------------------------------------


@command("esus-approvals", esus.ApproveEsus, "Record an ESUS approval (R12: 5 or 2 years)")
def _approve(session: WriteSession, ctx: Context, body: esus.ApproveEsus) -> Decided:
    coop_id = _coop(ctx)
    incorporated = session.conn.execute(
        sa.select(coops.c.incorporated_on).where(coops.c.coop_id == coop_id)
    ).scalar()
    if incorporated is None:
        raise NotFound("cooperative", coop_id)
    approval_id = new_id("esus")
    return Decided(approval_id, esus.approve(body, incorporated, approval_id))


@command("esus-investments", esus.Invest, "Record a solidarity investment (R12)")
def _invest(session: WriteSession, ctx: Context, body: esus.Invest) -> Decided:
    state = snapshot.load_coop(session.conn, _coop(ctx))
    on = _on(body, ctx)
    check_date(state, on)
    if (body.investor is None) == (body.investor_id is None):
        raise refuse("investor-required", "give either investor {name, type} or investor_id")
    if body.subscription_id is not None:
        snapshot.load_subscription(session.conn, state.coop_id, body.subscription_id)
    if body.title_issue_id is not None:
        _issue_state(session, state.coop_id, body.title_issue_id)
    investor_id, _, registered = resolve_funder(
        session, state.coop_id, body.investor, body.investor_id, on
    )
    a = esus_approvals.c
    in_force = (
        session.conn.execute(
            sa.select(a.approval_id).where(
                a.coop_id == state.coop_id, a.granted_on <= on, a.expires_on >= on
            )
        ).first()
        is not None
    )
    investment_id = new_id("inv")
    invested, warnings = esus.invest(body, investment_id, investor_id, on, in_force)
    return Decided(
        investment_id,
        [*registered, *invested],
        {"investor_id": investor_id, "warnings": warnings},
    )
