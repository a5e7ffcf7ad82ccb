"""Corrections of a member's contact details (name spelling, address, e-mail, phone).

Contact details are personal data kept in `parties`, never in the hash-chained events, so
correcting them records no event: each change is a row of `contact_changes` saying who
made it, when, and the value it replaced. An erasure (GDPR) erases those values too
(`erase_log`); the rows stay, saying that a change was made."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scic.errors import NotFound, refuse
from scic.projections.tables import contact_changes, members, parties
from scic.text_rules import LINES_PATTERN, ONE_LINE_PATTERN

FIELDS = ("name", "address", "email", "phone")
# C0 and C1 control characters and DEL; an address may keep its line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
EMAIL = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"
PHONE = r"^\+?[0-9][0-9 .()-]{3,38}$"


class ContactUpdate(BaseModel):
    """The fields to correct; a field left out is kept, `null` clears it (not the name)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"address": "3 rue des Lilas, 75011 Paris", "phone": "+33 6 12 34 56 78"}]
        },
    )
    # the patterns state in the contract what the validators below refuse
    name: str | None = Field(
        default=None, min_length=1, max_length=200, json_schema_extra={"pattern": ONE_LINE_PATTERN}
    )
    address: str | None = Field(
        default=None, min_length=1, max_length=400, json_schema_extra={"pattern": LINES_PATTERN}
    )
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL)
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE)

    @field_validator("name", "email", "phone")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("must not hold control characters")
        return value if value is None else value.strip()

    @field_validator("address")
    @classmethod
    def _address_lines(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL_BUT_NEWLINE.search(value):
            raise ValueError("must not hold control characters (line breaks are fine)")
        return value if value is None else value.strip()

    @model_validator(mode="after")
    def _something_and_a_name(self) -> ContactUpdate:
        if not self.model_fields_set:
            raise ValueError(f"give at least one of {', '.join(FIELDS)}")
        if "name" in self.model_fields_set and not self.name:
            raise ValueError("name: a member keeps a name (erase the party to remove it)")
        return self

    def changes(self) -> dict[str, str | None]:
        return {f: getattr(self, f) for f in FIELDS if f in self.model_fields_set}


def _party_of(conn: sa.Connection, coop_id: str, member_id: str) -> sa.RowMapping:
    m, p = members.c, parties.c
    row = (
        conn.execute(
            sa.select(parties)
            .join(members, m.party_id == p.party_id)
            .where(m.member_id == member_id, m.coop_id == coop_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("member", member_id)
    return row


def contact(conn: sa.Connection, coop_id: str, member_id: str) -> dict[str, Any]:
    """A member's contact details as they stand."""
    row = _party_of(conn, coop_id, member_id)
    return {
        "member_id": member_id,
        "party_id": row["party_id"],
        **{f: row[f] for f in FIELDS},
        "erased": row["erased_at"] is not None,
    }


def check_not_erased(erased_at: object, detail: str) -> None:
    """The one judge of an erased party (GDPR): nothing personal is written about it any
    more (contact details, a mandate), and nobody speaks for it."""
    if erased_at is not None:
        raise refuse("party-erased", detail)


def change_contact(
    conn: sa.Connection,
    coop_id: str,
    member_id: str,
    update: ContactUpdate,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Correct the fields given; log each one whose value changes. Returns the contact
    details after the change and the fields changed (none when nothing differed)."""
    row = _party_of(conn, coop_id, member_id)
    check_not_erased(row["erased_at"], f"member {member_id}'s personal data was erased")
    changed = {f: v for f, v in update.changes().items() if v != row[f]}
    if changed:
        p = parties.c
        conn.execute(
            parties.update()
            .where(p.party_id == row["party_id"])
            # name_key follows the name: every UPDATE of parties sets it
            .values(**{"name": row["name"], **changed})
        )
        conn.execute(
            contact_changes.insert(),
            [
                {
                    "coop_id": coop_id,
                    "party_id": row["party_id"],
                    "member_id": member_id,
                    "field": field,
                    "previous": row[field],
                    "value": value,
                    "changed_by": actor,
                    "changed_at": now,
                    "erased": False,
                }
                for field, value in changed.items()
            ],
        )
    return {**contact(conn, coop_id, member_id), "changed": sorted(changed)}


def change_log(conn: sa.Connection, coop_id: str, member_id: str) -> list[dict[str, Any]]:
    """Every change of a member's contact details, oldest first."""
    _party_of(conn, coop_id, member_id)  # NotFound for a member of another cooperative
    c = contact_changes.c
    rows = conn.execute(
        sa.select(contact_changes)
        .where(c.coop_id == coop_id, c.member_id == member_id)
        .order_by(c.change_id)
    ).mappings()
    return [
        {
            "field": r["field"],
            "previous": r["previous"],
            "value": r["value"],
            "changed_by": r["changed_by"],
            "changed_at": r["changed_at"],
            "erased": r["erased"],
        }
        for r in rows
    ]


def erase_log(conn: sa.Connection, party_id: str) -> None:
    """GDPR erasure: the values a change replaced, and the values it set, go too."""
    c = contact_changes.c
    conn.execute(
        contact_changes.update()
        .where(c.party_id == party_id)
        .values(previous=None, value=None, erased=True)
    )
