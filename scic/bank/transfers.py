"""SEPA credit transfers out (pain.001): the reimbursements released (R5) and the titres
participatifs' remuneration (R11) not yet paid, each recorded once like the direct debits.

A payout is left out — listed with the reason — when a transfer for it was already
produced (and not returned), or when no IBAN of the payee is known: a member's is the
one of its SEPA mandate in force; a holder of titres participatifs has none here yet.
A reimbursement whose release a statement line already shows (tied to it) is paid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from scic.bank import accounts, mandates, pain
from scic.bank.accounts import BankAccount
from scic.bank.direct_debits import (
    STANDING,
    Produced,
    coop_name,
    locked,
    new_file_id,
    nothing,
    record,
    sent,
)
from scic.bank.tables import bank_lines, sepa_transactions
from scic.projections.tables import (
    funders,
    members,
    parties,
    title_issues,
    title_remunerations,
    withdrawals,
)


@dataclass(frozen=True)
class Payout:
    """Attributes: kind reimbursement or remuneration; target_id the withdrawal, or the
    issue and fiscal year remunerated; member_id for a reimbursement."""

    kind: str
    target_id: str
    name: str | None
    amount_cents: int
    member_id: str | None
    text: str


@dataclass(frozen=True)
class Transfer:
    payout: Payout
    iban: str
    bic: str | None


@dataclass(frozen=True)
class LeftOut:
    payout: Payout
    reason: str  # sepa-payout-already-sent | sepa-payee-account-missing
    detail: str


@dataclass(frozen=True)
class Plan:
    account: BankAccount
    on: date
    transfers: list[Transfer]
    left_out: list[LeftOut]


def payouts(conn: sa.Connection, coop_id: str) -> list[Payout]:
    """What the cooperative owes and has not paid out, oldest first."""
    w, m, p, x = withdrawals.c, members.c, parties.c, bank_lines.c
    shown = {
        r.target_id
        for r in conn.execute(
            sa.select(x.target_id).where(x.coop_id == coop_id, x.kind.in_(("link", "payout")))
        )
    }
    found = [
        Payout(
            "reimbursement",
            r.withdrawal_id,
            r.name,
            int(r.amount_cents),
            r.member_id,
            f"Remboursement de {r.shares} parts sociales {r.withdrawal_id}",
        )
        for r in conn.execute(
            sa.select(w.withdrawal_id, w.member_id, w.shares, w.amount_cents, p.name)
            .join(members, m.member_id == w.member_id)
            .join(parties, p.party_id == m.party_id)
            .where(w.coop_id == coop_id, w.status == "reimbursed", w.amount_cents > 0)
            .order_by(w.reimbursed_on, w.withdrawal_id)
        )
        if r.withdrawal_id not in shown
    ]
    t, i, f = title_remunerations.c, title_issues.c, funders.c
    for r in conn.execute(
        sa.select(t.issue_id, t.fiscal_year, t.fixed_cents, t.variable_cents, p.name)
        .join(title_issues, i.issue_id == t.issue_id)
        .join(funders, f.funder_id == i.holder_id)
        .join(parties, p.party_id == f.party_id)
        .where(t.coop_id == coop_id, t.fixed_cents + t.variable_cents > 0)
        .order_by(t.fiscal_year, t.issue_id)
    ):
        found.append(
            Payout(
                "remuneration",
                f"{r.issue_id}:{r.fiscal_year}",
                r.name,
                int(r.fixed_cents + r.variable_cents),
                None,
                f"Remuneration titres participatifs {r.fiscal_year} {r.issue_id}",
            )
        )
    return found


def plan(conn: sa.Connection, coop_id: str, on: date, account_id: str | None) -> Plan:
    account = accounts.the_one(conn, coop_id, account_id)
    tx = sepa_transactions.c
    sent = dict(
        conn.execute(
            sa.select(tx.target_id, tx.file_id).where(
                tx.coop_id == coop_id, tx.kind != "debit", tx.status.in_(STANDING)
            )
        ).all()
    )
    in_force = mandates.in_force(conn, coop_id)
    done: list[Transfer] = []
    left_out: list[LeftOut] = []
    for payout in payouts(conn, coop_id):
        who = payout.name or payout.target_id
        mandate = in_force.get(payout.member_id or "")
        if payout.target_id in sent:
            left_out.append(
                LeftOut(
                    payout,
                    "sepa-payout-already-sent",
                    f"{who}: a transfer was already produced (file {sent[payout.target_id]})",
                )
            )
        elif mandate is None or not mandate.iban:
            left_out.append(
                LeftOut(
                    payout,
                    "sepa-payee-account-missing",
                    f"{who}: no IBAN known (a member's is that of its SEPA mandate in force)",
                )
            )
        else:
            done.append(Transfer(payout, mandate.iban, mandate.bic))
    return Plan(account, on, done, left_out)


def produce(
    conn: sa.Connection,
    coop_id: str,
    on: date,
    account_id: str | None,
    actor: str,
    now: datetime,
) -> Produced[Plan]:
    """The pain.001 of the payouts owed, executed on `on`, recorded with each of its
    transactions (nothing is recorded if anything refuses)."""
    account = locked(conn, coop_id, account_id)
    found = plan(conn, coop_id, on, account.account_id)
    if not found.transfers:
        raise nothing(
            found.left_out,
            "sepa-nothing-to-pay",
            "no reimbursement or remuneration is owed",
            "nothing to pay: ",
        )
    file_id = new_file_id(on)
    rows: list[dict[str, Any]] = []
    payments = []
    for t in found.transfers:
        end_to_end = f"TR-{uuid.uuid4().hex[:24].upper()}"
        payments.append(
            pain.Transfer(
                end_to_end_id=end_to_end,
                amount_cents=t.payout.amount_cents,
                creditor_name=t.payout.name or "",
                iban=t.iban,
                bic=t.bic,
                execution_date=on,
                text=t.payout.text,
            )
        )
        rows.append(
            sent(
                file_id,
                coop_id,
                end_to_end,
                t.payout.kind,
                t.payout.target_id,
                t.payout.member_id,
                t.payout.amount_cents,
            )
        )
    made = pain.transfers(account, coop_name(conn, coop_id), file_id, payments)
    return record(conn, account, on, made, rows, (actor, now), found)
