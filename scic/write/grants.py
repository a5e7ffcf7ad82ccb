"""Writes about grants (R14): awards, instalments, justifications, clawbacks,
amendments, closures. Decided on the cooperative's timeline (the funding state as at the
command's date, scic/domain/funding_timeline.py), then every later event judged again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger.store import WriteSession
from scic.domain import grants
from scic.domain.facts import Fact
from scic.domain.funding_timeline import window_at
from scic.domain.timeline import Fold
from scic.errors import NotFound
from scic.write import store
from scic.write.funders import resolve_funder
from scic.write.pipeline import Command, Context, Handler, new_id
from scic.write.store import Cached, Decided


def award(session: WriteSession, ctx: Context, body: grants.AwardGrant) -> Decided:
    on = body.awarded_on or ctx.today
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
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
    cached, fold, _ = store.as_at(session, ctx.cooperative(), on)
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


def _on_grant(decide: Callable[[grants.GrantState, Any, date], list[Fact]], prefix: str) -> Handler:
    """The handler of a write on one grant: `decide` judges it on the grant as at the
    command's date, and the events it returns are recorded under a new `prefix` id."""

    def handle(session: WriteSession, ctx: Context, body: Any) -> Decided:
        on = ctx.on(body)
        cached, grant = _grant_at(session, ctx, body.grant_id, on)
        return store.judged(session, cached, new_id(prefix), decide(grant, body, on))

    return handle


GRANT_INSTALMENTS = Command(
    "grant-instalments",
    _on_grant(grants.instalment, "ins"),
    InstalmentFor,
    "grants/{grant_id}/instalments",
    grants.Instalment,
)
GRANT_JUSTIFICATIONS = Command(
    "grant-justifications",
    _on_grant(grants.justification, "jus"),
    GrantAmountFor,
    "grants/{grant_id}/justifications",
    grants.GrantAmount,
)
GRANT_CLAWBACKS = Command(
    "grant-clawbacks",
    _on_grant(grants.clawback, "clw"),
    ClawbackFor,
    "grants/{grant_id}/clawbacks",
    grants.Clawback,
)


def amend(session: WriteSession, ctx: Context, body: AmendFor) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
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
