"""SEPA direct debits of the calls due: what is called and unpaid at a due date, each
debit under the member's mandate in force, FRST for a mandate's first collection and
RCUR after, and a record of every debit produced so that none is produced twice.

A due call is left out — listed with the reason, never silently skipped — when it was
already collected (a debit produced earlier and not returned), or its member has left
(withdrawn or excluded: a payment from it is refused), or it has no mandate in force,
or the mandate has no signature date, or its IBAN fails its checksum.
`plan` says what a file would hold and who is left out; `produce` writes the file and
records it, and refuses (naming the reason) when nothing at all can be collected."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from scic.bank import accounts, mandates, pain
from scic.bank.accounts import BankAccount
from scic.bank.mandates import Mandate
from scic.bank.tables import bank_accounts, sepa_files, sepa_transactions
from scic.errors import refuse
from scic.money import format_cents
from scic.projections.tables import calls, coops, members, parties, subscriptions

# Transactions that stand: produced and not returned (a returned one may be produced again).
STANDING = ("sent", "settled")

P = TypeVar("P")


@dataclass(frozen=True)
class Due:
    """Called and unpaid at the due date. Attributes: target_id the call (or the
    subscription, for the part called when it was made); left_on the day its member
    left, None while it is active."""

    target_id: str
    subscription_id: str
    member_id: str
    member_name: str | None
    amount_cents: int
    due_on: date
    left_on: date | None = None


@dataclass(frozen=True)
class Debit:
    due: Due
    mandate: Mandate
    sequence: str  # FRST | RCUR


@dataclass(frozen=True)
class LeftOut:
    """Attributes: reason the refusal slug (sepa-call-already-collected, sepa-member-left,
    sepa-mandate-missing, sepa-mandate-unsigned, invalid-iban); detail in words."""

    due: Due
    reason: str
    detail: str


@dataclass(frozen=True)
class Plan:
    account: BankAccount
    due_on: date
    debits: list[Debit]
    left_out: list[LeftOut]


def dues(conn: sa.Connection, coop_id: str, on: date) -> list[Due]:
    """Every call due on or before `on` with a part unpaid, by member name. Payments
    settle the oldest part first: what is unpaid belongs to the latest calls."""
    s, c, m, p = subscriptions.c, calls.c, members.c, parties.c
    open_subs = conn.execute(
        sa.select(s.subscription_id, s.member_id, s.subscribed_on, s.called_cents, s.paid_cents)
        .where(s.coop_id == coop_id, s.called_cents > s.paid_cents)
        .order_by(s.subscription_id)
    ).all()
    if not open_subs:
        return []
    who = {
        r.member_id: (r.name, None if r.status == "active" else r.exited_on)
        for r in conn.execute(
            sa.select(m.member_id, p.name, m.status, m.exited_on)
            .join(parties, p.party_id == m.party_id)
            .where(m.coop_id == coop_id)
        )
    }
    by_sub: dict[str, list[Any]] = {}
    for row in conn.execute(
        sa.select(c.subscription_id, c.call_id, c.amount_cents, c.due_date)
        .where(
            c.coop_id == coop_id,
            c.reversed.is_(False),
            c.subscription_id.in_([r.subscription_id for r in open_subs]),
        )
        .order_by(c.due_date.desc(), c.called_on.desc(), c.call_id.desc())
    ):
        by_sub.setdefault(row.subscription_id, []).append(row)
    found = []
    for sub in open_subs:
        unpaid = sub.called_cents - sub.paid_cents
        parts: list[tuple[str, int, date]] = []
        for call in by_sub.get(sub.subscription_id, []):  # latest first
            share = min(unpaid, call.amount_cents)
            if share > 0:
                parts.append((call.call_id, share, call.due_date))
            unpaid -= share
        if unpaid > 0:  # called when the subscription was made
            parts.append((sub.subscription_id, unpaid, sub.subscribed_on))
        for target, cents, due_on in reversed(parts):
            if due_on <= on:
                name, left_on = who.get(sub.member_id, (None, None))
                found.append(
                    Due(
                        target,
                        sub.subscription_id,
                        sub.member_id,
                        name,
                        cents,
                        due_on,
                        left_on,
                    )
                )
    return sorted(found, key=lambda d: (d.member_name or "", d.due_on, d.target_id))


def _standing(conn: sa.Connection, coop_id: str) -> list[Any]:
    t = sepa_transactions.c
    return list(
        conn.execute(
            sa.select(t.target_id, t.mandate_id, t.file_id).where(
                t.coop_id == coop_id, t.kind == "debit", t.status.in_(STANDING)
            )
        ).all()
    )


def plan(conn: sa.Connection, coop_id: str, on: date, account_id: str | None) -> Plan:
    account = accounts.the_one(conn, coop_id, account_id)
    standing = _standing(conn, coop_id)
    collected = {r.target_id: r.file_id for r in standing}
    used = {r.mandate_id for r in standing}
    in_force = mandates.in_force(conn, coop_id)
    debits: list[Debit] = []
    left_out: list[LeftOut] = []
    for due in dues(conn, coop_id, on):
        who = due.member_name or due.member_id
        mandate = in_force.get(due.member_id)
        if due.target_id in collected:
            left_out.append(
                LeftOut(
                    due,
                    "sepa-call-already-collected",
                    f"{who}: the call due on {due.due_on} was already collected (file "
                    f"{collected[due.target_id]}); it is produced again only once returned",
                )
            )
        elif due.left_on is not None:
            # a member who left pays no more calls (its payment would be refused)
            left_out.append(
                LeftOut(due, "sepa-member-left", f"{who}: left the cooperative on {due.left_on}")
            )
        elif mandate is None:
            left_out.append(
                LeftOut(due, "sepa-mandate-missing", f"{who}: no SEPA mandate in force")
            )
        elif mandate.signed_on is None:
            left_out.append(
                LeftOut(
                    due,
                    "sepa-mandate-unsigned",
                    f"{who}: mandate {mandate.reference} has no signature date",
                )
            )
        elif not _valid_iban(mandate.iban):
            left_out.append(
                LeftOut(
                    due,
                    "invalid-iban",
                    f"{who}: the IBAN of mandate {mandate.reference} fails its checksum",
                )
            )
        else:
            # only a mandate's first collection is FRST, even two in one file
            sequence = "RCUR" if mandate.mandate_id in used else "FRST"
            used.add(mandate.mandate_id)
            debits.append(Debit(due, mandate, sequence))
    return Plan(account, on, debits, left_out)


def _valid_iban(text: str | None) -> bool:
    if not text:
        return False
    try:
        IBAN(text)
    except SchwiftyException:
        return False
    return True


@dataclass(frozen=True)
class Produced(Generic[P]):
    file_id: str
    schema: str
    content: bytes
    plan: P


def locked(conn: sa.Connection, coop_id: str, account_id: str | None) -> BankAccount:
    """The account a file is produced from, locked: one file at a time per account, so a
    second request waits, then finds the first one's transactions recorded."""
    account = accounts.the_one(conn, coop_id, account_id)
    conn.execute(
        sa.select(bank_accounts.c.account_id)
        .where(bank_accounts.c.account_id == account.account_id)
        .with_for_update()
    )
    return account


def new_file_id(on: date) -> str:
    return f"SCIC-{on:%Y%m%d}-{uuid.uuid4().hex[:12].upper()}"


def nothing(left_out: list[Any], slug: str, detail: str, prefix: str) -> Exception:
    """The refusal of a file with no transaction: the first reason left out when something
    was, else `slug`."""
    if not left_out:
        return refuse(slug, detail)
    return refuse(left_out[0].reason, prefix + "; ".join(x.detail for x in left_out))


def sent(
    file_id: str,
    coop_id: str,
    end_to_end_id: str,
    kind: str,
    target_id: str,
    member_id: str | None,
    amount_cents: int,
    **debit: Any,
) -> dict[str, Any]:
    """One transaction row of a file just produced; `debit` holds a debit's subscription,
    mandate and sequence."""
    return {
        "end_to_end_id": end_to_end_id,
        "coop_id": coop_id,
        "file_id": file_id,
        "kind": kind,
        "target_id": target_id,
        "subscription_id": debit.get("subscription_id"),
        "member_id": member_id,
        "mandate_id": debit.get("mandate_id"),
        "sequence": debit.get("sequence"),
        "amount_cents": amount_cents,
        "status": "sent",
        "event_id": None,
        "correction_id": None,
    }


def record(
    conn: sa.Connection,
    account: BankAccount,
    on: date,
    made: tuple[str, bytes],
    rows: list[dict[str, Any]],
    by: tuple[str, datetime],
    found: P,
) -> Produced[P]:
    """Records a produced file and its transactions (`rows`, as `sent` makes them)."""
    schema, content = made
    file_id = rows[0]["file_id"]
    conn.execute(
        sepa_files.insert().values(
            file_id=file_id,
            coop_id=account.coop_id,
            account_id=account.account_id,
            schema=schema,
            due_on=on,
            transactions=len(rows),
            total_cents=sum(r["amount_cents"] for r in rows),
            content=content.decode("utf-8"),
            created_at=by[1],
            created_by=by[0],
        )
    )
    conn.execute(sepa_transactions.insert(), rows)
    return Produced(file_id, schema, content, found)


def produce(
    conn: sa.Connection,
    coop_id: str,
    on: date,
    account_id: str | None,
    actor: str,
    now: datetime,
) -> Produced[Plan]:
    """The pain.008 of the debits due at `on`, recorded with each of its transactions
    (in the caller's transaction: nothing is recorded if anything refuses)."""
    account = locked(conn, coop_id, account_id)
    if account.creditor_id is None:
        raise refuse(
            "sepa-creditor-id-required",
            f"bank account {account.label} has no SEPA creditor identifier (ICS): "
            "direct debits need one",
        )
    if account.sepa_version == "001.02" and account.bic is None:
        raise refuse(
            "sepa-bic-required",
            f"bank account {account.label} has no BIC, which pain.008.001.02 requires",
        )
    found = plan(conn, coop_id, on, account.account_id)
    if not found.debits:
        raise nothing(
            found.left_out,
            "sepa-nothing-due",
            f"no call is due and unpaid on {on}",
            f"nothing to collect on {on}: ",
        )
    file_id = new_file_id(on)
    rows = []
    debits = []
    for d in found.debits:
        end_to_end = f"DD-{uuid.uuid4().hex[:24].upper()}"
        assert d.mandate.iban is not None and d.mandate.signed_on is not None
        debits.append(
            pain.Debit(
                end_to_end_id=end_to_end,
                amount_cents=d.due.amount_cents,
                debtor_name=d.mandate.debtor_name or "",
                iban=d.mandate.iban,
                bic=d.mandate.bic,
                mandate_reference=d.mandate.reference,
                signed_on=d.mandate.signed_on,
                sequence=d.sequence,
                collection_date=on,
                text=f"Liberation parts {d.due.subscription_id} echeance {d.due.due_on:%d/%m/%Y}",
            )
        )
        rows.append(
            sent(
                file_id,
                coop_id,
                end_to_end,
                "debit",
                d.due.target_id,
                d.due.member_id,
                d.due.amount_cents,
                subscription_id=d.due.subscription_id,
                mandate_id=d.mandate.mandate_id,
                sequence=d.sequence,
            )
        )
    made = pain.direct_debits(account, coop_name(conn, coop_id), file_id, debits)
    return record(conn, account, on, made, rows, (actor, now), found)


def coop_name(conn: sa.Connection, coop_id: str) -> str:
    return str(conn.execute(sa.select(coops.c.name).where(coops.c.coop_id == coop_id)).scalar())


def total(found: Plan) -> str:
    return format_cents(sum(d.due.amount_cents for d in found.debits))


# -- what the statements say of them ---------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    end_to_end_id: str
    file_id: str
    subscription_id: str | None
    member_id: str | None
    mandate_id: str | None
    amount_cents: int
    status: str
    event_id: str | None
    correction_id: str | None


def transaction(conn: sa.Connection, coop_id: str, end_to_end_id: str) -> Transaction | None:
    t = sepa_transactions.c
    row = conn.execute(
        sa.select(
            t.end_to_end_id,
            t.file_id,
            t.subscription_id,
            t.member_id,
            t.mandate_id,
            t.amount_cents,
            t.status,
            t.event_id,
            t.correction_id,
        ).where(t.coop_id == coop_id, t.end_to_end_id == end_to_end_id, t.kind == "debit")
    ).first()
    return None if row is None else Transaction(**row._mapping)


def settle(conn: sa.Connection, coop_id: str, end_to_end_id: str, event_id: str | None) -> None:
    """The statement showed the debit collected: `event_id` is the payment it recorded."""
    t = sepa_transactions.c
    conn.execute(
        sepa_transactions.update()
        .where(t.coop_id == coop_id, t.end_to_end_id == end_to_end_id, t.status == "sent")
        .values(status="settled", event_id=event_id)
    )


def mark_returned(
    conn: sa.Connection, coop_id: str, end_to_end_id: str, correction_id: str | None
) -> None:
    """The debit came back (an R-transaction): the call may be collected again."""
    t = sepa_transactions.c
    conn.execute(
        sepa_transactions.update()
        .where(t.coop_id == coop_id, t.end_to_end_id == end_to_end_id)
        .values(status="returned", correction_id=correction_id)
    )
