"""Corrections: a compensating event that names the event it reverses (never an edit).

The reversal takes the reversed event's effective date, so views as at any later date
change, while views as known before the correction was recorded do not."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from ledger import NewEvent, RecordedEvent
from scic.domain.grants import GrantState
from scic.domain.rules_check import check_public_cap
from scic.domain.state import CoopState, MemberState, SubscriptionState
from scic.errors import refuse

REVERSIBLE = {
    "SharesSubscribed",
    "SharesCalled",
    "SharesPaid",
    "SharesTransferred",
    "GrantInstalmentReceived",
    "GrantJustified",
    "GrantClawedBack",
    "EsusInvested",
}


class EventReversed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reversed_event_id: str
    reversed_type: str
    reason: str
    prior_period_year: int | None = None
    """R16 — set when the reversed event lies in a closed fiscal year: the reversal is then
    a prior-period adjustment dated in the open year (scic/accounting/fiscal_years.py)."""

    @model_serializer(mode="wrap")
    def _omit_when_not_prior_period(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if dumped.get("prior_period_year") is None:
            dumped.pop("prior_period_year", None)
        return dumped


class Correct(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reverses: str = Field(min_length=1, description="event_id of the event to reverse")
    reason: str = Field(min_length=3, max_length=1000)


def reverse(
    state: CoopState,
    original: RecordedEvent,
    already_reversed: bool,
    members: dict[str, MemberState],
    subscription: SubscriptionState | None,
    reason: str,
    grant: GrantState | None = None,
) -> list[NewEvent]:
    if original.type not in REVERSIBLE:
        raise refuse(
            None,
            "not-reversible",
            f"a {original.type} event cannot be reversed; record the opposite "
            "fact instead (e.g. a withdrawal, a category change)",
        )
    if already_reversed:
        raise refuse(None, "already-reversed", f"event {original.event_id} is already reversed")
    data: dict[str, Any] = original.data
    on: date = original.effective_date
    if original.type == "SharesSubscribed":
        _check_subscription_untouched(subscription, data)
        member = members[data["member_id"]]
        _check_can_give_back(member, data["shares"], data["paid_cents"])
        public = _is_public(state, member, on)
        check_public_cap(
            state,
            on,
            public_delta=-data["subscribed_cents"] if public else 0,
            total_delta=-data["subscribed_cents"],
        )
    elif original.type == "SharesPaid":
        _check_can_give_back(members[data["member_id"]], 0, data["amount_cents"])
    elif original.type == "SharesCalled":
        if subscription is not None and (
            subscription.called_cents - data["amount_cents"] < subscription.paid_cents
        ):
            raise refuse(
                "R7",
                "reverse-later-events-first",
                "payments were made against this call; reverse them first",
            )
    elif original.type == "SharesTransferred":
        taker = members[data["to_member_id"]]
        _check_can_give_back(taker, data["shares"], data["paid_cents"])
        giver = members[data["from_member_id"]]
        delta = (data["subscribed_cents"] if _is_public(state, giver, on) else 0) - (
            data["subscribed_cents"] if _is_public(state, taker, on) else 0
        )
        check_public_cap(state, on, public_delta=delta, total_delta=0)
    elif original.type == "GrantInstalmentReceived" and grant is not None:
        left = grant.received_cents - data["amount_cents"]
        if left < max(grant.justified_cents, grant.clawed_back_cents):
            raise refuse(
                "R14",
                "reverse-later-events-first",
                "justifications or clawbacks rest on this instalment; reverse them first",
            )
    payload = EventReversed(
        reversed_event_id=original.event_id, reversed_type=original.type, reason=reason
    )
    return [
        NewEvent(
            "EventReversed",
            payload.model_dump(mode="json"),
            on,
            subject_id=original.subject_id,
            amount_cents=original.amount_cents,
            reverses=original.event_id,
        )
    ]


def _is_public(state: CoopState, member: MemberState, on: date) -> bool:
    category = state.statutes_at(on).category(member.category)
    return category is not None and category.public_body


def _check_subscription_untouched(sub: SubscriptionState | None, data: dict[str, Any]) -> None:
    if (
        sub is None
        or sub.called_cents != data["called_cents"]
        or (sub.paid_cents != data["paid_cents"])
    ):
        raise refuse(
            None,
            "reverse-later-events-first",
            "calls or payments were recorded on this subscription; reverse them first",
        )


def _check_can_give_back(member: MemberState, shares: int, paid: int) -> None:
    free = member.free
    if free.shares < shares or free.paid_cents < paid:
        raise refuse(
            None,
            "reverse-later-events-first",
            f"member {member.member_id} no longer holds what this event gave "
            "(shares were transferred, withdrawn or reimbursed since); "
            "reverse those events first",
        )
