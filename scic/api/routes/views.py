"""Read views: cooperative, capital table, members, reimbursements, votes, events feed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Body, Query, Response

from ledger.schema import MAX_POSITION
from scic.access.policy import (
    CAPITAL_TABLE,
    FUNDER_PORTFOLIO,
    FUNDING_MIX,
    GRANT,
    GRANT_LIST,
    MEMBER_HOLDINGS,
    OWN,
    READ,
    requires,
)
from scic.access.tokens import FUNDER, Principal
from scic.accounting.reads import state_at
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.examples import BALLOTS, openapi_examples
from scic.api.public.capital import CapitalTable
from scic.api.public.common import Public
from scic.api.public.compliance import ComplianceReport
from scic.api.public.coops import CoopPublic
from scic.api.public.feed import Feed
from scic.api.public.funding import (
    FunderPortfolio,
    FundingMix,
    GrantDetail,
    GrantList,
    TitleIssues,
)
from scic.api.public.members import MemberPublic, PendingReimbursements
from scic.api.public.votes import TallyResult
from scic.dates import Day, Instant
from scic.domain import votes
from scic.errors import refuse
from scic.integrations import feed
from scic.projections import funding_views, views
from scic.projections.cache import coop_head
from scic.projections.compliance import compliance
from scic.projections.snapshot import load_member
from scic.service import Service

router = APIRouter(tags=["views"], responses=problems.READ_REFUSALS)

AsOf = Annotated[Day | None, Query(description="business date (default: today)")]
KnownAt = Annotated[
    Instant | None,
    Query(description="what the ledger knew at this instant (ISO 8601 with offset; default: now)"),
]


@router.get(
    "/v1/coops/{coop_id}",
    operation_id="get_coop",
    response_model=CoopPublic,
    tags=["cooperatives"],
    dependencies=[requires(READ)],
)
def get_coop(coop_id: str, service: ServiceDep, as_of: AsOf = None) -> CoopPublic:
    with service.engine.connect() as conn:
        return CoopPublic.of(views.coop(conn, coop_id, as_of or service.today()))


@router.get(
    "/v1/coops/{coop_id}/capital-table",
    operation_id="get_capital_table",
    response_model=CapitalTable,
    dependencies=[requires(CAPITAL_TABLE)],
)
def capital_table(
    coop_id: str,
    service: ServiceDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    group_by: views.GroupBy = "member",
) -> Response:
    on = as_of or service.today()
    return cached(
        service,
        coop_id,
        ("capital-table", on, known_at, group_by),
        lambda conn: CapitalTable.of(views.capital_table(conn, coop_id, on, known_at, group_by)),
    )


def cached(
    service: Service,
    coop_id: str,
    key: tuple[Any, ...],
    build: Callable[[sa.Connection], Public],
) -> Response:
    """Serve a view from the cache: keyed on the cooperative's last event, so any new
    event (an erasure included) moves every later read to a fresh entry. The body is
    the route's response model, built and serialised once as FastAPI would write it
    (compact UTF-8, fields by alias); later reads send those bytes."""
    with service.engine.connect() as conn:
        head = coop_head(conn, coop_id)
        body = service.view_cache.get_or_build(
            (coop_id, head, *key), lambda: build(conn).model_dump_json(by_alias=True).encode()
        )
    return Response(body, media_type="application/json")


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}",
    operation_id="get_member",
    response_model=MemberPublic,
    dependencies=[requires(MEMBER_HOLDINGS)],
)
def member(coop_id: str, member_id: str, service: ServiceDep) -> MemberPublic:
    with service.engine.connect() as conn:
        return MemberPublic.of(views.member_detail(conn, coop_id, member_id))


@router.get(
    "/v1/coops/{coop_id}/reimbursements",
    operation_id="get_pending_reimbursements",
    response_model=PendingReimbursements,
    dependencies=[requires(READ)],
)
def reimbursements(coop_id: str, service: ServiceDep) -> PendingReimbursements:
    """Withdrawals waiting for reimbursement, in the order they will be paid (R5)."""
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        return PendingReimbursements.of(views.pending_reimbursements(conn, coop_id))


@router.get(
    "/v1/coops/{coop_id}/compliance",
    operation_id="get_compliance",
    response_model=ComplianceReport,
    dependencies=[requires(READ)],
)
def compliance_report(coop_id: str, service: ServiceDep, as_of: AsOf = None) -> ComplianceReport:
    """Findings on R2 (categories), R3 (public share and its breaches), R5 (floor,
    waiting reimbursements), R7 (overdue calls, one by one), R10 (cooperative review due,
    and results that call for one), R11 (titles issued by a form the law does not name)
    and R12 (investments outside an ESUS approval): warnings to act on, not refusals,
    computed as at `as_of` from the ledger's history, each with the date it starts."""
    with service.engine.connect() as conn:
        return ComplianceReport.of(compliance(conn, coop_id, as_of or service.today()))


@router.post(
    "/v1/coops/{coop_id}/votes/tally",
    operation_id="post_votes_tally",
    response_model=TallyResult,
    responses=problems.responses(409),
    dependencies=[requires(READ)],
)
def tally(
    coop_id: str,
    body: Annotated[votes.TallyRequest, Body(openapi_examples=openapi_examples(BALLOTS))],
    service: ServiceDep,
    as_of: AsOf = None,
) -> TallyResult:
    """Weighted result of a vote by colleges (R4). Computes; records nothing.

    The voters are the associates as at `as_of` (the assembly's date), each in the
    category it held that day: a member admitted later, one that had left, or one
    holding no share that day has no vote (R2, R4 — loi 1947 art. 19 octies: each
    associate has one vote, in its college)."""
    on = as_of or service.today()
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        state = state_at(conn, coop_id, on)
        for ballot in body.ballots:
            if ballot.member_id not in state.members:
                load_member(conn, coop_id, ballot.member_id)  # 404 when it never was one
    choices = votes.voters(state.members, body.ballots, on)
    assert state.coop is not None
    statutes = state.coop.statutes_at(on)
    return TallyResult.of(on, votes.tally(statutes, choices))


@router.get(
    "/v1/coops/{coop_id}/funding-mix",
    operation_id="get_funding_mix",
    response_model=FundingMix,
    tags=["funding"],
    dependencies=[requires(FUNDING_MIX)],
)
def funding_mix(
    coop_id: str,
    service: ServiceDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query()] = None,
) -> Response:
    """Funding by source as at a date (or flows within [from, to]), with the R15 ratios:
    public share of capital, concentration (largest funder, Herfindahl), multi-year
    share and the funding cliff of the next 12 months."""
    on = as_of or to or service.today()
    return cached(
        service,
        coop_id,
        ("funding-mix", on, known_at, from_, to),
        lambda conn: FundingMix.of(
            funding_views.funding_mix(conn, coop_id, on, known_at, from_, to)
        ),
    )


@router.get(
    "/v1/coops/{coop_id}/grants",
    operation_id="get_grants",
    response_model=GrantList,
    tags=["funding"],
)
def grant_list(
    coop_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(GRANT_LIST)],
    funder: Annotated[
        str | None, Query(description="funder id, or `own`: the funder a funder token is")
    ] = None,
) -> GrantList:
    with service.engine.connect() as conn:
        if funder == OWN:
            funder = _own_funder(conn, coop_id, who)
        return GrantList.of(funding_views.grant_rows(conn, coop_id, funder_id=funder))


def _own_funder(conn: sa.Connection, coop_id: str, who: Principal) -> str:
    """`?funder=own`: the funder a funder token speaks for; 422 for any other token."""
    found = None
    if who.role == FUNDER and who.party_id is not None:
        found = funding_views.funder_of_party(conn, coop_id, who.party_id)
    if found is None:
        raise refuse(
            "no-own-funder",
            f"funder=own names the funder a funder token speaks for; a {who.role} token "
            "speaks for none: pass a funder id",
        )
    return found


@router.get(
    "/v1/coops/{coop_id}/grants/{grant_id}",
    operation_id="get_grant",
    response_model=GrantDetail,
    response_model_exclude_unset=True,
    tags=["funding"],
    dependencies=[requires(GRANT)],
)
def grant(coop_id: str, grant_id: str, service: ServiceDep) -> GrantDetail:
    with service.engine.connect() as conn:
        return GrantDetail.of(funding_views.grant_detail(conn, coop_id, grant_id))


@router.get(
    "/v1/coops/{coop_id}/funders/{funder_id}",
    operation_id="get_funder",
    response_model=FunderPortfolio,
    tags=["funding"],
    dependencies=[requires(FUNDER_PORTFOLIO)],
)
def funder(
    coop_id: str, funder_id: str, service: ServiceDep, as_of: AsOf = None
) -> FunderPortfolio:
    """A funder's grants, titles and investments, and its share of total funding."""
    with service.engine.connect() as conn:
        portfolio = funding_views.funder_portfolio(
            conn, coop_id, funder_id, as_of or service.today()
        )
    return FunderPortfolio.of(portfolio)


@router.get(
    "/v1/coops/{coop_id}/participative-titles",
    operation_id="get_participative_titles",
    response_model=TitleIssues,
    tags=["funding"],
    dependencies=[requires(READ)],
)
def participative_titles(coop_id: str, service: ServiceDep) -> TitleIssues:
    with service.engine.connect() as conn:
        return TitleIssues.of(funding_views.title_list(conn, coop_id))


@router.get(
    "/v1/coops/{coop_id}/events",
    operation_id="get_events",
    response_model=Feed,
    tags=["feed"],
    dependencies=[requires(READ)],
)
def events(
    coop_id: str,
    service: ServiceDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The cooperative's events in commit order. Positions are global (they skip other
    cooperatives' events); pass `next_after` back as `after` to continue."""
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
    page = service.store.read_all(after, limit, tenant_id=coop_id)
    return {
        "events": [feed.event_object(e) for e in page],
        "next_after": page[-1].position if page else after,
    }
