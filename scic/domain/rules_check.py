"""Checks shared by several decisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scic.domain.state import CoopState
from scic.errors import refuse
from scic.money import format_ratio
from scic.rules.dated import PUBLIC_CAPITAL_CAP, value_at


def check_public_cap(state: CoopState, on: date, public_delta: int, total_delta: int) -> None:
    """R3 — local public bodies together hold at most 50 % of the capital (20 % before
    2014-08-01; loi 47-1775 art. 19 septies, now 19 octodecies). Only a change that
    raises their share is refused: a cooperative already above the cap (after
    reimbursements) can still welcome private capital."""
    capital = state.capital
    before_public, before_total = capital.public_subscribed_cents, capital.subscribed_cents
    after_public, after_total = before_public + public_delta, before_total + total_delta
    if after_total <= 0 or after_public <= 0:
        return
    cap = value_at(PUBLIC_CAPITAL_CAP, on)
    share_after = Decimal(after_public) / Decimal(after_total)
    share_before = Decimal(before_public) / Decimal(before_total) if before_total else Decimal(0)
    if share_after > cap and share_after > share_before:
        raise refuse(
            "R3",
            "public-capital-cap",
            f"local public bodies would hold {format_ratio(after_public, after_total)} "
            f"of the capital; the cap on {on} is {cap}",
        )
