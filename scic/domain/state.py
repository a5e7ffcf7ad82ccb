"""What a decision needs to know about a cooperative: small frozen snapshots, folded
from its own history (scic/domain/timeline.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from scic.domain.cooperative import Statutes
from scic.rules.dated import LEGAL_MINIMUM_CAPITAL_CENTS, value_at


@dataclass(frozen=True)
class Holding:
    shares: int = 0
    subscribed_cents: int = 0
    called_cents: int = 0
    paid_cents: int = 0

    def __add__(self, other: Holding) -> Holding:
        return Holding(
            self.shares + other.shares,
            self.subscribed_cents + other.subscribed_cents,
            self.called_cents + other.called_cents,
            self.paid_cents + other.paid_cents,
        )

    def __neg__(self) -> Holding:
        return Holding(-self.shares, -self.subscribed_cents, -self.called_cents, -self.paid_cents)

    def __sub__(self, other: Holding) -> Holding:
        return self + -other

    def as_row(self) -> dict[str, int]:
        """The four amounts as the projection tables name their columns."""
        return {
            "shares": self.shares,
            "subscribed_cents": self.subscribed_cents,
            "called_cents": self.called_cents,
            "paid_cents": self.paid_cents,
        }


MoveKind = Literal[
    "subscription", "call", "payment", "reimbursement", "transfer-out", "transfer-in"
]


@dataclass(frozen=True)
class CapitalMove:
    """What a share event does to one member's holding, and to the subscription it names
    (None: the member's holding only): the deltas every capital fold adds — the write
    model's timeline, the capital projector and its set-wise form, the totals, the
    compliance view and the journal. `kind` is the `share_movements` row's kind."""

    member_id: str
    subscription_id: str | None
    kind: MoveKind
    amounts: Holding


@dataclass(frozen=True)
class MemberState:
    member_id: str
    category: str
    admitted_on: date
    status: str  # active | withdrawn | excluded
    exited_on: date | None
    holding: Holding
    pending: Holding
    """Shares already withdrawn and waiting for reimbursement (still in the capital)."""
    number: str | None = None
    """The member number (n° d'associé); None for admissions recorded before numbers."""
    owed_cents: int = 0
    """R7 — called and never paid, still owed once its shares were reimbursed (what
    setting the call against the reimbursement left: C. com. L231-6)."""

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def free(self) -> Holding:
        """What the member can still withdraw or transfer."""
        return self.holding - self.pending


@dataclass(frozen=True)
class SubscriptionState:
    subscription_id: str
    member_id: str
    shares: int
    subscribed_cents: int
    called_cents: int
    paid_cents: int
    subscribed_on: date
    subsidy_financed: bool = False


@dataclass(frozen=True)
class PendingWithdrawal:
    withdrawal_id: str
    member_id: str
    requested_on: date
    amounts: Holding
    paid_since_cents: int = 0
    """R7 — what the former member paid on its unpaid calls while this reimbursement
    waits (OwedCallPaid): it lowers the set-off to come, so the reimbursement rises by it."""

    @property
    def unpaid_cents(self) -> int:
        """R7 — called and not paid, less what was paid since: what it owes while it
        waits (only an exit leaves a call unpaid: a partial withdrawal takes paid-up
        shares)."""
        return self.amounts.called_cents - self.amounts.paid_cents - self.paid_since_cents


@dataclass(frozen=True)
class ReleasedReimbursement:
    """R5 — a reimbursement released: what the cooperative owes the member (after R7's
    set-off), and the day it left the bank once the payout is recorded."""

    withdrawal_id: str
    member_id: str
    released_on: date
    amount_cents: int
    paid_out_on: date | None = None


@dataclass(frozen=True)
class CapitalState:
    shares: int = 0
    subscribed_cents: int = 0
    called_cents: int = 0
    paid_cents: int = 0
    public_subscribed_cents: int = 0
    highest_subscribed_cents: int = 0
    uncovered_losses_cents: int = 0
    """The loss carried forward (account 119) at this date."""
    legal_reserve_cents: int = 0
    statutory_reserve_cents: int = 0
    other_reserves_cents: int = 0

    @property
    def reserves_cents(self) -> int:
        """Reserves (1061, 1063, 1068) as the AGs allocated and charged them."""
        return self.legal_reserve_cents + self.statutory_reserve_cents + self.other_reserves_cents

    @property
    def unabsorbed_loss_cents(self) -> int:
        """R6 — the carried loss the reserves do not absorb: what departing members bear."""
        return max(0, self.uncovered_losses_cents - self.reserves_cents)


@dataclass(frozen=True)
class CoopState:
    coop_id: str
    incorporated_on: date
    statutes_versions: list[tuple[date, Statutes]]
    capital: CapitalState
    pending: list[PendingWithdrawal] = field(default_factory=list)

    def statutes_at(self, on: date) -> Statutes:
        current = self.statutes_versions[0][1]
        for valid_from, statutes in self.statutes_versions:
            if valid_from <= on:
                current = statutes
        return current

    def floor_cents(self, on: date) -> int:
        """R5 — the capital may not fall below the largest of the statutory floor, ¼ of
        the highest capital reached (loi 1947 former art. 13, now art. 7) and the legal
        minimum of the form (C. com. L231-5)."""
        statutes = self.statutes_at(on)
        quarter_of_highest = -(-self.capital.highest_subscribed_cents // 4)
        legal = value_at(LEGAL_MINIMUM_CAPITAL_CENTS[statutes.legal_form], on)
        return max(statutes.statutory_floor_cents, quarter_of_highest, legal)
