"""SEPA: members' direct-debit mandates (a manager, or the member itself, like contact
details: scic.bank.mandates)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from scic.access.policy import SEPA_MANDATES, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.common import InstantText
from scic.bank import accounts, mandates

router = APIRouter(tags=["bank"], responses=problems.WRITE_REFUSALS)

MandateHolder = Annotated[Principal, requires(SEPA_MANDATES)]


class MandateOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    member_id: str
    reference: str = Field(description="the unique mandate reference (RUM)")
    signed_on: date | None = Field(description="null: not signed yet (no debit under it)")
    debtor_name: str | None = Field(description="null once the party is erased")
    iban: str | None = Field(examples=["FR76 1010 7001 0112 3456 7890 129"])
    bic: str | None
    status: Literal["active", "revoked", "erased"]
    created_at: InstantText
    created_by: str
    revoked_at: InstantText | None


class MandateList(BaseModel):
    sepa_mandates: list[MandateOut]


def _instant(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def mandate_out(m: mandates.Mandate) -> dict[str, Any]:
    return {
        "id": m.mandate_id,
        "member_id": m.member_id,
        "reference": m.reference,
        "signed_on": m.signed_on,
        "debtor_name": m.debtor_name,
        "iban": accounts.formatted_iban(m.iban) if m.iban else None,
        "bic": m.bic,
        "status": m.status,
        "created_at": _instant(m.created_at),
        "created_by": m.created_by,
        "revoked_at": _instant(m.revoked_at),
    }


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}/sepa-mandates",
    response_model=MandateList,
    operation_id="list_sepa_mandates",
    summary="A member's SEPA direct-debit mandates (a manager, or the member itself)",
    responses=problems.READ_REFUSALS,
)
def list_mandates(
    coop_id: str, member_id: str, service: ServiceDep, who: MandateHolder
) -> dict[str, Any]:
    with service.engine.connect() as conn:
        found = mandates.listed(conn, coop_id, member_id)
    return {"sepa_mandates": [mandate_out(m) for m in found]}


@router.post(
    "/v1/coops/{coop_id}/members/{member_id}/sepa-mandates",
    status_code=201,
    response_model=MandateOut,
    operation_id="post_sepa_mandate",
    summary="Record a member's SEPA direct-debit mandate: reference (RUM), signature date, "
    "debtor's name, IBAN and BIC",
)
def create_mandate(
    coop_id: str,
    member_id: str,
    body: mandates.NewMandate,
    service: ServiceDep,
    who: MandateHolder,
) -> dict[str, Any]:
    with service.engine.begin() as conn:
        made = mandates.create(conn, coop_id, member_id, body, who.actor, service.store.clock())
    return mandate_out(made)


@router.post(
    "/v1/coops/{coop_id}/members/{member_id}/sepa-mandates/{mandate_id}/revocation",
    response_model=MandateOut,
    operation_id="post_sepa_mandate_revocation",
    summary="Revoke a member's SEPA mandate: no debit under it from now on",
)
def revoke_mandate(
    coop_id: str, member_id: str, mandate_id: str, service: ServiceDep, who: MandateHolder
) -> dict[str, Any]:
    with service.engine.begin() as conn:
        done = mandates.revoke(
            conn, coop_id, member_id, mandate_id, who.actor, service.store.clock()
        )
    return mandate_out(done)
