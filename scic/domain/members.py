"""Members: admission, category change (R2). Names live in `parties`, not in events."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scic.dates import Day
from scic.domain.facts import Fact
from scic.domain.rules_check import check_public_cap
from scic.domain.state import CoopState, MemberState
from scic.errors import refuse
from scic.text_rules import Name

MemberKind = Literal["person", "organisation"]


# -- events ----------------------------------------------------------------------------


class MemberAdmitted(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    party_id: str
    kind: MemberKind
    category: str


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


class Erase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500, examples=["demande RGPD du 12/03"])


class ChangeCategory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    effective_date: Day | None = None


# -- decisions -------------------------------------------------------------------------


def check_date(state: CoopState, on: date) -> None:
    if on < state.incorporated_on:
        raise refuse(
            "date-before-incorporation",
            f"{on} is before the cooperative was incorporated ({state.incorporated_on})",
        )


def admit(
    state: CoopState, cmd: AdmitMember, member_id: str, party_id: str, on: date
) -> list[Fact]:
    check_date(state, on)
    if state.statutes_at(on).category(cmd.category) is None:
        raise refuse(
            "unknown-category", f"category {cmd.category!r} is not in the statutes in force on {on}"
        )
    data = MemberAdmitted(
        member_id=member_id, party_id=party_id, kind=cmd.kind, category=cmd.category
    )
    return [Fact(data, on)]


def change_category(state: CoopState, member: MemberState, category: str, on: date) -> list[Fact]:
    check_date(state, on)
    require_active(member, on)
    statutes = state.statutes_at(on)
    new = statutes.category(category)
    if new is None:
        raise refuse(
            "unknown-category", f"category {category!r} is not in the statutes in force on {on}"
        )
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


def require_active(member: MemberState, on: date) -> None:
    if not member.active:
        raise refuse("member-not-active", f"member {member.member_id} left on {member.exited_on}")
    if on < member.admitted_on:
        raise refuse(
            "date-before-admission",
            f"{on} is before member {member.member_id} was admitted ({member.admitted_on})",
        )
