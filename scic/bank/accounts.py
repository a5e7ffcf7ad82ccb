"""The cooperative's bank accounts: IBAN and BIC checked with schwifty, the SEPA creditor
identifier (ICS, EPC AT-02) with python-stdnum, the journal account they are booked on."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError

from scic.bank.tables import bank_accounts
from scic.errors import NotFound, refuse
from scic.projections.tables import coops

SepaVersion = Literal["001.02", "001.08"]

# A bank account of the plan comptable général: 512 or one of its sub-accounts.
JOURNAL_ACCOUNT = re.compile(r"^512[0-9]{0,5}$")


class NewBankAccount(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "label": "Compte courant",
                    "iban": "FR76 3000 6000 0112 3456 7890 189",
                    "journal_account": "512",
                    "creditor_id": "FR72ZZZ123456",
                }
            ]
        },
    )
    label: str = Field(min_length=1, max_length=200, examples=["Crédit Coopératif — courant"])
    iban: str = Field(min_length=15, max_length=42, examples=["FR76 4255 9100 0008 0123 4567 890"])
    bic: str | None = Field(default=None, max_length=11, examples=["CCOPFRPPXXX"])
    journal_account: str = Field(default="512", max_length=8, examples=["512"])
    creditor_id: str | None = Field(
        default=None, max_length=35, description="SEPA creditor identifier (ICS)"
    )
    sepa_version: SepaVersion = Field(
        default="001.02", description="pain.008 / pain.001 version the bank accepts"
    )


@dataclass(frozen=True)
class BankAccount:
    """Attributes: iban and bic compact (no spaces); journal_account the 512x account
    its movements are booked on; creditor_id the ICS (None: no direct debits)."""

    account_id: str
    coop_id: str
    label: str
    iban: str
    bic: str | None
    journal_account: str
    creditor_id: str | None
    sepa_version: str
    created_at: datetime


def checked_iban(text: str, field: str = "iban") -> IBAN:
    try:
        return IBAN(text)
    except SchwiftyException as exc:
        raise refuse("invalid-iban", f"{field} {text!r} is not a valid IBAN: {exc}") from None


def checked_bic(text: str, field: str = "bic") -> BIC:
    try:
        return BIC(text)
    except SchwiftyException as exc:
        raise refuse("invalid-bic", f"{field} {text!r} is not a valid BIC: {exc}") from None


def checked_creditor_id(text: str) -> str:
    try:
        return str(at_02.validate(text))
    except ValidationError as exc:
        raise refuse(
            "invalid-creditor-id",
            f"creditor_id {text!r} is not a valid SEPA creditor identifier (ICS): {exc}",
        ) from None


def check_coop(conn: sa.Connection, coop_id: str) -> None:
    if conn.execute(sa.select(coops.c.coop_id).where(coops.c.coop_id == coop_id)).first() is None:
        raise NotFound("cooperative", coop_id)


def create(conn: sa.Connection, coop_id: str, body: NewBankAccount, now: datetime) -> BankAccount:
    check_coop(conn, coop_id)
    iban = checked_iban(body.iban)
    bic = checked_bic(body.bic).compact if body.bic else _bic_of(iban)
    if not JOURNAL_ACCOUNT.match(body.journal_account):
        raise refuse(
            "invalid-journal-account",
            f"journal_account {body.journal_account!r} is not a bank account (512, 5121…)",
        )
    creditor = checked_creditor_id(body.creditor_id) if body.creditor_id else None
    if any(a.iban == iban.compact for a in listed(conn, coop_id)):
        raise refuse("bank-account-exists", f"{iban.formatted} is already an account here")
    account = BankAccount(
        account_id=f"bka_{uuid.uuid4().hex[:16]}",
        coop_id=coop_id,
        label=body.label,
        iban=iban.compact,
        bic=bic,
        journal_account=body.journal_account,
        creditor_id=creditor,
        sepa_version=body.sepa_version,
        created_at=now,
    )
    conn.execute(bank_accounts.insert().values(**account.__dict__))
    return account


def _bic_of(iban: IBAN) -> str | None:
    """The BIC the bank registry gives for the IBAN's bank code, when it knows one."""
    try:
        found = iban.bic
    except SchwiftyException:
        return None
    return found.compact if found is not None else None


def listed(conn: sa.Connection, coop_id: str) -> list[BankAccount]:
    a = bank_accounts.c
    rows = conn.execute(
        sa.select(bank_accounts).where(a.coop_id == coop_id).order_by(a.created_at, a.account_id)
    )
    return [BankAccount(**row._mapping) for row in rows]


def get(conn: sa.Connection, coop_id: str, account_id: str) -> BankAccount:
    for account in listed(conn, coop_id):
        if account.account_id == account_id:
            return account
    raise NotFound("bank-account", account_id)


def the_one(conn: sa.Connection, coop_id: str, account_id: str | None) -> BankAccount:
    """The account named, or the cooperative's only one."""
    if account_id is not None:
        return get(conn, coop_id, account_id)
    found = listed(conn, coop_id)
    if len(found) != 1:
        raise refuse(
            "bank-account-required",
            "name the bank account (account_id): "
            + ("none is registered yet" if not found else f"{len(found)} are registered"),
        )
    return found[0]


def formatted_iban(compact: str) -> str:
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
