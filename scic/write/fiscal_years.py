"""Writes about fiscal years: closing one (R16), the AG's allocation of its result (R8,
R9), and an AG charging the carried loss to a reserve (R6, R9)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ledger import NewEvent
from ledger.schema import events as events_table
from ledger.store import WriteSession
from scic import anchoring
from scic.accounting import journal, reads
from scic.accounting.fiscal_years import CloseYear, check_closed, year_result
from scic.domain import surplus
from scic.domain.facts import Fact
from scic.domain.fiscal_years import FiscalYearClosed
from scic.domain.losses import (
    RESERVE_ACCOUNTS,
    RESERVE_FIELDS,
    CarriedLossCharged,
    ChargeCarriedLoss,
)
from scic.domain.members import check_date
from scic.domain.shares import LossesRecorded
from scic.domain.state import CapitalState
from scic.errors import refuse
from scic.money import format_cents, parse_cents
from scic.write import store
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Decided


class CloseYearFor(CloseYear):
    year: str


def _head(session: WriteSession) -> tuple[int, str]:
    position = session.head
    if position == 0:
        return 0, ""
    e = events_table.c
    found = session.conn.execute(sa.select(e.hash).where(e.position == position)).scalar_one()
    return position, found


def close(session: WriteSession, ctx: Context, body: CloseYearFor) -> Decided:
    coop_id = ctx.cooperative()
    cal = reads.calendar(session.conn, coop_id)
    fy = cal.year(body.year)
    closed = reads.closings(session.conn, coop_id)
    if fy.year in closed:
        raise refuse("fiscal-year-closed", f"fiscal year {fy.year} is already closed")
    if fy.end >= ctx.today:
        raise refuse("fiscal-year-not-ended", f"fiscal year {fy.year} ends on {fy.end}: not yet")
    earlier = [y for y in cal.years(fy.start) if y.end < fy.start and y.year not in closed]
    if earlier:
        raise refuse(
            "earlier-year-open",
            f"fiscal year {earlier[0].year} is still open: years close in order",
        )
    entries = reads.year_entries(session.store, session.conn, cal, fy, None)
    wrong = journal.unbalanced(entries)
    if wrong:
        raise refuse(
            "journal-unbalanced",
            f"{len(wrong)} entries of {fy.year} do not balance (first: {wrong[0].piece_ref})",
        )
    position, hash_ = _head(session)
    closed_at = session.store.clock()
    # The receipt pins the head the closing records, in the closing's transaction: a
    # closing never lands without it (when a key is configured: scic.anchoring).
    anchoring.record(
        session.conn, position, hash_, closed_at, f"fiscal-year-closed:{coop_id}:{fy.year}"
    )
    data = FiscalYearClosed(
        year=fy.year,
        start=fy.start,
        end=fy.end,
        closed_at=closed_at,
        head_position=position,
        head_hash=hash_,
        result_cents=parse_cents(body.result) if body.result is not None else None,
        own_revenue_cents=body.own_revenue,
        own_revenue_source=body.own_revenue_source,
    )
    event = NewEvent("FiscalYearClosed", data.model_dump(mode="json"), fy.end, subject_id=coop_id)
    return Decided(
        f"fy_{coop_id}_{fy.year}", [event], {"head": {"position": position, "hash": hash_}}
    )


FISCAL_YEAR_CLOSE = Command(
    "fiscal-year-close", close, CloseYearFor, "fiscal-years/{year}/close", CloseYear
)


class AllocateFor(surplus.Allocate):
    year: str


def allocate(session: WriteSession, ctx: Context, body: AllocateFor) -> Decided:
    coop_id = ctx.cooperative()
    conn = session.conn
    cal = reads.calendar(conn, coop_id)
    fy = cal.year(body.year)
    closing = reads.closings(conn, coop_id).get(fy.year)
    closing = check_closed(closing, f"fiscal year {fy.year} is not closed yet")
    if fy.year in reads.allocations(conn, coop_id):
        raise refuse("already-allocated", f"the result of {fy.year} is already allocated")
    if body.decided_on <= fy.end:
        raise refuse(
            "decision-before-year-end",
            f"the AG decides on {fy.year}'s result after the year ends ({fy.end})",
        )
    result = _result(body, closing["result_cents"], fy.year)
    at_ag = _capital_at(session, ctx, body.decided_on)
    if body.charged_to_reserves > at_ag.other_reserves_cents:
        raise refuse(
            "reserves-insufficient",
            f"{format_cents(body.charged_to_reserves)} charged to the other reserves (1068), "
            f"which hold {format_cents(at_ag.other_reserves_cents)} on "
            f"{body.decided_on}: carry the rest forward",
        )
    bounds = reads.bounds_for(conn, cal, fy, result, body.decided_on)
    decided = surplus.decide(fy.year, bounds, replace_result(body, result))
    if decided.interest_cents:
        eligible = reads.eligible_by_member(conn, coop_id, fy.end)
        split = surplus.split_interest(decided.interest_cents, eligible)
        decided = decided.model_copy(update={"interest_by_member": split})
    events = [
        NewEvent(
            "SurplusAllocated",
            decided.model_dump(mode="json"),
            body.decided_on,
            subject_id=coop_id,
            amount_cents=result,
        )
    ]
    if decided.carried_forward_cents:
        # R6 — a loss carried forward is not absorbed by reserves: departing members bear
        # their share of it at reimbursement.
        loss = LossesRecorded(amount_cents=decided.carried_forward_cents, fiscal_year=fy.year)
        events.append(
            NewEvent(
                "LossesRecorded",
                loss.model_dump(mode="json"),
                body.decided_on,
                amount_cents=loss.amount_cents,
            )
        )
    return Decided(f"ag_{coop_id}_{fy.year}", events)


SURPLUS_ALLOCATIONS = Command(
    "surplus-allocations",
    allocate,
    AllocateFor,
    "fiscal-years/{year}/surplus-allocation",
    surplus.Allocate,
)


def _capital_at(session: WriteSession, ctx: Context, on: date) -> CapitalState:
    """The capital, reserves and carried loss on `on`, from the write model's fold."""
    _, _, state = store.as_at(session, ctx.cooperative(), on)
    return state.capital


def charge(session: WriteSession, ctx: Context, body: ChargeCarriedLoss) -> Decided:
    """R9 — clearing a carried loss by charging it to reserves is an AG decision, an
    event on its date: the loss (119) and the reserve fall together."""
    cached, _, state = store.as_at(session, ctx.cooperative(), body.decided_on)
    check_date(state, body.decided_on)
    capital = state.capital
    if body.amount > capital.uncovered_losses_cents:
        raise refuse(
            "charge-above-carried-loss",
            f"{format_cents(body.amount)} charged, but the loss carried forward on "
            f"{body.decided_on} is {format_cents(max(0, capital.uncovered_losses_cents))}",
        )
    held = getattr(capital, RESERVE_FIELDS[body.reserve])
    if body.amount > held:
        raise refuse(
            "reserves-insufficient",
            f"{format_cents(body.amount)} charged to the {body.reserve} reserve "
            f"({RESERVE_ACCOUNTS[body.reserve]}), which holds {format_cents(held)} on "
            f"{body.decided_on} (loss carried forward: "
            f"{format_cents(capital.uncovered_losses_cents)})",
        )
    charge_id = new_id("chg")
    data = CarriedLossCharged(
        charge_id=charge_id,
        amount_cents=body.amount,
        reserve=body.reserve,
        decided_on=body.decided_on,
    )
    return store.judged(session, cached, charge_id, [Fact(data, body.decided_on)])


CARRIED_LOSS_CHARGES = Command("carried-loss-charges", charge, ChargeCarriedLoss)


def _result(body: surplus.Allocate, recorded: int | None, year: int) -> int:
    given = parse_cents(body.result) if body.result is not None else None
    result = year_result(
        given, recorded, f"no result was recorded when {year} was closed: give result"
    )
    if given is not None and recorded is not None and given != recorded:
        raise refuse(
            "result-differs-from-closing",
            f"result {format_cents(given)} differs from the {format_cents(recorded)} "
            f"recorded when {year} was closed",
        )
    return result


def replace_result(body: surplus.Allocate, result: int) -> surplus.Allocate:
    return body.model_copy(update={"result": format_cents(result)})
