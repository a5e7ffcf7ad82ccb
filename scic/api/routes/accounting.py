"""The accountant's views: fiscal years, surplus bounds, journal, trial balance, FEC, and
the TMO table (R8, R9, R16, R17). The writes (close, AG allocation) are commands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ledger import NewEvent
from scic.access.policy import ADMIN_ONLY, EXPORT, READ, requires
from scic.access.tokens import Principal
from scic.accounting import journal, reads
from scic.accounting.exports import fec_export
from scic.accounting.fiscal_years import year_result
from scic.api import problems
from scic.api.deps import ServiceDep
from scic.api.schemas import WriteResult
from scic.dates import Day
from scic.domain import surplus
from scic.money import format_cents, parse_cents
from scic.write.pipeline import append_events

router = APIRouter(tags=["accounting"], responses=problems.WRITE_REFUSALS)


# -- response models (money as decimal strings) ----------------------------------------


class Head(BaseModel):
    position: int
    hash: str


class FiscalYearOut(BaseModel):
    year: int
    start: date
    end: date
    status: Literal["open", "closed"]
    closed_at: datetime | None
    head: Head | None
    result: str | None
    own_revenue: str | None
    allocated: bool


class ReviewOut(BaseModel):
    year: int
    rule: Literal["R10"] = "R10"
    reason: str


class FiscalYearList(BaseModel):
    fiscal_years: list[FiscalYearOut]
    cooperative_review: list[ReviewOut]


class BoundsOut(BaseModel):
    year: int
    result: str
    decided_on: date
    carried_loss: str = Field(description="loss carried forward (119) on the AG's date (R9)")
    carried_loss_cleared: str = Field(description="the part of the result that clears it first")
    carried_loss_left: str = Field(description="still carried after this result: no interest")
    base: str = Field(description="the result less the carried loss cleared: the minimums' base")
    legal_reserve_min: str
    remainder: str
    statutory_reserve_min: str
    reserves_min: str
    distributable: str
    public_subsidies_deducted: str
    interest_cap_rate: str
    eligible_capital: str
    interest_cap: str
    interest_max: str
    tmo: dict[str, str]
    highest_capital: str
    legal_reserve_before: str
    allocation: surplus.SurplusAllocated | None = Field(
        description="the AG's decision, once recorded"
    )


class LineOut(BaseModel):
    account: str
    account_label: str
    aux: str | None
    debit: str
    credit: str


class EntryOut(BaseModel):
    journal: str
    date: date
    piece_ref: str
    label: str
    event_id: str | None
    adjusts: str | None
    lines: list[LineOut]


class JournalOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: date | None = Field(default=None, alias="from")
    to: date | None
    entries: list[EntryOut]


class BalanceOut(BaseModel):
    account: str
    label: str
    debit: str
    credit: str
    balance: str


class TrialBalanceOut(BaseModel):
    as_of: date
    accounts: list[BalanceOut]
    total_debit: str
    total_credit: str
    balanced: bool


class TmoOut(BaseModel):
    year: int
    rate: str
    source: str


class TmoList(BaseModel):
    rates: list[TmoOut]


# -- fiscal years ----------------------------------------------------------------------


@router.get(
    "/v1/coops/{coop_id}/fiscal-years",
    operation_id="get_fiscal_years",
    response_model=FiscalYearList,
    dependencies=[requires(READ)],
)
def fiscal_years(coop_id: str, service: ServiceDep) -> dict[str, Any]:
    """Every fiscal year from incorporation to the current one, with its closing; and the
    recorded results that call for a cooperative review (R10)."""
    with service.engine.connect() as conn:
        cal = reads.calendar(conn, coop_id)
        closed = reads.closings(conn, coop_id)
        allocated = reads.allocations(conn, coop_id)
        # R10 — the results since the last review that call for one
        triggers = reads.review_due(conn, coop_id, cal.incorporated_on, service.today()).triggers
    out = []
    for fy in cal.years(service.today()):
        row = closed.get(fy.year)
        out.append(
            {
                "year": fy.year,
                "start": fy.start,
                "end": fy.end,
                "status": "closed" if row else "open",
                "closed_at": row["closed_at"] if row else None,
                "head": {"position": row["head_position"], "hash": row["head_hash"]}
                if row
                else None,
                "result": _cents(row["result_cents"]) if row else None,
                "own_revenue": _cents(row["own_revenue_cents"]) if row else None,
                "allocated": fy.year in allocated,
            }
        )
    return {
        "fiscal_years": out,
        "cooperative_review": [{"year": t.year, "reason": t.reason} for t in triggers],
    }


def _cents(value: int | None) -> str | None:
    return None if value is None else format_cents(value)


Money = Annotated[str | None, Query(pattern=r"^-?\d{1,13}(\.\d{1,2})?$")]


@router.get(
    "/v1/coops/{coop_id}/fiscal-years/{year}/surplus-allocation",
    operation_id="get_surplus_allocation",
    response_model=BoundsOut,
    dependencies=[requires(READ)],
)
def surplus_bounds(
    coop_id: str,
    year: str,
    service: ServiceDep,
    result: Money = None,
    decided_on: Annotated[Day | None, Query(description="AG date (default: today)")] = None,
) -> dict[str, Any]:
    """R9 bounds of the allocation of a year's result, with the R8 cap on interest."""
    with service.engine.connect() as conn:
        cal = reads.calendar(conn, coop_id)
        fy = cal.year(year)
        closing = reads.closings(conn, coop_id).get(fy.year)
        recorded = closing["result_cents"] if closing else None
        given = parse_cents(result) if result is not None else None
        cents = year_result(given, recorded, "no result recorded at closing: pass ?result=")
        on = decided_on or max(service.today(), fy.end)
        b = reads.bounds_for(conn, cal, fy, cents, on)
        allocation = reads.allocations(conn, coop_id).get(fy.year)
    i = b.inputs
    return {
        "year": fy.year,
        "result": format_cents(b.result_cents),
        "decided_on": on,
        "carried_loss": format_cents(i.carried_loss_cents),
        "carried_loss_cleared": format_cents(b.carried_loss_cleared_cents),
        "carried_loss_left": format_cents(b.carried_loss_left_cents),
        "base": format_cents(b.base_cents),
        "legal_reserve_min": format_cents(b.legal_reserve_min_cents),
        "remainder": format_cents(b.remainder_cents),
        "statutory_reserve_min": format_cents(b.statutory_reserve_min_cents),
        "reserves_min": format_cents(b.reserves_min_cents),
        "distributable": format_cents(b.distributable_cents),
        "public_subsidies_deducted": format_cents(b.subsidies_deducted_cents),
        "interest_cap_rate": str(b.interest_cap_rate.quantize(surplus.RATE_QUANTUM)),
        "eligible_capital": format_cents(i.eligible_capital_cents),
        "interest_cap": format_cents(b.interest_cap_cents),
        "interest_max": format_cents(b.interest_max_cents),
        "tmo": {str(y): str(rate) for y, rate in i.tmo},
        "highest_capital": format_cents(i.highest_capital_cents),
        "legal_reserve_before": format_cents(i.legal_reserve_cents),
        "allocation": allocation.model_dump(mode="json") if allocation else None,
    }


# -- journal and trial balance ---------------------------------------------------------


def _entry(x: journal.Entry) -> dict[str, Any]:
    return {
        "journal": x.journal,
        "date": x.on,
        "piece_ref": x.piece_ref,
        "label": x.label,
        "event_id": x.event_id,
        "adjusts": x.adjusts,
        "lines": [
            {
                "account": li.account,
                "account_label": journal.ACCOUNTS[li.account],
                "aux": li.aux,
                "debit": format_cents(li.debit_cents),
                "credit": format_cents(li.credit_cents),
            }
            for li in x.lines
        ],
    }


@router.get(
    "/v1/coops/{coop_id}/journal",
    operation_id="get_journal",
    response_model=JournalOut,
    dependencies=[requires(READ)],
)
def get_journal(
    coop_id: str,
    service: ServiceDep,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query()] = None,
) -> dict[str, Any]:
    """The PCG journal of the events effective within [from, to] (default: to today)."""
    end = to or service.today()
    with service.engine.connect() as conn:
        reads.calendar(conn, coop_id)
        entries = journal.build(reads.coop_events(service.store, conn, coop_id), until=end)
    chosen = journal.within(entries, from_, end)
    return {"from": from_, "to": end, "entries": [_entry(x) for x in chosen]}


@router.get(
    "/v1/coops/{coop_id}/trial-balance",
    operation_id="get_trial_balance",
    response_model=TrialBalanceOut,
    dependencies=[requires(READ)],
)
def trial_balance(
    coop_id: str,
    service: ServiceDep,
    as_of: Annotated[Day | None, Query(description="business date (default: today)")] = None,
) -> dict[str, Any]:
    on = as_of or service.today()
    with service.engine.connect() as conn:
        reads.calendar(conn, coop_id)
        entries = journal.build(reads.coop_events(service.store, conn, coop_id), until=on)
    balances = journal.trial_balance(journal.within(entries, None, on))
    debit = sum(b.debit_cents for b in balances)
    credit = sum(b.credit_cents for b in balances)
    return {
        "as_of": on,
        "accounts": [
            {
                "account": b.account,
                "label": b.label,
                "debit": format_cents(b.debit_cents),
                "credit": format_cents(b.credit_cents),
                "balance": format_cents(b.balance_cents),
            }
            for b in balances
        ],
        "total_debit": format_cents(debit),
        "total_credit": format_cents(credit),
        "balanced": debit == credit,
    }


# -- FEC -------------------------------------------------------------------------------


@router.get(
    "/v1/coops/{coop_id}/reports/fec",
    operation_id="get_report_fec",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "the FEC file"}},
    dependencies=[requires(EXPORT)],
)
def report_fec(
    coop_id: str,
    year: Annotated[int, Query(ge=1900, le=2200)],
    service: ServiceDep,
    encoding: Literal["iso-8859-15", "utf-8"] = "iso-8859-15",
    include_open: Annotated[
        bool, Query(description="export an open year (entries not validated)")
    ] = False,
) -> Response:
    """R17 — the FEC of a fiscal year. A closed year's file is archived at its first
    export and served unchanged from then on (R16)."""
    with service.engine.connect() as conn:
        exported = fec_export(service.store, conn, coop_id, year, encoding, include_open)
    return Response(
        exported.content,
        media_type=f"text/plain; charset={encoding}",
        headers={"Content-Disposition": f'attachment; filename="{exported.name}"'},
    )


# -- TMO (R8) --------------------------------------------------------------------------


@router.get(
    "/v1/rules/tmo",
    operation_id="get_tmo",
    response_model=TmoList,
    tags=["rules"],
    dependencies=[requires(READ)],
)
def get_tmo(service: ServiceDep) -> dict[str, Any]:
    """The TMO by calendar year (R8: interest cap = 3-year average + 2 points)."""
    with service.engine.connect() as conn:
        table = reads.tmo_table(conn)
    return {
        "rates": [
            {"year": y, "rate": str(rate), "source": source} for y, (rate, source) in table.items()
        ]
    }


@router.post(
    "/v1/rules/tmo",
    operation_id="post_tmo",
    status_code=201,
    response_model=WriteResult,
    tags=["rules"],
)
def post_tmo(
    body: surplus.TmoRateSet,
    service: ServiceDep,
    who: Annotated[Principal, requires(ADMIN_ONLY)],
) -> dict[str, Any]:
    """Record the published TMO of a year (admin); every change is an event."""
    data = body.model_dump(mode="json")
    with service.store.write() as session:
        rate = NewEvent("TmoRateSet", data, date(body.year + 1, 1, 1))
        [recorded] = append_events(
            session, [reads.rules_request([rate], who.actor)], service.today()
        )
    return {"id": f"tmo_{body.year}", "event_ids": [e.event_id for e in recorded]}
