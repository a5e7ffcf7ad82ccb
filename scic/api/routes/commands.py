"""The write routes: one POST a command, each naming the command it records, and the
atomic batch. Every one goes through `scic.write.pipeline.record`, the write path the
dashboard's forms share.

(No `from __future__ import annotations` here: FastAPI must see each `Write`
dependency's access rule, a local of `writes`, as a real object.)"""

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from fastapi import APIRouter, Body, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from ledger import RecordedEvent
from ledger.errors import LedgerError
from scic.access.errors import AccessError
from scic.access.policy import ADMIN_ONLY, RECORD, allow, command_rule, requires
from scic.access.tokens import Principal
from scic.accounting.fiscal_years import CloseYear
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.examples import BATCH, BODIES, openapi_examples
from scic.api.problems import InBatch
from scic.api.schemas import BatchResult, WriteResult
from scic.domain import corrections as dcorrections
from scic.domain import esus as desus
from scic.domain import grants as dgrants
from scic.domain import members as dmembers
from scic.domain import reviews as dreviews
from scic.domain import shares as dshares
from scic.domain import surplus
from scic.domain import titles as dtitles
from scic.domain.losses import ChargeCarriedLoss
from scic.errors import DomainError
from scic.service import Service
from scic.write import (
    cooperative,
    corrections,
    esus,
    fiscal_years,
    grants,
    members,
    reviews,
    shares,
    titles,
)
from scic.write.commands import COMMANDS
from scic.write.pipeline import (
    Command,
    Context,
    batch_fingerprint,
    command_of,
    execute,
    queue_mails,
    record,
    scoped_key,
)

router = APIRouter(tags=["commands"], responses=problems.WRITE_REFUSALS)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=120)]
IF_MATCH = r'^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$'
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="stream version the client read (ETag); 409 if it moved",
        pattern=IF_MATCH,
        examples=['"12"'],
    ),
]

# What every single write answers: 201 with its result, 200 when an idempotency key
# replays it.
WRITE: dict[str, Any] = {
    "status_code": 201,
    "response_model": WriteResult,
    "response_model_exclude_unset": True,
    "responses": {200: {"model": WriteResult, "description": "idempotent replay"}},
}


def example(name: str) -> Any:
    """The body's examples in the contract (scic/api/examples.py)."""
    return Body(openapi_examples=openapi_examples(BODIES[name]))


@dataclass(frozen=True)
class Write:
    """One command's write as a route makes it: the request's service, response,
    principal (checked against the command's access rule), day, idempotency key and
    If-Match: what the request is, resolved before the route decides anything."""

    command: Command
    service: Service
    response: Response
    who: Principal
    today: date
    idempotency_key: str | None
    if_match: str | None

    def __call__(self, coop_id: str | None, body: BaseModel, **path: str) -> dict[str, Any]:
        ctx = Context(coop_id, actor=self.who.actor, today=self.today)
        command = command_of(self.command, body, path)
        outcome, etag = record(
            self.service, ctx, self.command, command, self.idempotency_key, _version(self.if_match)
        )
        self.response.status_code = 200 if outcome.replayed else 201
        if etag is not None:
            self.response.headers["ETag"] = f'"{etag}"'
        return outcome.body()


def writes(command: Command) -> Any:
    """The `Write` dependency of a route recording `command`, under its access rule."""
    checked = command_rule(command.route)

    def write(
        service: ServiceDep,
        response: Response,
        who: Annotated[Principal, requires(checked)],
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Write:
        today = service.today()
        return Write(command, service, response, who, today, idempotency_key, if_match)

    return Depends(write)


def _version(if_match: str | None) -> int | None:
    """The version an `If-Match` names (its form is checked with the header: IF_MATCH)."""
    if if_match is None:
        return None
    return int(if_match.removeprefix("W/").strip('"'))


@router.post(
    "/v1/coops",
    summary="Register a cooperative and its statutes",
    operation_id="post_coops",
    tags=["cooperatives"],
    **WRITE,
)
def post_coops(
    body: Annotated[cooperative.CreateCoop, example("coops")],
    service: ServiceDep,
    response: Response,
    who: Annotated[Principal, requires(ADMIN_ONLY)],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    write = Write(cooperative.COOPS, service, response, who, service.today(), idempotency_key, None)
    return write(None, body)


# -- cooperative -----------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/statutes",
    summary="Amend the statutes from a date (AG decision)",
    operation_id="post_statutes",
    **WRITE,
)
def post_statutes(
    coop_id: str,
    body: Annotated[cooperative.AmendStatutes, example("statutes")],
    write: Annotated[Write, writes(cooperative.STATUTES)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- members ---------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/members", summary="Admit a member", operation_id="post_members", **WRITE
)
def post_members(
    coop_id: str,
    body: Annotated[dmembers.AdmitMember, example("members")],
    write: Annotated[Write, writes(members.MEMBERS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/parties/{party_id}/erasure",
    summary="Erase a party's personal data (GDPR); the ledger stays intact",
    operation_id="post_erasures",
    **WRITE,
)
def post_erasures(
    coop_id: str,
    party_id: str,
    body: Annotated[dmembers.Erase, example("erasures")],
    write: Annotated[Write, writes(members.ERASURES)],
) -> dict[str, Any]:
    return write(coop_id, body, party_id=party_id)


@router.post(
    "/v1/coops/{coop_id}/category-changes",
    summary="Move a member to another category",
    operation_id="post_category_changes",
    **WRITE,
)
def post_category_changes(
    coop_id: str,
    body: Annotated[members.ChangeCategory, example("category-changes")],
    write: Annotated[Write, writes(members.CATEGORY_CHANGES)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- shares ----------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/subscriptions",
    summary="Subscribe shares (R3, R7)",
    operation_id="post_subscriptions",
    **WRITE,
)
def post_subscriptions(
    coop_id: str,
    body: Annotated[dshares.Subscribe, example("subscriptions")],
    write: Annotated[Write, writes(shares.SUBSCRIPTIONS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/calls",
    summary="Call the unpaid part of a subscription (R7)",
    operation_id="post_calls",
    **WRITE,
)
def post_calls(
    coop_id: str,
    body: Annotated[dshares.Call, example("calls")],
    write: Annotated[Write, writes(shares.CALLS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/payments",
    summary="Record a payment on a subscription (R7)",
    operation_id="post_payments",
    **WRITE,
)
def post_payments(
    coop_id: str,
    body: Annotated[dshares.Pay, example("payments")],
    write: Annotated[Write, writes(shares.PAYMENTS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/withdrawals",
    summary="Withdraw shares; reimbursement waits on the floor (R5)",
    operation_id="post_withdrawals",
    **WRITE,
)
def post_withdrawals(
    coop_id: str,
    body: Annotated[dshares.Withdraw, example("withdrawals")],
    write: Annotated[Write, writes(shares.WITHDRAWALS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/exclusions",
    summary="Exclude a member (AG decision): all shares withdrawn",
    operation_id="post_exclusions",
    **WRITE,
)
def post_exclusions(
    coop_id: str,
    body: Annotated[shares.ExcludeMember, example("exclusions")],
    write: Annotated[Write, writes(shares.EXCLUSIONS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/reimbursements/{withdrawal_id}/payouts",
    summary="Record a released reimbursement paid out by the bank (R5), at the booking date",
    operation_id="post_reimbursement_payouts",
    **WRITE,
)
def post_reimbursement_payouts(
    coop_id: str,
    withdrawal_id: str,
    body: Annotated[dshares.PayOut, example("reimbursement-payouts")],
    write: Annotated[Write, writes(shares.REIMBURSEMENT_PAYOUTS)],
) -> dict[str, Any]:
    return write(coop_id, body, withdrawal_id=withdrawal_id)


@router.post(
    "/v1/coops/{coop_id}/transfers",
    summary="Transfer fully paid shares between members (R3)",
    operation_id="post_transfers",
    **WRITE,
)
def post_transfers(
    coop_id: str,
    body: Annotated[dshares.Transfer, example("transfers")],
    write: Annotated[Write, writes(shares.TRANSFERS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/losses",
    summary="Record losses not absorbed by reserves (R6)",
    operation_id="post_losses",
    **WRITE,
)
def post_losses(
    coop_id: str,
    body: Annotated[shares.RecordLosses, example("losses")],
    write: Annotated[Write, writes(shares.LOSSES)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- corrections -----------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/corrections",
    summary="Reverse an event (corrections never edit)",
    operation_id="post_corrections",
    **WRITE,
)
def post_corrections(
    coop_id: str,
    body: Annotated[dcorrections.Correct, example("corrections")],
    write: Annotated[Write, writes(corrections.CORRECTIONS)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- grants ----------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/grants",
    summary="Award a grant (R14: de minimis, agreement above 23 k€)",
    operation_id="post_grants",
    **WRITE,
)
def post_grants(
    coop_id: str,
    body: Annotated[dgrants.AwardGrant, example("grants")],
    write: Annotated[Write, writes(grants.GRANTS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/grants/{grant_id}/instalments",
    summary="Record an instalment received (R14)",
    operation_id="post_grant_instalments",
    **WRITE,
)
def post_grant_instalments(
    coop_id: str,
    grant_id: str,
    body: Annotated[dgrants.Instalment, example("grant-instalments")],
    write: Annotated[Write, writes(grants.GRANT_INSTALMENTS)],
) -> dict[str, Any]:
    return write(coop_id, body, grant_id=grant_id)


@router.post(
    "/v1/coops/{coop_id}/grants/{grant_id}/justifications",
    summary="File a justification of spending (R14)",
    operation_id="post_grant_justifications",
    **WRITE,
)
def post_grant_justifications(
    coop_id: str,
    grant_id: str,
    body: Annotated[dgrants.GrantAmount, example("grant-justifications")],
    write: Annotated[Write, writes(grants.GRANT_JUSTIFICATIONS)],
) -> dict[str, Any]:
    return write(coop_id, body, grant_id=grant_id)


@router.post(
    "/v1/coops/{coop_id}/grants/{grant_id}/clawbacks",
    summary="Record a clawback (reversement) (R14)",
    operation_id="post_grant_clawbacks",
    **WRITE,
)
def post_grant_clawbacks(
    coop_id: str,
    grant_id: str,
    body: Annotated[dgrants.Clawback, example("grant-clawbacks")],
    write: Annotated[Write, writes(grants.GRANT_CLAWBACKS)],
) -> dict[str, Any]:
    return write(coop_id, body, grant_id=grant_id)


@router.post(
    "/v1/coops/{coop_id}/grants/{grant_id}/amendments",
    summary="Amend the awarded amount (avenant)",
    operation_id="post_grant_amendments",
    **WRITE,
)
def post_grant_amendments(
    coop_id: str,
    grant_id: str,
    body: Annotated[dgrants.Amend, example("grant-amendments")],
    write: Annotated[Write, writes(grants.GRANT_AMENDMENTS)],
) -> dict[str, Any]:
    return write(coop_id, body, grant_id=grant_id)


@router.post(
    "/v1/coops/{coop_id}/grants/{grant_id}/closure",
    summary="Close a grant",
    operation_id="post_grant_closures",
    **WRITE,
)
def post_grant_closures(
    coop_id: str,
    grant_id: str,
    body: Annotated[dgrants.Close, example("grant-closures")],
    write: Annotated[Write, writes(grants.GRANT_CLOSURES)],
) -> dict[str, Any]:
    return write(coop_id, body, grant_id=grant_id)


# -- titles ----------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/participative-titles",
    summary="Issue titres participatifs (R11)",
    operation_id="post_participative_titles",
    **WRITE,
)
def post_participative_titles(
    coop_id: str,
    body: Annotated[dtitles.IssueTitles, example("participative-titles")],
    write: Annotated[Write, writes(titles.PARTICIPATIVE_TITLES)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/participative-titles/{issue_id}/redemptions",
    summary="Redeem titres participatifs (R11: after 7 years, or at liquidation)",
    operation_id="post_participative_title_redemptions",
    **WRITE,
)
def post_participative_title_redemptions(
    coop_id: str,
    issue_id: str,
    body: Annotated[dtitles.Redeem, example("participative-title-redemptions")],
    write: Annotated[Write, writes(titles.PARTICIPATIVE_TITLE_REDEMPTIONS)],
) -> dict[str, Any]:
    return write(coop_id, body, issue_id=issue_id)


@router.post(
    "/v1/coops/{coop_id}/participative-titles/{issue_id}/remunerations",
    summary="Compute and record a year's remuneration of titres participatifs (R11)",
    operation_id="post_participative_title_remunerations",
    **WRITE,
)
def post_participative_title_remunerations(
    coop_id: str,
    issue_id: str,
    body: Annotated[dtitles.Remunerate, example("participative-title-remunerations")],
    write: Annotated[Write, writes(titles.PARTICIPATIVE_TITLE_REMUNERATIONS)],
) -> dict[str, Any]:
    return write(coop_id, body, issue_id=issue_id)


# -- esus ------------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/esus-approvals",
    summary="Record an ESUS approval (R12: 5 or 2 years)",
    operation_id="post_esus_approvals",
    **WRITE,
)
def post_esus_approvals(
    coop_id: str,
    body: Annotated[desus.ApproveEsus, example("esus-approvals")],
    write: Annotated[Write, writes(esus.ESUS_APPROVALS)],
) -> dict[str, Any]:
    return write(coop_id, body)


@router.post(
    "/v1/coops/{coop_id}/esus-investments",
    summary="Record a solidarity investment (R12)",
    operation_id="post_esus_investments",
    **WRITE,
)
def post_esus_investments(
    coop_id: str,
    body: Annotated[desus.Invest, example("esus-investments")],
    write: Annotated[Write, writes(esus.ESUS_INVESTMENTS)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- reviews ---------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/reviews",
    summary="Record a cooperative review: the next periodic one is due five years later (R10)",
    operation_id="post_reviews",
    **WRITE,
)
def post_reviews(
    coop_id: str,
    body: Annotated[dreviews.RecordReview, example("reviews")],
    write: Annotated[Write, writes(reviews.REVIEWS)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- fiscal years ----------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/fiscal-years/{year}/close",
    summary="Close a fiscal year: its reports never change afterwards (R16)",
    operation_id="post_fiscal_year_close",
    **WRITE,
)
def post_fiscal_year_close(
    coop_id: str,
    year: str,
    body: Annotated[CloseYear, example("fiscal-year-close")],
    write: Annotated[Write, writes(fiscal_years.FISCAL_YEAR_CLOSE)],
) -> dict[str, Any]:
    return write(coop_id, body, year=year)


@router.post(
    "/v1/coops/{coop_id}/fiscal-years/{year}/surplus-allocation",
    summary="Record the AG's allocation of a closed year's result (R8, R9)",
    operation_id="post_surplus_allocations",
    **WRITE,
)
def post_surplus_allocations(
    coop_id: str,
    year: str,
    body: Annotated[surplus.Allocate, example("surplus-allocations")],
    write: Annotated[Write, writes(fiscal_years.SURPLUS_ALLOCATIONS)],
) -> dict[str, Any]:
    return write(coop_id, body, year=year)


@router.post(
    "/v1/coops/{coop_id}/carried-loss-charges",
    summary="An AG charges the loss carried forward to a reserve (R6, R9)",
    operation_id="post_carried_loss_charges",
    **WRITE,
)
def post_carried_loss_charges(
    coop_id: str,
    body: Annotated[ChargeCarriedLoss, example("carried-loss-charges")],
    write: Annotated[Write, writes(fiscal_years.CARRIED_LOSS_CHARGES)],
) -> dict[str, Any]:
    return write(coop_id, body)


# -- the batch -------------------------------------------------------------------------


def _batch_item(name: str) -> type[BaseModel]:
    """`{type: name, body: …}`: the body typed by the command it names."""
    title = "Batch" + "".join(part.capitalize() for part in re.split(r"[-_/{}]+", name))
    tag: Any = Literal[name]  # type: ignore[valid-type]
    return create_model(
        title,
        __config__=ConfigDict(extra="forbid"),
        type=(tag, ...),
        body=(COMMANDS[name].model, ...),
    )


if TYPE_CHECKING:

    class BatchCommand(BaseModel):
        type: str
        body: BaseModel

else:
    # one item schema per command, told apart by `type` (a oneOf in the contract)
    _items = tuple(_batch_item(n) for n in COMMANDS if n != "coops")
    BatchCommand = Annotated[Union[_items], Field(discriminator="type")]  # noqa: UP007


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commands: list[BatchCommand] = Field(min_length=1, max_length=1000)


@router.post(
    "/v1/coops/{coop_id}/batch",
    status_code=201,
    response_model=BatchResult,
    response_model_exclude_unset=True,
    operation_id="post_batch",
    responses={200: {"model": BatchResult, "description": "idempotent replay"}},
    summary="Append many commands atomically (all or none)",
)
def batch(
    coop_id: str,
    body: Annotated[BatchRequest, Body(openapi_examples=openapi_examples(BATCH))],
    service: ServiceDep,
    response: Response,
    who: Annotated[Principal, requires(RECORD)],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    parsed = []
    for index, item in enumerate(body.commands):
        command = COMMANDS[item.type]
        try:
            allow(command_rule(command.route), who)  # each command's own rule
        except AccessError as exc:
            raise InBatch(index, exc) from None
        parsed.append((command, item.body))
    ctx = Context(coop_id, actor=who.actor, today=service.today())
    results, replayed = [], True
    whole = batch_fingerprint([(c.name, b) for c, b in parsed]) if idempotency_key else None
    mails: list[RecordedEvent] = []
    with service.store.write() as session:
        with session.deferred():  # one INSERT per table
            for index, (command, command_body) in enumerate(parsed):
                key = (
                    scoped_key(ctx, "batch", f"{idempotency_key}#{index}")
                    if idempotency_key
                    else None
                )
                try:
                    outcome = execute(
                        session, ctx, command, command_body, key, fingerprint=whole, mails=mails
                    )
                except (DomainError, LedgerError) as exc:  # the write rolls back: nothing lands
                    raise InBatch(index, exc) from exc
                replayed = replayed and outcome.replayed
                results.append(outcome.body())
        queue_mails(session, mails, ctx.today)
    response.status_code = 200 if replayed else 201
    return {"results": results}
