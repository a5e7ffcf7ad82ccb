"""Writes about grants (R14): awards, instalments, justifications, clawbacks,
amendments, closures. Decided on the cooperative's timeline (the funding state as at the
command's date, scic/domain/funding_timeline.py), then every later event judged again."""

from __future__ import annotations

from datetime import date

from ledger.store import WriteSession
from scic.domain import grants
from scic.domain.funding_timeline import window_at
from scic.domain.timeline import Fold
from scic.errors import NotFound
from scic.write import store
from scic.write.funders import resolve_funder
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Cached, Decided


def award(session: WriteSession, ctx: Context, body: grants.AwardGrant) -> Decided:
    cached = store.load(session, ctx.cooperative())
    on = body.awarded_on or ctx.today
    fold, state = store.coop_at(cached, on)
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
    return store.judged(session, cached, grant_id, [*registered, *awarded], extra)


GRANTS = Command("grants", award, grants.AwardGrant)


def _grant(cached: Cached, fold: Fold, grant_id: str, on: date) -> grants.GrantState:
    """The grant as at `on`; one awarded later is a date error, not an unknown grant."""
    found = fold.funding.grants.get(grant_id)
    if found is None and grant_id not in cached.timeline.state.funding.grants:
        raise NotFound("grant", grant_id)
    return grants.require_awarded(found, grant_id, on)


def _grant_at(
    session: WriteSession, ctx: Context, grant_id: str, on: date
) -> tuple[Cached, grants.GrantState]:
    cached = store.load(session, ctx.cooperative())
    fold, _ = store.coop_at(cached, on)
    return cached, _grant(cached, fold, grant_id, on)


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


def instalment(session: WriteSession, ctx: Context, body: InstalmentFor) -> Decided:
    on = ctx.on(body)
    cached, grant = _grant_at(session, ctx, body.grant_id, on)
    facts = grants.instalment(grant, body, on)
    return store.judged(session, cached, new_id("ins"), facts)


GRANT_INSTALMENTS = Command(
    "grant-instalments",
    instalment,
    InstalmentFor,
    "grants/{grant_id}/instalments",
    grants.Instalment,
)


def justify(session: WriteSession, ctx: Context, body: GrantAmountFor) -> Decided:
    on = ctx.on(body)
    cached, grant = _grant_at(session, ctx, body.grant_id, on)
    facts = grants.justification(grant, body, on)
    return store.judged(session, cached, new_id("jus"), facts)


GRANT_JUSTIFICATIONS = Command(
    "grant-justifications",
    justify,
    GrantAmountFor,
    "grants/{grant_id}/justifications",
    grants.GrantAmount,
)


def clawback(session: WriteSession, ctx: Context, body: ClawbackFor) -> Decided:
    on = ctx.on(body)
    cached, grant = _grant_at(session, ctx, body.grant_id, on)
    facts = grants.clawback(grant, body, on)
    return store.judged(session, cached, new_id("clw"), facts)


GRANT_CLAWBACKS = Command(
    "grant-clawbacks", clawback, ClawbackFor, "grants/{grant_id}/clawbacks", grants.Clawback
)


def amend(session: WriteSession, ctx: Context, body: AmendFor) -> Decided:
    cached = store.load(session, ctx.cooperative())
    on = ctx.on(body)
    fold, state = store.coop_at(cached, on)
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
    return store.judged(session, cached, new_id("amd"), amended, {"warnings": warnings})


GRANT_AMENDMENTS = Command(
    "grant-amendments", amend, AmendFor, "grants/{grant_id}/amendments", grants.Amend
)


def close(session: WriteSession, ctx: Context, body: CloseFor) -> Decided:
    on = ctx.on(body)
    cached, grant = _grant_at(session, ctx, body.grant_id, on)
    return store.judged(session, cached, body.grant_id, grants.close(grant, on))


GRANT_CLOSURES = Command(
    "grant-closures", close, CloseFor, "grants/{grant_id}/closure", grants.Close
)
