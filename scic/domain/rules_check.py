"""Checks shared by several decisions and by the timeline's re-judging."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scic.domain.state import CapitalState, CoopState
from scic.errors import refuse
from scic.money import format_ratio
from scic.rules.dated import PUBLIC_CAPITAL_CAP, value_at


def public_cap_breach(
    capital: CapitalState, on: date, public_delta: int, total_delta: int
) -> str | None:
    """R3 — local public bodies together hold at most 50 % of the capital (20 % for
    events effective through 2014-08-01; loi 47-1775 art. 19 septies, now 19 octodecies).
    Only a change that raises their share breaches it: a cooperative already above the
    cap (after private members left) can still welcome private capital. Returns what the
    breach would be, dated, or None."""
    before_public, before_total = capital.public_subscribed_cents, capital.subscribed_cents
    after_public, after_total = before_public + public_delta, before_total + total_delta
    if after_total <= 0 or after_public <= 0:
        return None
    cap = value_at(PUBLIC_CAPITAL_CAP, on)
    share_after = Decimal(after_public) / Decimal(after_total)
    share_before = Decimal(before_public) / Decimal(before_total) if before_total else Decimal(0)
    if share_after > cap and share_after > share_before:
        ratio = format_ratio(after_public, after_total)
        return (
            f"on {on} local public bodies would hold {percent(ratio)} ({ratio}) of the "
            f"capital, above the {percent(str(cap), whole=True)} cap in force then"
        )
    return None


def check_public_cap(state: CoopState, on: date, public_delta: int, total_delta: int) -> None:
    breach = public_cap_breach(state.capital, on, public_delta, total_delta)
    if breach is not None:
        raise refuse("public-capital-cap", breach)


def percent(ratio: str, whole: bool = False) -> str:
    """ "0.5082" → "50.82 %"; whole: "0.50" → "50 %"."""
    value = Decimal(ratio) * 100
    return f"{int(value)} %" if whole else f"{value.quantize(Decimal('0.01'))} %"
