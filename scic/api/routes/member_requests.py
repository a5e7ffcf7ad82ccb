"""Members' requests (more shares, a withdrawal), the manager's inbox and decisions,
and the export of all of a member's data (GDPR access and portability)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel

from scic import contacts
from scic import member_requests as requests
from scic.access.policy import MEMBER_DATA, MEMBER_REQUESTS, REQUEST_INBOX, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.members import MemberPublic
from scic.api.routes.contacts import ContactChangePublic
from scic.api.routes.mail import MailEntry, MailPreferences
from scic.mail import outbox, preferences
from scic.projections import views

router = APIRouter(tags=["requests"], responses=problems.READ_REFUSALS)


class RequestPublic(BaseModel):
    """`status`: pending (in the manager's inbox), accepted (`outcome_id`: the write it
    became), declined (`reason`: the manager's), refused (a rule refused the command when
    the manager accepted: `rule`, `refusal` — its problem type — and `reason`)."""

    id: str
    member_id: str
    member_name: str
    kind: Literal["subscription", "withdrawal"]
    shares: int
    paid: str | None
    message: str | None
    status: Literal["pending", "accepted", "declined", "refused"]
    created_at: str
    decided_at: str | None
    reason: str | None
    rule: str | None
    refusal: str | None
    outcome_id: str | None


class RequestList(BaseModel):
    requests: list[RequestPublic]


@router.post(
    "/v1/coops/{coop_id}/members/{member_id}/requests",
    operation_id="post_member_request",
    status_code=201,
    response_model=RequestPublic,
    responses=problems.WRITE_REFUSALS,
)
def post_request(
    coop_id: str,
    member_id: str,
    body: Annotated[requests.NewRequest, Body()],
    service: ServiceDep,
    who: Annotated[Principal, requires(MEMBER_REQUESTS)],
) -> dict[str, Any]:
    """Ask for more shares or a withdrawal: nothing is recorded in the ledger until a
    manager accepts it (the rules are judged then)."""
    with service.engine.begin() as conn:
        made = requests.create(conn, coop_id, member_id, body, service.store.clock(), who.actor)
        return requests.one(conn, coop_id, made)


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}/requests",
    operation_id="get_member_requests",
    response_model=RequestList,
    dependencies=[requires(MEMBER_REQUESTS)],
)
def member_requests(coop_id: str, member_id: str, service: ServiceDep) -> dict[str, Any]:
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        requests._member(conn, coop_id, member_id)
        return {"requests": requests.listing(conn, coop_id, member_id)}


@router.get(
    "/v1/coops/{coop_id}/requests",
    operation_id="get_requests",
    response_model=RequestList,
    dependencies=[requires(REQUEST_INBOX)],
)
def inbox(
    coop_id: str,
    service: ServiceDep,
    status: Annotated[Literal["pending", "accepted", "declined", "refused"] | None, Query()] = None,
) -> dict[str, Any]:
    """The manager's inbox: every request, newest first (`?status=pending`: to decide)."""
    with service.engine.connect() as conn:
        views.coop_row(conn, coop_id)
        return {"requests": requests.listing(conn, coop_id, status=status)}


@router.post(
    "/v1/coops/{coop_id}/requests/{request_id}/accept",
    operation_id="post_request_accept",
    response_model=RequestPublic,
    responses=problems.WRITE_REFUSALS,
)
def accept(
    coop_id: str,
    request_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(REQUEST_INBOX)],
) -> dict[str, Any]:
    """Run the subscription or withdrawal asked for, dated today, through the API's own
    write path. A rule that refuses it (R3, R7…) answers its problem+json, and the
    request keeps the refusal for the member to see."""
    return requests.accept(service, coop_id, request_id, who.actor)


@router.post(
    "/v1/coops/{coop_id}/requests/{request_id}/decline",
    operation_id="post_request_decline",
    response_model=RequestPublic,
    responses=problems.WRITE_REFUSALS,
)
def decline(
    coop_id: str,
    request_id: str,
    body: Annotated[requests.Decline, Body()],
    service: ServiceDep,
    who: Annotated[Principal, requires(REQUEST_INBOX)],
) -> dict[str, Any]:
    return requests.decline(service, coop_id, request_id, body.reason, who.actor)


class MemberDataCoop(BaseModel):
    id: str
    name: str
    siren: str | None


class MemberDataContact(BaseModel):
    """The contact details as they are now (null once erased)."""

    name: str | None
    email: str | None
    address: str | None
    phone: str | None


class MemberData(BaseModel):
    """Everything the ledger keeps about a member, in one JSON document."""

    exported_at: str
    cooperative: MemberDataCoop
    member: MemberPublic
    contact: MemberDataContact
    contact_changes: list[ContactChangePublic]
    requests: list[RequestPublic]
    mail_preferences: MailPreferences
    mails: list[MailEntry]


def member_data(service: Any, coop_id: str, member_id: str) -> dict[str, Any]:
    with service.engine.connect() as conn:
        coop = views.coop_row(conn, coop_id)
        detail = views.member_detail(conn, coop_id, member_id)
        party = contacts._party_of(conn, coop_id, member_id)
        mails = [m for m in outbox.log(conn, coop_id, None, 10_000) if m["member_id"] == member_id]
        return {
            "exported_at": service.store.clock().isoformat(),
            "cooperative": {"id": coop_id, "name": coop["name"], "siren": coop["siren"]},
            "member": MemberPublic.of(detail).model_dump(mode="json", by_alias=True),
            "contact": {k: party.get(k) for k in ("name", "email", "address", "phone")},
            "contact_changes": contacts.change_log(conn, coop_id, member_id),
            "requests": requests.listing(conn, coop_id, member_id),
            "mail_preferences": preferences.of_member(conn, coop_id, member_id),
            "mails": mails,
        }


@router.get(
    "/v1/coops/{coop_id}/members/{member_id}/data",
    operation_id="get_member_data",
    response_model=MemberData,
    dependencies=[requires(MEMBER_DATA)],
)
def get_member_data(coop_id: str, member_id: str, service: ServiceDep) -> Response:
    """All of the member's data (GDPR access and portability): holdings and their
    history, contact details and their corrections, requests, mail preferences and the
    mails sent to it. Served as an attachment."""
    import orjson

    body = orjson.dumps(member_data(service, coop_id, member_id), option=orjson.OPT_INDENT_2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="member-data_{member_id}.json"'},
    )
