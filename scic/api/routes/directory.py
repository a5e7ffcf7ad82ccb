"""Lists of who is in the ledger: cooperatives, members (paged, searchable) and funders."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from scic.access.policy import COOP_LIST, FUNDER_LIST, MEMBER_LIST, requires, speaks_for
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.dates import Day
from scic.projections import directory

router = APIRouter(tags=["directory"], responses=problems.READ_REFUSALS)


class CoopPublic(BaseModel):
    id: str
    name: str
    siren: str | None
    legal_form: str
    incorporated_on: date


class CoopList(BaseModel):
    coops: list[CoopPublic]


class MemberPublic(BaseModel):
    id: str
    party_id: str
    number: str | None = Field(
        description="member number (n° d'associé); null for members admitted before numbers"
    )
    name: str = Field(description='"[effacé]" once the party is erased')
    category: str = Field(description="its category as at the date")
    college: str | None = Field(description="the college of that category")
    admitted_on: date
    left_on: date | None = Field(description="exit date, when on or before the date")
    shares: int = Field(description="shares held as at the date (0 included)")


class MemberList(BaseModel):
    members: list[MemberPublic]
    next_cursor: str | None = Field(description="pass back as `cursor` for the next page")


class FunderPublic(BaseModel):
    id: str
    party_id: str
    name: str
    type: str


class FunderList(BaseModel):
    funders: list[FunderPublic]


@router.get(
    "/v1/coops",
    response_model=CoopList,
    operation_id="get_coops",
    tags=["cooperatives"],
    summary="The cooperatives this token may see (admin: all)",
)
def coops(service: ServiceDep, who: Annotated[Principal, requires(COOP_LIST)]) -> CoopList:
    with service.engine.connect() as conn:
        found = directory.coop_list(conn, None if who.is_admin else who.coop_id)
    return CoopList(coops=[CoopPublic.model_validate(c, from_attributes=True) for c in found])


@router.get(
    "/v1/coops/{coop_id}/members",
    response_model=MemberList,
    operation_id="get_members",
    summary="Members as at a date: search by name, filter, page (a member token: itself)",
)
def members(
    coop_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(MEMBER_LIST)],
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="part of the name (accents and case do not matter), or a member number",
        ),
    ] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    college: Annotated[str | None, Query(max_length=32)] = None,
    status: directory.Status = "active",
    as_of: Annotated[Day | None, Query(description="business date (default: today)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=400, description="next_cursor")] = None,
) -> MemberList:
    query = directory.MemberQuery(
        as_of=as_of or service.today(),
        q=q,
        category=category,
        college=college,
        status=status,
        limit=limit,
        cursor=cursor,
        party_id=speaks_for(who),
    )
    with service.engine.connect() as conn:
        page = directory.member_page(conn, coop_id, query)
    return MemberList(
        members=[MemberPublic.model_validate(m, from_attributes=True) for m in page.members],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/v1/coops/{coop_id}/funders",
    response_model=FunderList,
    operation_id="get_funders",
    tags=["funding"],
    summary="The cooperative's funders (a funder token: itself)",
)
def funders(
    coop_id: str, service: ServiceDep, who: Annotated[Principal, requires(FUNDER_LIST)]
) -> FunderList:
    with service.engine.connect() as conn:
        found = directory.funder_list(conn, coop_id, speaks_for(who))
    return FunderList(funders=[FunderPublic.model_validate(f, from_attributes=True) for f in found])
