"""Members' SEPA direct-debit mandates: the unique mandate reference (RUM), the date the
member signed it, the debtor's name, IBAN and BIC (checked with schwifty).

Like contact details (scic.contacts), a mandate is personal data kept outside the
hash-chained events: recorded by a manager or by the member itself, revoked, and erased
with its party (`erase`: the debtor's name, IBAN and BIC go, the reference stays for the
collections made under it; so does the content of every SEPA file that names the party).
A member has at most one mandate in force at a time."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from scic.bank.accounts import checked_bic, checked_iban
from scic.bank.tables import sepa_files, sepa_mandates, sepa_transactions
from scic.contacts import check_not_erased
from scic.dates import Day
from scic.errors import NotFound, refuse
from scic.projections.tables import members, parties
from scic.text_rules import ONE_LINE_PATTERN

# The characters the EPC allows in a mandate reference (SEPA's restricted Latin set).
REFERENCE = r"^[A-Za-z0-9+?/:().,'-][A-Za-z0-9 +?/:().,'-]{0,34}$"


class NewMandate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reference": "SCIC-2026-0042",
                    "signed_on": "2026-10-12",
                    "debtor_name": "Alice Martin",
                    "iban": "FR76 1010 7001 0112 3456 7890 129",
                }
            ]
        },
    )
    reference: str | None = Field(
        default=None,
        max_length=35,
        pattern=REFERENCE,
        description="the unique mandate reference (RUM); omitted: one is made",
    )
    signed_on: Day | None = Field(
        default=None, description="the day the debtor signed (no debit before it is known)"
    )
    debtor_name: str = Field(
        min_length=1,
        max_length=70,
        description="the account holder",
        json_schema_extra={"pattern": ONE_LINE_PATTERN},  # what _plain_name refuses, stated
    )
    iban: str = Field(min_length=15, max_length=42)
    bic: str | None = Field(default=None, max_length=11)

    @field_validator("debtor_name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if re.search(r"[\x00-\x1f\x7f-\x9f]", value):
            raise ValueError("must not hold control characters")
        return value.strip()


@dataclass(frozen=True)
class Mandate:
    """Attributes: iban and bic compact; debtor_name, iban, bic None once erased."""

    mandate_id: str
    coop_id: str
    member_id: str
    party_id: str
    reference: str
    signed_on: date | None
    debtor_name: str | None
    iban: str | None
    bic: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    erased_at: datetime | None

    @property
    def status(self) -> str:
        if self.erased_at is not None:
            return "erased"
        return "revoked" if self.revoked_at is not None else "active"


def _member(conn: sa.Connection, coop_id: str, member_id: str) -> Any:
    m, p = members.c, parties.c
    row = conn.execute(
        sa.select(m.member_id, m.party_id, p.erased_at)
        .join(parties, p.party_id == m.party_id)
        .where(m.member_id == member_id, m.coop_id == coop_id)
    ).first()
    if row is None:
        raise NotFound("member", member_id)
    return row


def listed(conn: sa.Connection, coop_id: str, member_id: str | None = None) -> list[Mandate]:
    """The cooperative's mandates (a member's, when named), oldest first."""
    x = sepa_mandates.c
    query = sa.select(sepa_mandates).where(x.coop_id == coop_id)
    if member_id is not None:
        _member(conn, coop_id, member_id)  # NotFound for a member of another cooperative
        query = query.where(x.member_id == member_id)
    rows = conn.execute(query.order_by(x.created_at, x.mandate_id))
    return [Mandate(**r._mapping) for r in rows]


def in_force(conn: sa.Connection, coop_id: str) -> dict[str, Mandate]:
    """Each member's mandate in force (neither revoked nor erased), by member id."""
    return {m.member_id: m for m in listed(conn, coop_id) if m.status == "active"}


def create(
    conn: sa.Connection,
    coop_id: str,
    member_id: str,
    body: NewMandate,
    actor: str,
    now: datetime,
) -> Mandate:
    member = _member(conn, coop_id, member_id)
    check_not_erased(member.erased_at, f"member {member_id}'s personal data was erased")
    iban = checked_iban(body.iban)
    bic = checked_bic(body.bic).compact if body.bic else None
    mine = listed(conn, coop_id, member_id)
    active = [m for m in mine if m.status == "active"]
    if active:
        raise refuse(
            "sepa-mandate-in-force",
            f"member {member_id} already has mandate {active[0].reference} in force: "
            "revoke it first",
        )
    reference = body.reference or f"SCIC-{uuid.uuid4().hex[:16].upper()}"
    x = sepa_mandates.c
    taken = conn.execute(
        sa.select(x.mandate_id).where(x.coop_id == coop_id, x.reference == reference)
    ).first()
    if taken is not None:
        raise refuse(
            "sepa-mandate-reference-taken",
            f"mandate reference {reference!r} is already used in this cooperative (a RUM "
            "is unique)",
        )
    mandate = Mandate(
        mandate_id=f"mdt_{uuid.uuid4().hex[:16]}",
        coop_id=coop_id,
        member_id=member_id,
        party_id=member.party_id,
        reference=reference,
        signed_on=body.signed_on,
        debtor_name=body.debtor_name,
        iban=iban.compact,
        bic=bic,
        created_at=now,
        created_by=actor,
        revoked_at=None,
        revoked_by=None,
        erased_at=None,
    )
    conn.execute(sepa_mandates.insert().values(**mandate.__dict__))
    return mandate


def revoke(
    conn: sa.Connection, coop_id: str, member_id: str, mandate_id: str, actor: str, now: datetime
) -> Mandate:
    """No debit under it from now on; it stays listed, revoked."""
    found = {m.mandate_id: m for m in listed(conn, coop_id, member_id)}.get(mandate_id)
    if found is None:
        raise NotFound("sepa-mandate", mandate_id)
    if found.status != "active":
        raise refuse("sepa-mandate-not-in-force", f"mandate {found.reference} is {found.status}")
    x = sepa_mandates.c
    conn.execute(
        sepa_mandates.update()
        .where(x.mandate_id == mandate_id, x.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor)
    )
    return Mandate(**{**found.__dict__, "revoked_at": now, "revoked_by": actor})


def erase(conn: sa.Connection, party_id: str, now: datetime) -> None:
    """GDPR erasure: the debtor's name, IBAN and BIC go with the party, from its mandates
    and from the SEPA files that copied them: every pain.008 debiting it and pain.001
    paying it is blanked (its amounts and transactions stay)."""
    x, t, f = sepa_mandates.c, sepa_transactions.c, sepa_files.c
    naming = sa.select(t.file_id).where(
        sa.or_(
            t.member_id.in_(sa.select(members.c.member_id).where(members.c.party_id == party_id)),
            t.mandate_id.in_(sa.select(x.mandate_id).where(x.party_id == party_id)),
        )
    )
    conn.execute(
        sepa_files.update()
        .where(f.file_id.in_(naming), f.erased_at.is_(None))
        .values(content="", erased_at=now)
    )
    conn.execute(
        sepa_mandates.update()
        .where(x.party_id == party_id)
        .values(debtor_name=None, iban=None, bic=None, erased_at=now)
    )
