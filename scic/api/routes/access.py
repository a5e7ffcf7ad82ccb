"""API tokens (admin only) and the audit trail of a cooperative: who recorded what."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ledger.chain import format_timestamp
from ledger.schema import MAX_POSITION, events
from scic.access import tokens
from scic.access.policy import ADMIN_ONLY, READ, requires
from scic.access.tokens import Principal, Role
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.feed import Audit
from scic.dates import Day, Instant
from scic.projections import views

router = APIRouter(tags=["access"], responses=problems.READ_REFUSALS)

Admin = Annotated[Principal, requires(ADMIN_ONLY)]


class TokenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"role": "manager", "coop_id": "coop_8babfc4f4d5847bf", "label": "tableur CA"}
            ]
        },
    )
    role: Role
    coop_id: str | None = Field(default=None, description="every role but admin needs one")
    member_id: str | None = Field(
        default=None, description="member tokens (required: this or party_id): the member"
    )
    funder_id: str | None = Field(
        default=None, description="funder tokens (required: this or party_id): the funder"
    )
    party_id: str | None = Field(
        default=None,
        description="member and funder tokens: the party they speak for (a mbr_… or fnd_… "
        "id is taken as member_id or funder_id)",
    )
    expires_at: Instant | Day | None = Field(
        default=None, description="a date means through the end of that day (French time)"
    )
    label: str | None = Field(default=None, max_length=200)


class TokenInfo(BaseModel):
    id: str
    role: Role
    coop_id: str | None
    party_id: str | None
    label: str | None
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None
    revoked_by: str | None
    active: bool


class IssuedToken(TokenInfo):
    token: str = Field(description="the bearer token: shown this once, never stored")


class TokenList(BaseModel):
    tokens: list[TokenInfo]


@router.post(
    "/v1/tokens",
    status_code=201,
    response_model=IssuedToken,
    operation_id="post_tokens",
    summary="Issue an API token (shown once)",
    responses=problems.WRITE_REFUSALS,  # 409: the party was erased, nobody speaks for it
)
def create_token(body: TokenRequest, service: ServiceDep, who: Admin) -> dict[str, Any]:
    expires = body.expires_at
    if isinstance(expires, date) and not isinstance(expires, datetime):
        expires = tokens.end_of_day(expires)
    with service.engine.begin() as conn:
        issued = tokens.issue(
            conn,
            role=body.role,
            now=service.store.clock(),
            coop_id=body.coop_id,
            party_id=body.party_id,
            member_id=body.member_id,
            funder_id=body.funder_id,
            expires_at=expires,
            label=body.label,
            created_by=who.actor,
        )
    return {**issued.record, "token": issued.secret}


@router.get(
    "/v1/tokens",
    response_model=TokenList,
    operation_id="get_tokens",
    summary="List API tokens (never their secrets)",
)
def list_tokens(
    service: ServiceDep, who: Admin, coop_id: str | None = None, active: bool = False
) -> dict[str, Any]:
    with service.engine.connect() as conn:
        return {"tokens": tokens.listing(conn, service.store.clock(), coop_id, active)}


@router.delete(
    "/v1/tokens/{token_id}",
    response_model=TokenInfo,
    operation_id="delete_token",
    summary="Revoke an API token",
)
def delete_token(token_id: str, service: ServiceDep, who: Admin) -> dict[str, Any]:
    with service.engine.begin() as conn:
        return tokens.revoke(conn, token_id, service.store.clock(), who.actor)


@router.post(
    "/v1/tokens/{token_id}/revoke",
    response_model=TokenInfo,
    operation_id="post_token_revoke",
    summary="Revoke an API token",
)
def revoke_token(token_id: str, service: ServiceDep, who: Admin) -> dict[str, Any]:
    return delete_token(token_id, service, who)


@router.get(
    "/v1/coops/{coop_id}/audit",
    operation_id="get_audit",
    response_model=Audit,
    tags=["feed"],
    dependencies=[requires(READ)],
)
def audit(
    coop_id: str,
    service: ServiceDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    actor: Annotated[str | None, Query(description="only this actor's events")] = None,
) -> dict[str, Any]:
    """Who recorded what, in commit order, paged like the events feed. `actor` is
    `token:<token id>:<role>` for API writes."""
    e = events.c
    query = (
        sa.select(e.position, e.event_id, e.type, e.actor, e.recorded_at)
        .where(e.tenant_id == coop_id, e.position > after)
        .order_by(e.position)
        .limit(limit)
    )
    if actor is not None:
        query = query.where(e.actor == actor)
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        rows = conn.execute(query).all()
    return {
        "entries": [
            {
                "position": r.position,
                "event_id": r.event_id,
                "type": r.type,
                "actor": r.actor,
                "recorded_at": format_timestamp(r.recorded_at),
            }
            for r in rows
        ],
        "next_after": rows[-1].position if rows else after,
    }
