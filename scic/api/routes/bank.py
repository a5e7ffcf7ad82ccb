"""The cooperative's bank: accounts, statements read in, lines matched to the ledger."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from scic.access.policy import READ, RECORD, requires
from scic.access.tokens import Principal
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.public.common import Money
from scic.bank import accounts, reconcile, statements
from scic.bank.matching import Movement, Proposal
from scic.errors import DomainError
from scic.jsontypes import Integer
from scic.money import format_cents
from scic.service import Service
from scic.write.pipeline import Context

router = APIRouter(tags=["bank"], responses=problems.WRITE_REFUSALS)

Recorder = Annotated[Principal, requires(RECORD)]
Reader = Annotated[Principal, requires(READ)]


# -- shapes ----------------------------------------------------------------------------


class BankAccountOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    iban: str = Field(examples=["FR76 3000 6000 0112 3456 7890 189"])
    bic: str | None
    journal_account: str
    creditor_id: str | None
    sepa_version: str


class BankAccountList(BaseModel):
    bank_accounts: list[BankAccountOut]


class ProposalOut(BaseModel):
    kind: Literal["payment", "instalment", "link", "return"]
    target_id: str = Field(
        description="subscription, grant, the movement's event (link), or the returned "
        "direct debit's end-to-end id (return)"
    )
    name: str | None = Field(description="the member or funder")
    amount: Money
    score: int = Field(ge=0, le=100)
    why: str


class LineOut(BaseModel):
    id: str
    account_id: str
    statement_id: str
    reference: str | None
    booking_date: date
    amount: Money = Field(description="credit > 0, debit < 0")
    text: str
    counterparty: str | None
    returned: bool = Field(description="an R-transaction: a direct debit returned")
    end_to_end_id: str | None = Field(description="the payer's or the debit's end-to-end id")
    status: Literal["open", "matched", "ignored"]
    kind: str | None
    target_id: str | None
    write_id: str | None = Field(description="the id the command returned")
    event_id: str | None = Field(description="the money event the line is tied to")
    note: str | None
    proposals: list[ProposalOut]


class StatementOut(BaseModel):
    statement_id: str
    account_id: str
    format: str = Field(examples=["camt.053.001.08", "ofx", "csv"])
    lines: int
    new_lines: int
    already_known: int
    first_day: date | None
    last_day: date | None
    opening_balance: Money | None
    closing_balance: Money | None
    new: list[LineOut]


class LineList(BaseModel):
    lines: list[LineOut]


class Confirm(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "payment", "target_id": "sub_3f2a9c1d4b5e6f70"}]},
    )
    kind: Literal["payment", "instalment", "link", "return"]
    target_id: str = Field(max_length=40)


class SetAside(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "frais"}]})
    note: str | None = Field(default=None, max_length=500, examples=["frais bancaires"])


class ConfirmAll(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"min_score": 90}]})
    min_score: Integer = Field(default=90, ge=0, le=100)
    statement_id: str | None = None


class SettledOut(BaseModel):
    line_id: str
    kind: str
    target_id: str | None
    id: str | None = Field(description="the id the command returned (payment, instalment)")
    event_ids: list[str]


class LineRefused(BaseModel):
    line_id: str
    problem: problems.Problem = Field(description="the command's refusal; the line stays open")


class ConfirmAllOut(BaseModel):
    confirmed: list[SettledOut]
    refused: list[LineRefused]
    left: int = Field(description="open lines without a proposal at or above min_score")


class MovementOut(BaseModel):
    kind: str
    event_id: str
    target_id: str
    name: str | None
    amount: Money
    effective_date: date


class BalanceOut(BaseModel):
    statement_id: str
    on: date
    closing_balance: Money
    journal_balance: Money = Field(description="the journal's 512 at the end of that day")
    difference: Money = Field(description="closing - journal")
    set_aside: Money = Field(description="lines set aside up to that day (explain as much)")
    open: Money = Field(description="lines not yet matched up to that day")


class ReturnedDebitOut(BaseModel):
    line_id: str
    booking_date: date
    amount: Money = Field(description="< 0: the debit taken back")
    text: str
    end_to_end_id: str | None
    name: str | None = Field(description="the member whose debit came back")
    subscription_id: str | None
    mandate_reference: str | None
    status: Literal["open", "matched", "ignored"] = Field(
        description="matched: confirmed, its payment reversed"
    )
    correction_id: str | None = Field(description="the correction that reversed the payment")


class Reconciliation(BaseModel):
    lines_without_movement: list[LineOut]
    movements_without_line: list[MovementOut]
    balances: list[BalanceOut]
    returned_debits: list[ReturnedDebitOut] = Field(
        description="direct debits the bank returned (R-transactions), newest first"
    )


# -- formatting ------------------------------------------------------------------------


def _account_out(a: accounts.BankAccount) -> dict[str, Any]:
    return {
        "id": a.account_id,
        "label": a.label,
        "iban": accounts.formatted_iban(a.iban),
        "bic": a.bic,
        "journal_account": a.journal_account,
        "creditor_id": a.creditor_id,
        "sepa_version": a.sepa_version,
    }


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "target_id": p.event_id if p.kind == "link" else p.target_id,
        "name": p.name,
        "amount": format_cents(p.amount_cents),
        "score": max(0, p.score),
        "why": p.why,
    }


def line_out(x: reconcile.BankLine) -> dict[str, Any]:
    return {
        "id": x.line_id,
        "account_id": x.account_id,
        "statement_id": x.statement_id,
        "reference": x.reference,
        "booking_date": x.booking_date,
        "amount": format_cents(x.amount_cents),
        "text": x.text,
        "counterparty": x.counterparty,
        "returned": x.returned,
        "end_to_end_id": x.end_to_end_id,
        "status": x.status,
        "kind": x.kind,
        "target_id": x.target_id,
        "write_id": x.write_id,
        "event_id": x.event_id,
        "note": x.note,
        "proposals": [_proposal_out(p) for p in x.proposals],
    }


def _movement_out(m: Movement) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "event_id": m.event_id,
        "target_id": m.target_id,
        "name": m.name,
        "amount": format_cents(m.amount_cents),
        "effective_date": m.on,
    }


def _settled_out(s: reconcile.Settled) -> dict[str, Any]:
    return {
        "line_id": s.line_id,
        "kind": s.kind,
        "target_id": s.target_id,
        "id": s.write_id,
        "event_ids": s.event_ids,
    }


def problem_of(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/errors/{exc.slug}",
        "title": exc.slug.replace("-", " ").capitalize(),
        "status": problems.KIND_STATUS[exc.kind],
        "detail": exc.detail,
    }
    if exc.rule is not None:
        body["rule"] = exc.rule
    return body


# -- the work, shared with the pages and the CLI ---------------------------------------


def import_file(
    service: Service,
    coop_id: str,
    content: bytes,
    filename: str | None,
    account_id: str | None,
    mapping: str | None,
    actor: str,
) -> dict[str, Any]:
    with service.engine.begin() as conn:
        done = reconcile.import_statement(
            conn,
            coop_id,
            content,
            filename=filename,
            account_id=account_id or None,
            mapping=statements.parse_mapping(mapping),
            now=service.store.clock(),
            actor=actor,
        )
    with service.engine.connect() as conn:
        new = (
            reconcile.lines(conn, coop_id, line_ids=done.new_line_ids) if done.new_line_ids else []
        )
    return {
        "statement_id": done.statement_id,
        "account_id": done.account.account_id,
        "format": done.format,
        "lines": done.lines,
        "new_lines": len(done.new_line_ids),
        "already_known": done.lines - len(done.new_line_ids),
        "first_day": done.first_day,
        "last_day": done.last_day,
        "opening_balance": None if done.opening_cents is None else format_cents(done.opening_cents),
        "closing_balance": None if done.closing_cents is None else format_cents(done.closing_cents),
        "new": [line_out(x) for x in new],
    }


def confirm_line(
    service: Service, coop_id: str, line_id: str, kind: str, target_id: str, actor: str
) -> reconcile.Settled:
    ctx = Context(coop_id, actor=actor, today=service.today())
    with service.store.write() as session:
        return reconcile.confirm(session, ctx, line_id, kind, target_id)


def confirm_all(
    service: Service, coop_id: str, min_score: int, statement_id: str | None, actor: str
) -> dict[str, Any]:
    """Each line in its own transaction: a refusal leaves that line open, not the rest."""
    with service.engine.connect() as conn:
        open_lines = reconcile.lines(conn, coop_id, status="open", statement_id=statement_id)
    confirmed, refused, left = [], [], 0
    for x in open_lines:
        best = x.proposals[0] if x.proposals else None
        if best is None or best.score < min_score:
            left += 1
            continue
        target = best.event_id if best.kind == "link" else best.target_id
        try:
            done = confirm_line(service, coop_id, x.line_id, best.kind, str(target), actor)
        except DomainError as exc:
            refused.append({"line_id": x.line_id, "problem": problem_of(exc)})
            continue
        confirmed.append(_settled_out(done))
    return {"confirmed": confirmed, "refused": refused, "left": left}


def reconciliation(service: Service, coop_id: str) -> dict[str, Any]:
    with service.engine.connect() as conn:
        open_lines = reconcile.lines(conn, coop_id, status="open")
        movements = reconcile.unmatched_movements(conn, coop_id)
        checks = reconcile.balance_checks(service.store, conn, coop_id)
        returned = reconcile.returned_debits(conn, coop_id)
    return {
        "lines_without_movement": [line_out(x) for x in open_lines],
        "movements_without_line": [_movement_out(m) for m in movements],
        "balances": [
            {
                "statement_id": c.statement_id,
                "on": c.on,
                "closing_balance": format_cents(c.closing_cents),
                "journal_balance": format_cents(c.journal_cents),
                "difference": format_cents(c.difference_cents),
                "set_aside": format_cents(c.set_aside_cents),
                "open": format_cents(c.open_cents),
            }
            for c in checks
        ],
        "returned_debits": [
            {
                "line_id": r.line_id,
                "booking_date": r.booking_date,
                "amount": format_cents(r.amount_cents),
                "text": r.text,
                "end_to_end_id": r.end_to_end_id,
                "name": r.member_name,
                "subscription_id": r.subscription_id,
                "mandate_reference": r.mandate_reference,
                "status": r.status,
                "correction_id": r.correction_id,
            }
            for r in returned
        ],
    }


# -- routes ----------------------------------------------------------------------------


@router.post(
    "/v1/coops/{coop_id}/bank-accounts",
    status_code=201,
    response_model=BankAccountOut,
    operation_id="post_bank_account",
    summary="Register a bank account of the cooperative (IBAN, BIC, 512x, SEPA ICS)",
)
def create_bank_account(
    coop_id: str, body: accounts.NewBankAccount, service: ServiceDep, who: Recorder
) -> dict[str, Any]:
    with service.engine.begin() as conn:
        return _account_out(accounts.create(conn, coop_id, body, service.store.clock()))


@router.get(
    "/v1/coops/{coop_id}/bank-accounts",
    response_model=BankAccountList,
    operation_id="list_bank_accounts",
    summary="The cooperative's bank accounts",
)
def list_bank_accounts(coop_id: str, service: ServiceDep, who: Reader) -> dict[str, Any]:
    with service.engine.connect() as conn:
        return {"bank_accounts": [_account_out(a) for a in accounts.listed(conn, coop_id)]}


@router.post(
    "/v1/coops/{coop_id}/bank-statements",
    status_code=201,
    response_model=StatementOut,
    operation_id="post_bank_statement",
    summary="Read a bank statement in (camt.053 001.02/001.08, OFX, CSV): its new lines "
    "with their proposals",
)
def post_bank_statement(
    coop_id: str,
    service: ServiceDep,
    who: Recorder,
    file: Annotated[UploadFile, File(description="camt.053 XML, OFX or CSV")],
    account_id: Annotated[
        str | None, Form(description="the bank account (needed for a CSV when several)")
    ] = None,
    mapping: Annotated[
        str | None,
        Form(
            description='CSV columns as JSON: {"date": "Date", "text": "Libellé", '
            '"debit": "Débit", "credit": "Crédit"} or "amount" instead of debit and credit'
        ),
    ] = None,
) -> dict[str, Any]:
    content = file.file.read()
    return import_file(service, coop_id, content, file.filename, account_id, mapping, who.actor)


@router.get(
    "/v1/coops/{coop_id}/bank-lines",
    response_model=LineList,
    operation_id="list_bank_lines",
    summary="Statement lines, with proposals for the open ones",
)
def list_bank_lines(
    coop_id: str,
    service: ServiceDep,
    who: Reader,
    status: Annotated[Literal["open", "matched", "ignored"] | None, Query()] = None,
    statement_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    with service.engine.connect() as conn:
        found = reconcile.lines(conn, coop_id, status=status, statement_id=statement_id)
    return {"lines": [line_out(x) for x in found]}


@router.post(
    "/v1/coops/{coop_id}/bank-lines/{line_id}/confirmation",
    status_code=201,
    response_model=SettledOut,
    operation_id="confirm_bank_line",
    summary="Confirm what a line is: records the payment or instalment at its booking date",
)
def confirm_bank_line(
    coop_id: str, line_id: str, body: Confirm, service: ServiceDep, who: Recorder
) -> dict[str, Any]:
    done = confirm_line(service, coop_id, line_id, body.kind, body.target_id, who.actor)
    return _settled_out(done)


@router.post(
    "/v1/coops/{coop_id}/bank-lines/confirmations",
    response_model=ConfirmAllOut,
    operation_id="confirm_bank_lines",
    summary="Confirm every open line whose best proposal scores at least min_score",
)
def confirm_bank_lines(
    coop_id: str,
    service: ServiceDep,
    who: Recorder,
    body: Annotated[ConfirmAll, Body()],
) -> dict[str, Any]:
    return confirm_all(service, coop_id, body.min_score, body.statement_id, who.actor)


@router.post(
    "/v1/coops/{coop_id}/bank-lines/{line_id}/set-aside",
    response_model=SettledOut,
    operation_id="set_aside_bank_line",
    summary="Mark a line as not the ledger's business (bank fees, sales revenue…)",
)
def set_aside_bank_line(
    coop_id: str, line_id: str, body: SetAside, service: ServiceDep, who: Recorder
) -> dict[str, Any]:
    ctx = Context(coop_id, actor=who.actor, today=service.today())
    with service.engine.begin() as conn:
        done = reconcile.set_aside(conn, ctx, line_id, body.note, service.store.clock())
    return _settled_out(done)


@router.get(
    "/v1/coops/{coop_id}/reconciliation",
    response_model=Reconciliation,
    operation_id="get_reconciliation",
    summary="What is unmatched on each side, and each statement's closing balance "
    "against the journal's 512",
)
def get_reconciliation(coop_id: str, service: ServiceDep, who: Reader) -> dict[str, Any]:
    return reconciliation(service, coop_id)
