"""Contact corrections: a member's name spelling, address, e-mail and phone, changed by a
manager or by the member itself, each change logged with who, when and what it replaced
(scic.contacts; outside the hash-chained events, so an erasure still erases them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import Field

from scic import contacts
from scic.access.policy import CONTACT_LOG, MEMBER_CONTACT, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.common import InstantText, Public

router = APIRouter(tags=["members"])


class ContactPublic(Public):
    member_id: str
    party_id: str
    name: str | None = Field(description="null once the party is erased")
    address: str | None
    email: str | None
    phone: str | None
    erased: bool
    changed: list[str] = Field(description="the fields this request changed")


class ContactChangePublic(Public):
    field: str = Field(examples=["email"])
    previous: str | None = Field(description="the value replaced (null once erased)")
    value: str | None = Field(description="the value set (null once erased)")
    changed_by: str = Field(description="the token's actor that made the change")
    changed_at: InstantText
    erased: bool


class ContactChanges(Public):
    changes: list[ContactChangePublic]


@router.patch(
    "/v1/coops/{coop_id}/members/{member_id}/contact",
    response_model=ContactPublic,
    operation_id="patch_member_contact",
    summary="Correct a member's contact details (a manager, or the member itself)",
    responses=problems.WRITE_REFUSALS,
)
def change_contact(
    coop_id: str,
    member_id: str,
    update: Annotated[contacts.ContactUpdate, Body()],
    service: ServiceDep,
    who: Annotated[Principal, requires(MEMBER_CONTACT)],
) -> ContactPublic:
    with service.engine.begin() as conn:
        found = contacts.change_contact(
            conn, coop_id, member_id, update, who.actor, service.store.clock()
        )
    return ContactPublic(**found)


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}/contact-changes",
    response_model=ContactChanges,
    operation_id="get_member_contact_changes",
    summary="Every correction of a member's contact details: who, when, what it replaced",
    responses=problems.READ_REFUSALS,
)
def contact_changes(
    coop_id: str,
    member_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(CONTACT_LOG)],
) -> ContactChanges:
    with service.engine.connect() as conn:
        log = contacts.change_log(conn, coop_id, member_id)
    return ContactChanges(
        changes=[
            ContactChangePublic(
                **{**entry, "changed_at": entry["changed_at"].isoformat().replace("+00:00", "Z")}
            )
            for entry in log
        ]
    )
