"""Members: admission, category change (R2). Names live in `parties`, not in events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from scic.dates import Day
from scic.domain.cooperative import Statutes
from scic.domain.facts import Fact
from scic.domain.rules_check import check_public_cap
from scic.domain.state import CoopState, MemberState
from scic.errors import refuse
from scic.text_rules import Name

MemberKind = Literal["person", "organisation"]
# A member number (n° d'associé) as cooperatives write them: "12", "A-012", "2019/04".
NUMBER_PATTERN = r"^[0-9A-Za-z](?:[0-9A-Za-z ./_-]{0,18}[0-9A-Za-z])?$"


# -- events ----------------------------------------------------------------------------


class MemberAdmitted(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    party_id: str
    kind: MemberKind
    category: str
    number: str | None = None
    """The member number (n° d'associé). Admissions recorded before numbers existed
    have none: the field is left out of their payload, which keeps their bytes (and so
    the hash chain) unchanged."""

    @model_serializer(mode="wrap")
    def _omit_when_unnumbered(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if dumped.get("number") is None:
            dumped.pop("number", None)
        return dumped


class MemberCategoryChanged(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    category: str
    previous: str


class PartyErased(BaseModel):
    """Personal data of a party was erased (GDPR art. 17). The event carries no personal
    data; the names it refers to lived only in `parties`."""

    model_config = ConfigDict(extra="forbid")
    party_id: str
    reason: str


EVENTS: tuple[type[BaseModel], ...] = (
    MemberAdmitted,
    MemberCategoryChanged,
    PartyErased,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


# -- commands --------------------------------------------------------------------------


class AdmitMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(min_length=1, max_length=200)
    kind: MemberKind
    category: str
    admitted_on: Day | None = None
    email: str | None = Field(
        default=None, max_length=200, pattern=r"^[^@\x00-\x20]+@[^@\x00-\x20]+$"
    )
    address: str | None = Field(default=None, max_length=400)
    number: str | None = Field(
        default=None,
        pattern=NUMBER_PATTERN,
        description="member number (n° d'associé), unique in the cooperative; "
        "default: the next in sequence",
        examples=["12"],
    )


class Erase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500, examples=["demande RGPD du 12/03"])


class ChangeCategory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    effective_date: Day | None = None


# -- decisions -------------------------------------------------------------------------


def check_date(coop: CoopState | None, on: date) -> None:
    """Nothing is recorded before the cooperative exists (`coop` None: not registered
    yet on `on`, in the timeline's order)."""
    if coop is None:
        raise refuse("date-before-incorporation", f"on {on} the cooperative is not registered yet")
    if on < coop.incorporated_on:
        raise refuse(
            "date-before-incorporation",
            f"{on} is before the cooperative was incorporated ({coop.incorporated_on})",
        )


def check_category(statutes: Statutes, category: str, on: date) -> None:
    """R2 — a member's category is one of the statutes in force at its date."""
    if statutes.category(category) is None:
        raise refuse(
            "unknown-category", f"category {category!r} is not in the statutes in force on {on}"
        )


def number_key(number: str) -> str:
    """What makes two member numbers the same: case, and leading zeros of a plain
    number, do not count ("012" is "12", "a-3" is "A-3")."""
    cleaned = number.strip().casefold()
    return str(int(cleaned)) if cleaned.isdigit() else cleaned


def next_number(known: Iterable[MemberState]) -> str:
    """The next number in sequence: one more than the highest plain number given."""
    plain = [int(m.number) for m in known if m.number is not None and m.number.isdigit()]
    return str(max(plain, default=0) + 1)


def check_number(known: Iterable[MemberState], number: str) -> None:
    """A member number is unique in the cooperative, whatever the dates."""
    key = number_key(number)
    holder = next((m for m in known if m.number and number_key(m.number) == key), None)
    if holder is not None:
        raise refuse(
            "member-number-taken",
            f"member number {number!r} is already member {holder.member_id}'s",
        )


def admit(
    state: CoopState,
    cmd: AdmitMember,
    member_id: str,
    party_id: str,
    on: date,
    known: Iterable[MemberState] = (),
) -> list[Fact]:
    """`known`: every member of the cooperative, admitted before or after `on`."""
    check_date(state, on)
    check_category(state.statutes_at(on), cmd.category, on)
    known = list(known)
    if cmd.number is not None:
        check_number(known, cmd.number)
    data = MemberAdmitted(
        member_id=member_id,
        party_id=party_id,
        kind=cmd.kind,
        category=cmd.category,
        number=cmd.number if cmd.number is not None else next_number(known),
    )
    return [Fact(data, on)]


def change_category(state: CoopState, member: MemberState, category: str, on: date) -> list[Fact]:
    check_date(state, on)
    require_active(member, on)
    statutes = state.statutes_at(on)
    check_category(statutes, category, on)
    new = statutes.category(category)
    assert new is not None
    if category == member.category:
        raise refuse("same-category", f"member is already in category {category!r}")
    old = statutes.category(member.category)
    moved = member.holding.subscribed_cents
    delta = (moved if new.public_body else 0) - (moved if old and old.public_body else 0)
    check_public_cap(state, on, public_delta=delta, total_delta=0)
    data = MemberCategoryChanged(
        member_id=member.member_id, category=category, previous=member.category
    )
    return [Fact(data, on)]


def is_associate(member: MemberState) -> bool:
    """R2, R4 — the one judge of who is an associate at a date: a member (of a fold as at
    that date) still in the cooperative and holding at least one share it has not asked
    back. Admission alone does not make one: until its first share, a member is admitted
    but not an associate yet."""
    return member.active and member.free.shares >= 1


def holds_no_share(member: MemberState) -> bool:
    """Admitted, not gone, and holding no share at the fold's date (not an associate)."""
    return member.active and not is_associate(member)


def require_active(member: MemberState | None, on: date, member_id: str = "") -> MemberState:
    """A member acts between its admission and its exit: nothing is recorded for it
    before it is admitted (`member` None: not admitted yet on `on`), nor once it left."""
    admitted = require_admitted(member, on, member_id)
    check_still_in(admitted.active, f"member {admitted.member_id} left on {admitted.exited_on}")
    return admitted


def require_admitted(member: MemberState | None, on: date, member_id: str = "") -> MemberState:
    """Nothing is recorded for a member before it is admitted (`member` None: not
    admitted yet on `on`); it may have left since."""
    if member is None or on < member.admitted_on:
        ident = member.member_id if member is not None else member_id
        raise refuse("date-before-admission", f"on {on} member {ident} is not admitted yet")
    return member


def check_still_in(active: bool, detail: str) -> None:
    """The one judge of a member that left: nothing more is recorded or asked for it
    (`active`: still in the cooperative)."""
    if not active:
        raise refuse("member-not-active", detail)
