"""Statements in, lines matched: import (each line kept once), proposals, confirmation
through the command layer (dated the booking date, carrying the bank's reference),
lines set aside, what is left unmatched on each side, and the 512 balance check."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from ledger import EventStore
from ledger.schema import events
from ledger.store import WriteSession
from scic.accounting import journal, reads
from scic.bank import accounts, candidates, direct_debits, matching, statements
from scic.bank.accounts import BankAccount
from scic.bank.tables import bank_lines, bank_statements, sepa_mandates, sepa_transactions
from scic.domain.corrections import Correct
from scic.domain.shares import Pay
from scic.errors import NotFound, refuse
from scic.money import format_cents
from scic.projections.tables import members, parties
from scic.write import store
from scic.write.corrections import CORRECTIONS
from scic.write.grants import GRANT_INSTALMENTS, InstalmentFor
from scic.write.pipeline import Command, Context, execute, scoped_key
from scic.write.shares import PAYMENTS, REIMBURSEMENT_PAYOUTS, PayOutFor


@dataclass(frozen=True)
class Imported:
    statement_id: str
    account: BankAccount
    format: str
    lines: int
    new_line_ids: list[str]
    opening_cents: int | None
    closing_cents: int | None
    first_day: date | None
    last_day: date | None


def import_statement(
    conn: sa.Connection,
    coop_id: str,
    content: bytes,
    *,
    filename: str | None,
    account_id: str | None,
    mapping: dict[str, str] | None,
    now: datetime,
    actor: str,
) -> Imported:
    """Read a statement into the account it is of; refuse (nothing written) a file of
    no known format, of another account, that does not add up, or whose opening balance
    does not follow what the earlier statements say."""
    accounts.check_coop(conn, coop_id)
    statement = statements.read(content, mapping)
    account = _account_of(conn, coop_id, statement, account_id)
    _check_adds_up(statement)
    _check_follows(conn, account, statement)
    keys = statements.line_keys(statement, account.account_id)
    known = _known_keys(conn, account.account_id, keys)
    statement_id = f"bst_{uuid.uuid4().hex[:16]}"
    rows = [
        _line_row(coop_id, account.account_id, statement_id, key, line)
        for key, line in zip(keys, statement.lines, strict=True)
        if key not in known
    ]
    conn.execute(
        bank_statements.insert().values(
            statement_id=statement_id,
            coop_id=coop_id,
            account_id=account.account_id,
            format=statement.format,
            filename=(filename or "")[:200] or None,
            digest=hashlib.sha256(content).hexdigest(),
            first_day=statement.first_day,
            last_day=statement.last_day,
            opening_cents=statement.opening_cents,
            closing_cents=statement.closing_cents,
            lines=len(statement.lines),
            new_lines=len(rows),
            imported_at=now,
            actor=actor,
        )
    )
    if rows:
        conn.execute(bank_lines.insert(), rows)
    return Imported(
        statement_id,
        account,
        statement.format,
        len(statement.lines),
        [r["line_id"] for r in rows],
        statement.opening_cents,
        statement.closing_cents,
        statement.first_day,
        statement.last_day,
    )


def _account_of(
    conn: sa.Connection, coop_id: str, statement: statements.Statement, account_id: str | None
) -> BankAccount:
    if statement.iban is None and statement.account_number is None:
        return accounts.the_one(conn, coop_id, account_id)  # a CSV says nothing of it
    mine = accounts.listed(conn, coop_id)
    if statement.iban is not None:
        said = statement.iban.replace(" ", "").upper()
        found = [a for a in mine if a.iban == said]
        shown = accounts.formatted_iban(said)
    else:
        number = str(statement.account_number)
        found = [a for a in mine if number and number in a.iban[4:]]
        shown = f"account number {number}"
    if not found or (account_id is not None and found[0].account_id != account_id):
        raise refuse(
            "statement-of-another-account",
            f"the statement is of {shown}, not of "
            + (
                "the account named"
                if account_id is not None and found
                else "a bank account of this cooperative"
            ),
        )
    return found[0]


def _check_adds_up(statement: statements.Statement) -> None:
    if statement.opening_cents is None or statement.closing_cents is None:
        return
    moved = sum(x.amount_cents for x in statement.lines)
    if statement.opening_cents + moved != statement.closing_cents:
        raise refuse(
            "statement-does-not-add-up",
            f"opening balance {format_cents(statement.opening_cents)} plus the lines "
            f"({format_cents(moved)}) is not the closing balance "
            f"{format_cents(statement.closing_cents)}",
        )


def balance_before(conn: sa.Connection, account_id: str, day: date) -> int | None:
    """The account's balance at the start of `day` as the statements read so far tell
    it: the first statement's opening balance plus every line booked since, before
    `day` (None when no statement with an opening balance starts on or before it)."""
    s, x = bank_statements.c, bank_lines.c
    first = conn.execute(
        sa.select(s.first_day, s.opening_cents)
        .where(s.account_id == account_id, s.opening_cents.is_not(None), s.first_day.is_not(None))
        .order_by(s.first_day, s.imported_at)
        .limit(1)
    ).first()
    if first is None or first.first_day > day:
        return None
    moved = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(x.amount_cents), 0)).where(
            x.account_id == account_id, x.booking_date >= first.first_day, x.booking_date < day
        )
    ).scalar_one()
    return int(first.opening_cents) + int(moved)


def _check_follows(
    conn: sa.Connection, account: BankAccount, statement: statements.Statement
) -> None:
    day = statement.first_day
    if statement.opening_cents is None or day is None:
        return
    expected = balance_before(conn, account.account_id, day)
    if expected is not None and expected != statement.opening_cents:
        raise refuse(
            "statement-balance-break",
            f"the opening balance {format_cents(statement.opening_cents)} on {day} does not "
            f"follow the statements already read, which leave {format_cents(expected)}: "
            "a statement is missing in between, or this one is of another period",
        )


def _known_keys(conn: sa.Connection, account_id: str, keys: list[str]) -> set[str]:
    x = bank_lines.c
    known: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        known.update(
            conn.execute(
                sa.select(x.line_key).where(x.account_id == account_id, x.line_key.in_(chunk))
            ).scalars()
        )
    return known


def _line_row(
    coop_id: str, account_id: str, statement_id: str, key: str, line: statements.Line
) -> dict[str, Any]:
    return {
        "line_id": f"bln_{uuid.uuid4().hex[:16]}",
        "coop_id": coop_id,
        "account_id": account_id,
        "statement_id": statement_id,
        "line_key": key,
        "reference": (line.reference or "")[:140] or None,
        "booking_date": line.booking_date,
        "value_date": line.value_date,
        "amount_cents": line.amount_cents,
        "text": line.text[:500],
        "counterparty": (line.counterparty or "")[:200] or None,
        "end_to_end_id": (line.end_to_end_id or "")[:60] or None,
        "mandate_id": (line.mandate_id or "")[:60] or None,
        "returned": line.returned,
        "status": "open",
        "kind": None,
        "target_id": None,
        "write_id": None,
        "event_id": None,
        "note": None,
        "settled_at": None,
        "settled_by": None,
    }


# -- reading lines and their proposals -------------------------------------------------


@dataclass(frozen=True)
class BankLine:
    line_id: str
    account_id: str
    statement_id: str
    reference: str | None
    booking_date: date
    amount_cents: int
    text: str
    counterparty: str | None
    status: str
    kind: str | None
    target_id: str | None
    write_id: str | None
    event_id: str | None
    note: str | None
    returned: bool
    end_to_end_id: str | None
    proposals: list[matching.Proposal] = field(default_factory=list)

    @property
    def wording(self) -> str:
        return " ".join(p for p in (self.counterparty, self.text) if p)

    @property
    def bank_reference(self) -> str:
        """What a command records: the bank's reference, else the line's own id."""
        return self.reference or self.line_id


_LINE_COLUMNS = [
    bank_lines.c[n]
    for n in [
        "line_id",
        "account_id",
        "statement_id",
        "reference",
        "booking_date",
        "amount_cents",
        "text",
        "counterparty",
        "status",
        "kind",
        "target_id",
        "write_id",
        "event_id",
        "note",
        "returned",
        "end_to_end_id",
    ]
]


def lines(
    conn: sa.Connection,
    coop_id: str,
    *,
    status: str | None = None,
    statement_id: str | None = None,
    line_ids: list[str] | None = None,
    with_proposals: bool = True,
) -> list[BankLine]:
    x = bank_lines.c
    query = sa.select(*_LINE_COLUMNS).where(x.coop_id == coop_id)
    if status is not None:
        query = query.where(x.status == status)
    if statement_id is not None:
        query = query.where(x.statement_id == statement_id)
    if line_ids is not None:
        query = query.where(x.line_id.in_(line_ids))
    found = [
        BankLine(**r._mapping)
        for r in conn.execute(query.order_by(x.booking_date, x.amount_cents.desc(), x.line_id))
    ]
    open_lines = [x for x in found if x.status == "open"]
    if not with_proposals or not open_lines:
        return found
    start = min(x.booking_date for x in open_lines)
    end = max(x.booking_date for x in open_lines)
    pool = candidates.read(conn, coop_id, start, end)
    return [
        _with(
            x,
            matching.propose(
                x.booking_date, x.amount_cents, x.wording, pool, x.end_to_end_id, x.returned
            ),
        )
        if x.status == "open"
        else x
        for x in found
    ]


def _with(line: BankLine, proposals: list[matching.Proposal]) -> BankLine:
    return BankLine(**{**line.__dict__, "proposals": proposals})


def line(conn: sa.Connection, coop_id: str, line_id: str) -> BankLine:
    found = lines(conn, coop_id, line_ids=[line_id])
    if not found:
        raise NotFound("bank-line", line_id)
    return found[0]


# -- settling a line -------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    line_id: str
    kind: str
    target_id: str | None
    write_id: str | None
    event_ids: list[str]


def confirm(
    session: WriteSession,
    ctx: Context,
    line_id: str,
    kind: str,
    target_id: str,
) -> Settled:
    """Record what the line is, in the write transaction `session`: a payment or an
    instalment runs the real command (dated the booking date, with the bank's
    reference) through `execute`, as the API's own routes do; a link ties the line to a
    movement recorded by hand. A refusal of the command leaves the line open."""
    assert ctx.coop_id is not None
    found = line(session.conn, ctx.coop_id, line_id)
    if found.status != "open":
        raise refuse("bank-line-settled", f"line {line_id} is already {found.status}")
    if kind == "link":
        return _link(session, ctx, found, target_id)
    if kind == "return":
        return _returned(session, ctx, found, target_id)
    if found.amount_cents <= 0:
        raise refuse(
            "bank-line-not-matchable",
            f"line {line_id} is a debit: it can only be tied to a payout (link)",
        )
    command: BaseModel
    written: Command
    if kind == "payment":
        written = PAYMENTS
        command = Pay.model_validate(
            {
                "subscription_id": target_id,
                "amount": format_cents(found.amount_cents),
                "effective_date": found.booking_date,
                "bank_reference": found.bank_reference,
            }
        )
    elif kind == "instalment":
        written = GRANT_INSTALMENTS
        command = InstalmentFor.model_validate(
            {
                "grant_id": target_id,
                "amount": format_cents(found.amount_cents),
                "effective_date": found.booking_date,
                "bank_reference": found.bank_reference,
            }
        )
    else:
        raise refuse("bank-line-not-matchable", f"{kind!r}: payment, instalment, return or link")
    outcome = execute(session, ctx, written, command, scoped_key(ctx, "bank-line", line_id))
    money = _money_event(session.conn, outcome.event_ids)
    if kind == "payment" and found.end_to_end_id:  # a direct debit collected
        direct_debits.settle(session.conn, ctx.coop_id, found.end_to_end_id, money)
    _settle(
        session.conn,
        ctx,
        found,
        "matched",
        kind,
        target_id,
        outcome.id,
        money,
        session.store.clock(),
    )
    return Settled(line_id, kind, target_id, outcome.id, outcome.event_ids)


def _returned(session: WriteSession, ctx: Context, found: BankLine, end_to_end_id: str) -> Settled:
    """A direct debit returned (R-transaction): the payment its collection recorded is
    reversed by a correction (the corrections command, through `execute`), and the
    debit is marked returned so that the call may be collected again."""
    assert ctx.coop_id is not None
    debit = direct_debits.transaction(session.conn, ctx.coop_id, end_to_end_id)
    if (
        not found.returned
        or debit is None
        or debit.status == "returned"
        or debit.amount_cents != -found.amount_cents
    ):
        raise refuse(
            "bank-line-not-matchable",
            f"line {found.line_id} is not the return of direct debit {end_to_end_id!r} "
            "(a returned debit of that amount, not already returned)",
        )
    outcome = None
    if debit.event_id is not None:
        reason = f"Prélèvement SEPA retourné par la banque ({end_to_end_id}, {found.text})"
        outcome = execute(
            session,
            ctx,
            CORRECTIONS,
            Correct(reverses=debit.event_id, reason=reason[:1000]),
            scoped_key(ctx, "bank-line", found.line_id),
        )
    write_id = outcome.id if outcome else None
    direct_debits.mark_returned(session.conn, ctx.coop_id, end_to_end_id, write_id)
    reversal = outcome.event_ids[0] if outcome and outcome.event_ids else None
    _settle(
        session.conn,
        ctx,
        found,
        "matched",
        "return",
        debit.subscription_id,
        write_id,
        reversal,
        session.store.clock(),
    )
    return Settled(
        found.line_id,
        "return",
        debit.subscription_id,
        write_id,
        outcome.event_ids if outcome else [],
    )


def _money_event(conn: sa.Connection, event_ids: list[str]) -> str | None:
    e = events.c
    return conn.execute(
        sa.select(e.event_id)
        .where(e.event_id.in_(event_ids), e.type.in_(candidates.MONEY_EVENTS))
        .limit(1)
    ).scalar_one_or_none()


def _link(session: WriteSession, ctx: Context, found: BankLine, event_id: str) -> Settled:
    """The line is a movement already in the ledger. A reimbursement not yet paid out
    (R5) is paid out by it: the payout command runs, dated the booking date with the
    bank's reference, so the journal's 4567 → 512 sits on the statement's day."""
    assert ctx.coop_id is not None
    conn = session.conn
    movements = {
        m.event_id: m
        for m in candidates.unbanked(conn, ctx.coop_id, None, None)
        if m.amount_cents == found.amount_cents
    }
    movement = movements.get(event_id)
    if movement is None:
        raise refuse(
            "bank-line-not-matchable",
            f"no movement {event_id!r} of {format_cents(found.amount_cents)} without a bank "
            "line here (already tied, reversed, or of another amount)",
        )
    outcome = None
    if movement.kind == "payout" and not _paid_out(session, ctx.coop_id, movement.target_id):
        body = PayOutFor.model_validate(
            {
                "withdrawal_id": movement.target_id,
                "amount": format_cents(-found.amount_cents),
                "paid_on": found.booking_date,
                "bank_reference": found.bank_reference,
            }
        )
        outcome = execute(
            session,
            ctx,
            REIMBURSEMENT_PAYOUTS,
            body,
            scoped_key(ctx, "bank-line", found.line_id),
        )
    write_id = outcome.id if outcome else None
    now = session.store.clock()
    _settle(conn, ctx, found, "matched", "link", movement.target_id, write_id, event_id, now)
    return Settled(
        found.line_id, "link", movement.target_id, write_id, outcome.event_ids if outcome else []
    )


def _paid_out(session: WriteSession, coop_id: str, withdrawal_id: str) -> bool:
    """A payout of the reimbursement is already recorded (by hand, or by another line)."""
    released = store.load(session, coop_id).timeline.state.reimbursements.get(withdrawal_id)
    return released is not None and released.paid_out_on is not None


def set_aside(
    conn: sa.Connection, ctx: Context, line_id: str, note: str | None, now: datetime
) -> Settled:
    """Not the ledger's business (bank fees, sales revenue…): kept, out of the lists."""
    assert ctx.coop_id is not None
    found = line(conn, ctx.coop_id, line_id)
    if found.status != "open":
        raise refuse("bank-line-settled", f"line {line_id} is already {found.status}")
    _settle(conn, ctx, found, "ignored", None, None, None, None, now, note)
    return Settled(line_id, "ignored", None, None, [])


def _settle(
    conn: sa.Connection,
    ctx: Context,
    found: BankLine,
    status: str,
    kind: str | None,
    target_id: str | None,
    write_id: str | None,
    event_id: str | None,
    now: datetime,
    note: str | None = None,
) -> None:
    x = bank_lines.c
    done = conn.execute(
        bank_lines.update()
        .where(x.line_id == found.line_id, x.status == "open")
        .values(
            status=status,
            kind=kind,
            target_id=target_id,
            write_id=write_id,
            event_id=event_id,
            note=note,
            settled_at=now,
            settled_by=ctx.actor,
        )
    )
    if done.rowcount != 1:  # settled by someone else meanwhile
        raise refuse("bank-line-settled", f"line {found.line_id} was settled meanwhile")


# -- the two sides, and the balance ----------------------------------------------------


@dataclass(frozen=True)
class BalanceCheck:
    """The statement's closing balance against the journal's 512 on its last day.
    Attributes: set_aside_cents the lines marked not the ledger's business up to that
    day (they explain that much of the difference); open_cents the lines not yet
    matched; difference_cents = closing − journal."""

    statement_id: str
    on: date
    closing_cents: int
    journal_cents: int
    set_aside_cents: int
    open_cents: int

    @property
    def difference_cents(self) -> int:
        return self.closing_cents - self.journal_cents


def journal_bank_balance(store: EventStore, conn: sa.Connection, coop_id: str, on: date) -> int:
    """The balance of the journal's bank accounts (512…) at the end of `on`."""
    entries = journal.within(
        journal.build(reads.coop_events(store, conn, coop_id), until=on), None, on
    )
    return sum(
        b.balance_cents for b in journal.trial_balance(entries) if b.account.startswith("512")
    )


def balance_checks(store: EventStore, conn: sa.Connection, coop_id: str) -> list[BalanceCheck]:
    s, x = bank_statements.c, bank_lines.c
    rows = conn.execute(
        sa.select(s.statement_id, s.account_id, s.last_day, s.closing_cents)
        .where(s.coop_id == coop_id, s.closing_cents.is_not(None), s.last_day.is_not(None))
        .order_by(s.last_day, s.imported_at)
    ).all()
    checks = []
    for r in rows:

        def total(status: str, day: date = r.last_day) -> int:
            return int(
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.sum(x.amount_cents), 0)).where(
                        x.coop_id == coop_id, x.status == status, x.booking_date <= day
                    )
                ).scalar_one()
            )

        checks.append(
            BalanceCheck(
                r.statement_id,
                r.last_day,
                int(r.closing_cents),
                journal_bank_balance(store, conn, coop_id, r.last_day),
                total("ignored"),
                total("open"),
            )
        )
    return checks


def unmatched_movements(conn: sa.Connection, coop_id: str) -> list[matching.Movement]:
    """Money the ledger recorded by hand that no line shows, from the first statement's
    first day on (what came before the bank was read in is not asked about)."""
    s = bank_statements.c
    start = conn.execute(
        sa.select(sa.func.min(s.first_day)).where(s.coop_id == coop_id)
    ).scalar_one()
    if start is None:
        return []
    return candidates.unbanked(conn, coop_id, start, None)


@dataclass(frozen=True)
class ReturnedDebit:
    """A returned direct debit as the statement showed it. Attributes: status open (not
    confirmed yet) or matched; correction_id the correction that reversed its payment."""

    line_id: str
    booking_date: date
    amount_cents: int
    text: str
    end_to_end_id: str | None
    member_name: str | None
    subscription_id: str | None
    mandate_reference: str | None
    status: str
    correction_id: str | None


def returned_debits(conn: sa.Connection, coop_id: str) -> list[ReturnedDebit]:
    """Every R-transaction read from the statements, newest first, with the debit it
    returns when it is one produced here."""
    x, t, md, m, p = (
        bank_lines.c,
        sepa_transactions.c,
        sepa_mandates.c,
        members.c,
        parties.c,
    )
    rows = conn.execute(
        sa.select(
            x.line_id,
            x.booking_date,
            x.amount_cents,
            x.text,
            x.end_to_end_id,
            x.status,
            p.name,
            t.subscription_id,
            md.reference,
            t.correction_id,
        )
        .outerjoin(
            sepa_transactions,
            sa.and_(t.end_to_end_id == x.end_to_end_id, t.coop_id == x.coop_id),
        )
        .outerjoin(sepa_mandates, md.mandate_id == t.mandate_id)
        .outerjoin(members, m.member_id == t.member_id)
        .outerjoin(parties, p.party_id == m.party_id)
        .where(x.coop_id == coop_id, x.returned.is_(True))
        .order_by(x.booking_date.desc(), x.line_id)
    )
    return [
        ReturnedDebit(
            r.line_id,
            r.booking_date,
            r.amount_cents,
            r.text,
            r.end_to_end_id,
            r.name,
            r.subscription_id,
            r.reference,
            r.status,
            r.correction_id,
        )
        for r in rows
    ]
