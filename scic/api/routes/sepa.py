"""SEPA: members' direct-debit mandates (a manager, or the member itself, like contact
details: scic.bank.mandates); the pain.008 of the calls due (scic.bank.direct_debits).

Who a pain.008 leaves out is never silently skipped: the file's response says how many
in its `SEPA-Left-Out` header, and `GET …/sepa/direct-debits/plan` (same query) lists
them with the reason; when nobody at all can be collected the file is refused with the
reason as its problem type."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from scic.access.policy import READ, RECORD, SEPA_MANDATES, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.common import InstantText, Money
from scic.bank import accounts, direct_debits, mandates, transfers
from scic.dates import Day
from scic.money import format_cents

router = APIRouter(tags=["bank"], responses=problems.WRITE_REFUSALS)

# The file is sent as application/xml. text/xml (the same type, RFC 7303 §9.2) is listed
# too so that client generators that read only JSON, octet streams and text/* (such as
# openapi-python-client) hand the file over as text instead of dropping the operation.
PAIN_CONTENT = {
    "application/xml": {"schema": {"type": "string"}},
    "text/xml": {"schema": {"type": "string"}},
}


def _pain_file_response(description: str, left_out: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a route serving a pain file, with its SEPA-Left-Out header."""
    return {
        200: {
            "content": PAIN_CONTENT,
            "description": description,
            "headers": {"SEPA-Left-Out": {"schema": {"type": "integer"}, "description": left_out}},
        }
    }


def _served(content: bytes, file_id: str, left_out: int) -> Response:
    """A produced pain file, as a download that counts who it leaves out."""
    return Response(
        content,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{file_id}.xml"',
            "SEPA-Left-Out": str(left_out),
        },
    )


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


# -- direct debits (pain.008) ----------------------------------------------------------


class DueOut(BaseModel):
    target_id: str = Field(description="the call (or the subscription: the part called then)")
    subscription_id: str
    member_id: str
    name: str | None = Field(description="the member")
    amount: Money
    due_date: date


class DebitOut(DueOut):
    mandate_reference: str
    sequence: Literal["FRST", "RCUR"]


class LeftOutOut(DueOut):
    reason: Literal[
        "sepa-call-already-collected",
        "sepa-member-left",
        "sepa-mandate-missing",
        "sepa-mandate-unsigned",
        "invalid-iban",
    ] = Field(description="the refusal type that leaves it out")
    detail: str


class DebitPlan(BaseModel):
    account_id: str
    due: date
    schema_name: str = Field(examples=["pain.008.001.08"], description="the file's message")
    total: Money
    debits: list[DebitOut]
    left_out: list[LeftOutOut]


def _due_out(d: direct_debits.Due) -> dict[str, Any]:
    return {
        "target_id": d.target_id,
        "subscription_id": d.subscription_id,
        "member_id": d.member_id,
        "name": d.member_name,
        "amount": format_cents(d.amount_cents),
        "due_date": d.due_on,
    }


def plan_out(found: direct_debits.Plan) -> dict[str, Any]:
    from scic.bank.pain import DIRECT_DEBITS

    return {
        "account_id": found.account.account_id,
        "due": found.due_on,
        "schema_name": DIRECT_DEBITS[found.account.sepa_version],
        "total": direct_debits.total(found),
        "debits": [
            {
                **_due_out(d.due),
                "mandate_reference": d.mandate.reference,
                "sequence": d.sequence,
            }
            for d in found.debits
        ],
        "left_out": [
            {**_due_out(x.due), "reason": x.reason, "detail": x.detail} for x in found.left_out
        ],
    }


DueQuery = Annotated[Day, Query(description="the due date: calls due on or before it")]
AccountQuery = Annotated[
    str | None, Query(max_length=40, description="the bank account (needed when several)")
]


@router.get(
    "/v1/coops/{coop_id}/sepa/direct-debits/plan",
    response_model=DebitPlan,
    operation_id="get_sepa_direct_debit_plan",
    summary="What the pain.008 for a due date would collect, and who it leaves out and why",
    responses=problems.READ_REFUSALS,
    dependencies=[requires(READ)],
)
def direct_debit_plan(
    coop_id: str, service: ServiceDep, due: DueQuery, account: AccountQuery = None
) -> dict[str, Any]:
    with service.engine.connect() as conn:
        accounts.check_coop(conn, coop_id)
        return plan_out(direct_debits.plan(conn, coop_id, due, account))


@router.get(
    "/v1/coops/{coop_id}/sepa/direct-debits",
    operation_id="get_sepa_direct_debits",
    summary="The pain.008 (001.02 or 001.08, as the bank account says) of the calls due and "
    "unpaid at a date; each debit is recorded and never produced again unless returned",
    response_class=Response,
    responses=_pain_file_response(
        "the pain.008 file; its SEPA-Left-Out header counts the calls left out (listed by "
        "GET …/sepa/direct-debits/plan)",
        "calls due that the file leaves out",
    ),
)
def get_direct_debits(
    coop_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(RECORD)],
    due: DueQuery,
    account: AccountQuery = None,
) -> Response:
    return direct_debit_file(service, coop_id, due, account, who.actor)


def direct_debit_file(
    service: Any, coop_id: str, due: date, account: str | None, actor: str
) -> Response:
    with service.engine.begin() as conn:
        accounts.check_coop(conn, coop_id)
        done = direct_debits.produce(conn, coop_id, due, account, actor, service.store.clock())
    return _served(done.content, done.file_id, len(done.plan.left_out))


# -- transfers out (pain.001) ----------------------------------------------------------


class PayoutOut(BaseModel):
    kind: Literal["reimbursement", "remuneration"]
    target_id: str = Field(description="the withdrawal, or `<issue id>:<fiscal year>`")
    member_id: str | None
    name: str | None = Field(description="the member or the holder of the titles")
    amount: Money


class TransferOut(PayoutOut):
    iban: str


class PayoutLeftOut(PayoutOut):
    reason: Literal["sepa-payout-already-sent", "sepa-payee-account-missing"]
    detail: str


class TransferPlan(BaseModel):
    account_id: str
    execution_date: date
    schema_name: str = Field(examples=["pain.001.001.09"])
    total: Money
    transfers: list[TransferOut]
    left_out: list[PayoutLeftOut]


def _payout_out(p: transfers.Payout) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "target_id": p.target_id,
        "member_id": p.member_id,
        "name": p.name,
        "amount": format_cents(p.amount_cents),
    }


def transfer_plan_out(found: transfers.Plan) -> dict[str, Any]:
    from scic.bank.pain import TRANSFERS

    return {
        "account_id": found.account.account_id,
        "execution_date": found.on,
        "schema_name": TRANSFERS[found.account.sepa_version],
        "total": format_cents(sum(t.payout.amount_cents for t in found.transfers)),
        "transfers": [
            {**_payout_out(t.payout), "iban": accounts.formatted_iban(t.iban)}
            for t in found.transfers
        ],
        "left_out": [
            {**_payout_out(x.payout), "reason": x.reason, "detail": x.detail}
            for x in found.left_out
        ],
    }


ExecutionQuery = Annotated[Day, Query(description="the requested execution date")]


@router.get(
    "/v1/coops/{coop_id}/sepa/transfers/plan",
    response_model=TransferPlan,
    operation_id="get_sepa_transfer_plan",
    summary="What the pain.001 would pay (released reimbursements, titres participatifs' "
    "remuneration), and who it leaves out and why (the manager: it shows payees' IBANs)",
    responses=problems.READ_REFUSALS,
    dependencies=[requires(RECORD)],
)
def transfer_plan(
    coop_id: str, service: ServiceDep, on: ExecutionQuery, account: AccountQuery = None
) -> dict[str, Any]:
    with service.engine.connect() as conn:
        accounts.check_coop(conn, coop_id)
        return transfer_plan_out(transfers.plan(conn, coop_id, on, account))


@router.get(
    "/v1/coops/{coop_id}/sepa/transfers",
    operation_id="get_sepa_transfers",
    summary="The pain.001 (001.001.03 or 001.001.09, as the bank account says) of the "
    "released reimbursements and the titres participatifs' remuneration not yet paid; each "
    "transfer is recorded and never produced again",
    response_class=Response,
    responses=_pain_file_response(
        "the pain.001 file; its SEPA-Left-Out header counts the payouts left out (listed by "
        "GET …/sepa/transfers/plan)",
        "payouts owed that the file leaves out",
    ),
)
def get_transfers(
    coop_id: str,
    service: ServiceDep,
    who: Annotated[Principal, requires(RECORD)],
    on: ExecutionQuery,
    account: AccountQuery = None,
) -> Response:
    return transfer_file(service, coop_id, on, account, who.actor)


def transfer_file(
    service: Any, coop_id: str, on: date, account: str | None, actor: str
) -> Response:
    with service.engine.begin() as conn:
        accounts.check_coop(conn, coop_id)
        done = transfers.produce(conn, coop_id, on, account, actor, service.store.clock())
    return _served(done.content, done.file_id, len(done.plan.left_out))
